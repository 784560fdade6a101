package models

import "github.com/forkcast/forkcast/scenarios"

// poolLaw is a transaction pool's memory by the connections it has served
// (docs/model.md §8.2). A pool's allocator keeps the blocks its
// connections' requests took (apr_pool_clear and the request pools'
// destruction give them back to it, not to malloc, up to MaxMemFree), and
// each connection leaves a little more of them touched. Measured on the
// real Apache, a pool held host.connection_pool_first_use after its first
// connection and a page more after each of the next four, then no more:
//
//	size(u) = min(F + (u − 1)·G, M),  u ≥ 1,
//
// with F the first use's size (at most M), G host.connection_pool_growth
// and M host.connection_pool_memory, a pool that has served many.
type poolLaw struct {
	// sizes[u-1] is size(u) up to the first u at M; from there on a pool
	// keeps the last.
	sizes []float64
}

// poolLawMax bounds the table: with a tiny growth a pool takes that many
// connections to reach M, and stays where it got.
const poolLawMax = 4096

func newPoolLaw(h scenarios.Host) poolLaw {
	m := float64(h.ConnectionPoolMemory)
	size := min(float64(h.ConnectionPoolFirstUse), m)
	l := poolLaw{sizes: []float64{size}}
	for g := float64(h.ConnectionPoolGrowth); g > 0 && size < m && len(l.sizes) < poolLawMax; {
		size = min(size+g, m)
		l.sizes = append(l.sizes, size)
	}
	return l
}

// size is the memory of a pool that has served u connections.
func (l poolLaw) size(u int) float64 {
	if u <= 0 {
		return 0
	}
	return l.sizes[min(u, len(l.sizes))-1]
}

// growth is what a pool grows by when it serves its u-th connection.
func (l poolLaw) growth(u int) float64 {
	if u > len(l.sizes) {
		return 0
	}
	return l.size(u) - l.size(u-1)
}
