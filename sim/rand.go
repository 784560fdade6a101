package sim

import (
	"hash/fnv"
	"math/rand/v2"
)

// Streams derives independent random streams from one seed. Each named source
// of randomness in a model (arrivals, service times, start-up times, …) draws
// from its own stream, so changing how often one source is used does not shift
// the numbers another source sees. That is what lets two variants of a model
// run under common random numbers: the same seed gives them the same arrivals.
type Streams struct{ seed uint64 }

// NewStreams returns the stream family for seed.
func NewStreams(seed uint64) Streams { return Streams{seed: seed} }

// Seed returns the family's seed.
func (s Streams) Seed() uint64 { return s.seed }

// PCG returns the generator state of stream (name, index). Index lets a model
// give each entity (say, the i-th arriving connection) its own substream.
func (s Streams) PCG(name string, index uint64) rand.PCG { return s.Substreams(name).PCG(index) }

// Substreams returns the family of streams (name, index) for every index,
// with the name hashed once: for a model that starts a substream per entity.
func (s Streams) Substreams(name string) Substreams {
	h := fnv.New64a()
	h.Write([]byte(name))
	return Substreams{key: mix(s.seed ^ h.Sum64())}
}

// Substreams are the streams of one name, numbered by index.
type Substreams struct{ key uint64 }

// PCG returns the generator state of the index-th stream; it is the same
// as Streams.PCG(name, index).
func (f Substreams) PCG(index uint64) rand.PCG {
	return *rand.NewPCG(f.key, mix(index+0x9e3779b97f4a7c15))
}

// Stream returns a generator for the named source.
func (s Streams) Stream(name string) *rand.Rand {
	p := s.PCG(name, 0)
	return rand.New(&p)
}

// mix is SplitMix64's finaliser: it spreads nearby inputs over all 64 bits.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
