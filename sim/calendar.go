package sim

import (
	"math/bits"
	"slices"
)

// calendar holds the pending timers in a radix heap keyed by (at, seq)
// (Ahuja, Mehlhorn, Orlin and Tarjan's monotone priority queue): simulated
// time never runs backwards, so every pending timer is due at or after
// last, the instant of the last timer fired, and a timer goes to the
// bucket of the highest bit in which its instant differs from last (bucket
// 0: due at last itself). Every timer in a bucket is due before every timer
// in a higher one. Scheduling, moving and stopping a timer is an append or
// a swap-remove; firing takes the earliest of bucket 0, the timers due at
// last, by sequence number, and when bucket 0 is empty the lowest other
// bucket is spread over the buckets below it around its earliest instant.
// A timer moves down a few buckets in its life, and timeouts that are
// stopped long before they are due — client deadlines, keep-alive waits —
// never move at all.
//
// Entries hold no pointers. A pending timer owns a slot, a small integer:
// timers[slot] is the timer and at[slot] where its entry is, so the
// garbage collector neither scans the entries nor puts write barriers on
// their moves.
type calendar struct {
	last    Time
	buckets [64][]entry
	used    uint64 // bit b: buckets[b] is not empty
	n       int
	at      []uint32 // by slot: its bucket << 24 | its index there
	timers  []*Timer // by slot: the pending timer, nil when free
	free    []int32  // free slots
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

// key returns a fresh key for slot: the next sequence number.
func (s *Sim) key(slot int32) uint64 { return s.nextSeq()<<slotBits | uint64(slot) }

// nextSeq takes the next sequence number. Once they run out (after 2^40
// schedules) the pending entries are renumbered in order, which keeps
// every comparison among them as it was, and a new epoch begins (see
// Ticket).
func (s *Sim) nextSeq() uint64 {
	if s.seq == maxSeq {
		s.seq = s.cal.renumber()
		s.epoch++
	}
	s.seq++
	return s.seq
}

// renumber gives the entries the sequence numbers 1..n in their order and
// returns n.
func (c *calendar) renumber() uint64 {
	var all []entry
	for _, b := range c.buckets {
		all = append(all, b...)
	}
	slices.SortFunc(all, func(a, b entry) int {
		if a.less(b) {
			return -1
		}
		return 1
	})
	seq := make(map[uint64]uint64, len(all))
	for i, e := range all {
		seq[e.key] = uint64(i + 1)
	}
	for _, b := range c.buckets {
		for i := range b {
			b[i].key = seq[b[i].key]<<slotBits | b[i].key&slotMask
		}
	}
	return uint64(len(all))
}

func (a entry) less(b entry) bool { return a.at < b.at || (a.at == b.at && a.key < b.key) }

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
	c.at = append(c.at, 0)
	return int32(slot)
}

func (c *calendar) release(slot int32) {
	c.timers[slot] = nil
	c.free = append(c.free, slot)
}

// push adds e, due at or after last.
func (c *calendar) push(e entry) {
	c.n++
	c.put(e)
}

func (c *calendar) put(e entry) {
	b := bits.Len64(uint64(e.at^c.last)) & 63 // instants are below 2^63
	c.at[e.slot()] = uint32(b<<24 | len(c.buckets[b]))
	c.buckets[b] = append(c.buckets[b], e)
	c.used |= 1 << b
}

// remove takes slot's entry out.
func (c *calendar) remove(slot int32) {
	c.n--
	at := c.at[slot]
	c.take(int(at>>24), int(at&slotMask))
}

// take removes entry i of bucket b, the last one taking its place.
func (c *calendar) take(b, i int) entry {
	bk := c.buckets[b]
	e, n := bk[i], len(bk)-1
	if i != n {
		bk[i] = bk[n]
		c.at[bk[i].slot()] = uint32(b<<24 | i)
	}
	c.buckets[b] = bk[:n]
	if n == 0 {
		c.used &^= 1 << b
	}
	return e
}

// next removes and returns the earliest entry, if it is due by until.
func (c *calendar) next(until Time) (entry, bool) {
	if c.used == 0 {
		return entry{}, false
	}
	if c.used&1 == 0 {
		// Spread the lowest bucket around its earliest instant: each
		// of its timers goes to a lower bucket, those due then to 0.
		b := bits.TrailingZeros64(c.used)
		bk := c.buckets[b]
		if len(bk) == 1 { // the earliest, alone: no need to spread it
			if bk[0].at > until {
				return entry{}, false
			}
			c.last = bk[0].at
			c.n--
			return c.take(b, 0), true
		}
		// The earliest fires now; the others go to lower buckets
		// around its instant, those due then to 0. The earliest is
		// found by instant alone, without a branch to mispredict; if
		// others are due at the same instant, bucket 0 below picks
		// among them all by sequence. The loop is put's, with the
		// calendar's fields held in locals: the stores into the
		// buckets could alias them.
		m, min := 0, bk[0].at
		for i := 1; i < len(bk); i++ {
			// if bk[i].at < min { m, min = i, bk[i].at }: instants are
			// in [0, 2^63), so the difference cannot overflow and its
			// sign bit makes the mask.
			d := bk[i].at - min
			lt := int(d >> 63)
			min += d & Time(lt)
			m ^= (m ^ i) & lt
		}
		if min > until {
			return entry{}, false
		}
		first := bk[m]
		n := len(bk) - 1
		bk[m] = bk[n]
		at, used := c.at, c.used&^(1<<b)
		c.last = min
		c.buckets[b] = bk[:0] // its array stays bucket b's; the others go below b
		for _, e := range bk[:n] {
			d := bits.Len64(uint64(e.at^min)) & 63
			dst := c.buckets[d]
			at[e.slot()] = uint32(d<<24 | len(dst))
			c.buckets[d] = append(dst, e)
			used |= 1 << d
		}
		c.used = used
		if used&1 == 0 {
			c.n--
			return first, true
		}
		c.put(first) // due with others: bucket 0 orders them
	}
	// Bucket 0: every timer due at last; the earliest scheduled first.
	b0 := c.buckets[0]
	if c.last > until {
		return entry{}, false
	}
	m := 0
	for i := 1; i < len(b0); i++ {
		if b0[i].key < b0[m].key {
			m = i
		}
	}
	c.n--
	return c.take(0, m), true
}
