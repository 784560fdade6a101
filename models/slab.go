package models

// A slab hands out new zero values of T carved from blocks of slabBlock,
// one allocation per block instead of one per value. Requests and
// connections are made by the million and never reused (clients tell
// stale answers by their identity), so they come from slabs. A block stays
// in memory while any value in it is referenced.
type slab[T any] struct{ block []T }

const slabBlock = 256

func (s *slab[T]) new() *T {
	if len(s.block) == 0 {
		s.block = make([]T, slabBlock)
	}
	v := &s.block[0]
	s.block = s.block[1:]
	return v
}
