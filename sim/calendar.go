package sim

import (
	"math/bits"
	"slices"
)

// calendar is a 4-ary min-heap of entries keyed by (at, seq). A 4-ary heap
// is shallower than a binary one, and cheaper here because sift-down
// compares children that sit next to each other in memory: an entry is 16
// bytes, so a node's four children share a cache line. Sifting moves
// entries into a hole rather than swapping them.
//
// Entries hold no pointers. A pending timer owns a slot, a small integer:
// timers[slot] is the timer and pos[slot] its entry's index, which every
// move updates. Writing that index into a dense array, rather than into the
// timer itself, saves a cache miss per level on a large calendar, and the
// garbage collector neither scans the heap nor puts write barriers on its
// moves.
type calendar struct {
	heap   []entry
	pos    []int32  // by slot: index in heap
	timers []*Timer // by slot: the pending timer, nil when free
	free   []int32  // free slots
}

// An entry is a pending timer's key: its instant, then its scheduling
// sequence number and slot packed as seq<<slotBits | slot, so that comparing
// keys compares sequence numbers (unique) first.
type entry struct {
	at  Time
	key uint64
}

const (
	slotBits = 24
	slotMask = 1<<slotBits - 1
	maxSeq   = 1<<(64-slotBits) - 1
)

func (e entry) slot() int32 { return int32(e.key & slotMask) }

// key returns a fresh key for slot: the next sequence number. Once
// sequence numbers run out (after 2^40 schedules) the pending entries are
// renumbered in order, which keeps every comparison as it was.
func (s *Sim) key(slot int32) uint64 {
	if s.seq == maxSeq {
		s.seq = s.cal.renumber()
	}
	s.seq++
	return s.seq<<slotBits | uint64(slot)
}

// renumber gives the entries the sequence numbers 1..n in their order and
// returns n. Sorted, the heap is still a heap.
func (c *calendar) renumber() uint64 {
	slices.SortFunc(c.heap, func(a, b entry) int {
		if a.less(b) {
			return -1
		}
		return 1
	})
	for i := range c.heap {
		e := &c.heap[i]
		e.key = uint64(i+1)<<slotBits | e.key&slotMask
		c.pos[e.slot()] = int32(i)
	}
	return uint64(len(c.heap))
}

func (a entry) less(b entry) bool { return a.at < b.at || (a.at == b.at && a.key < b.key) }

// before is less as 1 or 0, computed without a branch: the borrow out of
// the 128-bit subtraction (a.at, a.key) − (b.at, b.key). Which child of a
// node is smallest is a coin toss for the branch predictor; computing it
// with arithmetic instead of branches makes sift-down markedly cheaper.
// Instants are never negative, so they compare correctly as unsigned.
func before(a, b *entry) int {
	_, borrow := bits.Sub64(a.key, b.key, 0)
	_, borrow = bits.Sub64(uint64(a.at), uint64(b.at), borrow)
	return int(borrow)
}

// acquire gives t a slot.
func (c *calendar) acquire(t *Timer) int32 {
	if n := len(c.free); n > 0 {
		slot := c.free[n-1]
		c.free = c.free[:n-1]
		c.timers[slot] = t
		return slot
	}
	slot := len(c.timers)
	if slot > slotMask {
		panic("sim: more than 2^24 timers pending")
	}
	c.timers = append(c.timers, t)
	c.pos = append(c.pos, 0)
	return int32(slot)
}

func (c *calendar) release(slot int32) {
	c.timers[slot] = nil
	c.free = append(c.free, slot)
}

func (c *calendar) push(e entry) {
	c.heap = append(c.heap, e)
	c.up(len(c.heap) - 1)
}

// pop removes the top entry.
func (c *calendar) pop() {
	n := len(c.heap) - 1
	last := c.heap[n]
	c.heap = c.heap[:n]
	if n == 0 {
		return
	}
	c.heap[0] = last
	c.sink(0)
}

func (c *calendar) remove(i int) {
	n := len(c.heap) - 1
	last := c.heap[n]
	c.heap = c.heap[:n]
	if i != n {
		c.heap[i] = last
		c.fix(i)
	}
}

func (c *calendar) fix(i int) {
	if !c.down(i) {
		c.up(i)
	}
}

func (c *calendar) up(i int) {
	h, pos := c.heap, c.pos
	e := h[i]
	for i > 0 {
		p := (i - 1) / 4
		if !e.less(h[p]) {
			break
		}
		h[i] = h[p]
		pos[h[i].slot()] = int32(i)
		i = p
	}
	h[i] = e
	pos[e.slot()] = int32(i)
}

// down sifts the entry at i0 towards the leaves and reports whether it moved.
func (c *calendar) down(i0 int) bool {
	i := c.sink(i0)
	return i > i0
}

// sink moves the entry at i down to where it belongs and returns that
// index.
func (c *calendar) sink(i int) int {
	h, pos := c.heap, c.pos
	n := len(h)
	e := h[i]
	for {
		first := 4*i + 1
		if first >= n {
			break
		}
		m := first
		if first+3 < n {
			// A full node: the smallest of four as a tournament, the
			// two pairs at once then their winners, by arithmetic
			// rather than branches.
			kids := h[first : first+4 : first+4]
			a := before(&kids[1], &kids[0])
			b := 2 + before(&kids[3], &kids[2])
			m += a + before(&kids[b&3], &kids[a&3])*(b-a)
		} else {
			for k := first + 1; k < n; k++ {
				if h[k].less(h[m]) {
					m = k
				}
			}
		}
		if !h[m].less(e) {
			break
		}
		h[i] = h[m]
		pos[h[i].slot()] = int32(i)
		i = m
	}
	h[i] = e
	pos[e.slot()] = int32(i)
	return i
}
