package runtime

import (
	"slices"
	"sort"
	"time"
)

// interpolateMemory returns the samples with each process's memory placed
// on the line between the read before the sample and the read after it.
//
// The sampler reads a process's memory once every MemoryPeriod (reading
// smaps_rollup holds the process's mmap lock; read ten times a second it
// slowed the processes it measured) and holds the value in between. A held
// value lags: with reads at the start of each interval, a row's mean was
// the memory at the interval's start, while the simulator's row is the
// mean over the interval, so in a ramp (children importing one after
// another) the measured row sat half an interval behind. Between two reads
// the line is the best estimate of what was not read; after a process's
// last read (it exited, or the run ended) the read is held.
//
// The input is not modified.
func interpolateMemory(samples []Sample) []Sample {
	type key struct {
		pid     int
		started time.Duration
	}
	reads := map[key][]ProcInfo{} // each process's distinct reads, in time order
	note := func(p ProcInfo) {
		k := key{p.Pid, p.Started}
		rs := reads[k]
		if len(rs) == 0 || rs[len(rs)-1].MemAt != p.MemAt {
			reads[k] = append(rs, p)
		}
	}
	for _, s := range samples {
		note(s.Parent)
		for _, p := range s.Children {
			note(p)
		}
		for _, p := range s.Daemons {
			note(p)
		}
	}
	at := func(p ProcInfo, t time.Duration) ProcInfo {
		rs := reads[key{p.Pid, p.Started}]
		i := sort.Search(len(rs), func(i int) bool { return rs[i].MemAt > p.MemAt })
		if i == len(rs) || t <= p.MemAt {
			return p
		}
		next := rs[i]
		f := float64(t-p.MemAt) / float64(next.MemAt-p.MemAt)
		line := func(a, b int64) int64 { return a + int64(f*float64(b-a)) }
		p.RSS = line(p.RSS, next.RSS)
		p.PSS = line(p.PSS, next.PSS)
		p.Private = line(p.Private, next.Private)
		p.Swap = line(p.Swap, next.Swap)
		return p
	}
	out := make([]Sample, len(samples))
	for i, s := range samples {
		s.Parent = at(s.Parent, s.At)
		s.Children = slices.Clone(s.Children)
		for j, p := range s.Children {
			s.Children[j] = at(p, s.At)
		}
		s.Daemons = slices.Clone(s.Daemons)
		for j, p := range s.Daemons {
			s.Daemons[j] = at(p, s.At)
		}
		out[i] = s
	}
	return out
}
