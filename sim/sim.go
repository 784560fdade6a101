package sim

import (
	"fmt"
	"math/bits"
	"sync/atomic"
	"time"
)

// Time is a simulated instant or duration in nanoseconds.
type Time int64

// Units of Time.
const (
	Nanosecond  Time = 1
	Microsecond      = 1000 * Nanosecond
	Millisecond      = 1000 * Microsecond
	Second           = 1000 * Millisecond
	Minute           = 60 * Second
	Hour             = 60 * Minute
)

// Never is later than any instant a run reaches.
const Never Time = 1<<63 - 1

// Seconds returns t in seconds.
func (t Time) Seconds() float64 { return float64(t) / float64(Second) }

// Duration converts t to a time.Duration.
func (t Time) Duration() time.Duration { return time.Duration(t) }

// String formats t like time.Duration does ("1.5s").
func (t Time) String() string { return time.Duration(t).String() }

// FromSeconds converts seconds to Time, rounding to the nearest nanosecond.
// It saturates: beyond ±292 years it returns Never or -Never, and NaN is 0.
func FromSeconds(s float64) Time {
	ns := s * float64(Second)
	switch {
	case ns != ns: // NaN
		return 0
	case ns >= float64(Never):
		return Never
	case ns <= -float64(Never):
		return -Never
	case ns >= 0:
		return Time(ns + 0.5)
	}
	return Time(ns - 0.5)
}

// A Timer is a callback due at an instant. A Timer can be stopped and
// rescheduled any number of times; reusing one Timer for a recurring
// activity avoids an allocation per event.
type Timer struct {
	sim     *Sim
	at      Time
	seq     uint64
	index   int // position in the calendar; -1 when not scheduled
	fn      func()
	handler Handler
}

// A Handler is what a timer made by InitHandlerTimer calls when it fires.
// A pointer to a field of the model's own struct makes a handler without an
// allocation, where a bound method value (func) would allocate one.
type Handler interface{ Fire() }

// When reports the instant the timer is due, if it is scheduled.
func (t *Timer) When() (Time, bool) { return t.at, t.index >= 0 }

// Pending reports whether the timer is scheduled.
func (t *Timer) Pending() bool { return t.index >= 0 }

// SetFunc changes what the timer calls when it fires.
func (t *Timer) SetFunc(fn func()) { t.fn = fn }

// Stop unschedules the timer. It reports whether the timer was pending.
func (t *Timer) Stop() bool {
	if t.index < 0 {
		return false
	}
	t.sim.cal.remove(t.index)
	t.index = -1
	return true
}

// ResetAt (re)schedules the timer at instant at, which must not be in the
// past. A pending timer is moved; the tie-break sequence is renewed, so the
// timer fires after every timer already due at the same instant.
func (t *Timer) ResetAt(at Time) {
	if at < t.sim.now {
		panic(fmt.Sprintf("sim: timer scheduled in the past (%v < now %v)", at, t.sim.now))
	}
	t.sim.seq++
	t.at, t.seq = at, t.sim.seq
	if t.index >= 0 {
		t.sim.cal.update(t.index)
		return
	}
	t.sim.cal.push(t)
}

// Reset (re)schedules the timer d after the current instant. An instant
// past the end of time is Never: the timer stays pending but never fires
// before any finite instant.
func (t *Timer) Reset(d Time) { t.ResetAt(t.sim.Later(d)) }

// Later returns the instant d after now, saturating at Never.
func (s *Sim) Later(d Time) Time {
	if d > Never-s.now {
		return Never
	}
	return s.now + d
}

// Sim is an event calendar with a clock. The zero value is not usable; call New.
type Sim struct {
	now     Time
	seq     uint64
	cal     calendar
	fired   uint64
	halted  bool
	stopped atomic.Bool
}

// New returns a simulation whose clock reads 0.
func New() *Sim { return &Sim{} }

// Now returns the current simulated instant.
func (s *Sim) Now() Time { return s.now }

// Fired returns how many timers have fired so far.
func (s *Sim) Fired() uint64 { return s.fired }

// Pending returns how many timers are scheduled.
func (s *Sim) Pending() int { return len(s.cal) }

// NewTimer returns an unscheduled timer that calls fn when it fires.
func (s *Sim) NewTimer(fn func()) *Timer { return &Timer{sim: s, index: -1, fn: fn} }

// InitTimer makes t, a Timer value embedded in a model's own struct, an
// unscheduled timer of s that calls fn: one allocation less per owner.
func (s *Sim) InitTimer(t *Timer, fn func()) { *t = Timer{sim: s, index: -1, fn: fn} }

// InitHandlerTimer is InitTimer with a Handler instead of a func.
func (s *Sim) InitHandlerTimer(t *Timer, h Handler) { *t = Timer{sim: s, index: -1, handler: h} }

// After schedules fn to run d from now and returns its timer.
func (s *Sim) After(d Time, fn func()) *Timer {
	t := s.NewTimer(fn)
	t.Reset(d)
	return t
}

// At schedules fn to run at instant at and returns its timer.
func (s *Sim) At(at Time, fn func()) *Timer {
	t := s.NewTimer(fn)
	t.ResetAt(at)
	return t
}

// Halt makes the current Run return after the running callback.
func (s *Sim) Halt() { s.halted = true }

// Stop makes Run return before the next timer fires, and every later Run at
// once. Unlike Halt it may be called from any goroutine: it is how a run is
// cancelled from outside (a deadline, a memory limit, Ctrl-C).
func (s *Sim) Stop() { s.stopped.Store(true) }

// Stopped reports whether Stop was called.
func (s *Sim) Stopped() bool { return s.stopped.Load() }

// Run fires timers in (time, sequence) order until the calendar is empty,
// Halt is called, or the next timer is due after until. On return the clock
// reads until (or the halt instant), even if no timer was due then.
func (s *Sim) Run(until Time) {
	s.halted = false
	for len(s.cal) > 0 && !s.halted && !s.stopped.Load() {
		t := s.cal[0].t
		if t.at > until {
			break
		}
		s.cal.pop()
		t.index = -1
		s.now = t.at
		s.fired++
		if t.handler != nil {
			t.handler.Fire()
		} else {
			t.fn()
		}
	}
	if !s.halted && !s.stopped.Load() && until != Never && until > s.now {
		s.now = until
	}
}

// calendar is a 4-ary min-heap of timers keyed by (at, seq). A 4-ary heap is
// shallower than a binary one, and cheaper here because sift-down compares
// children that sit next to each other in memory. Each slot holds a copy of
// its timer's key, so comparing never dereferences a timer; sifting moves
// entries into a hole rather than swapping them, and tells each moved timer
// its new index.
type calendar []entry

type entry struct {
	at  Time
	seq uint64
	t   *Timer
}

func (a *entry) less(b *entry) bool { return a.at < b.at || (a.at == b.at && a.seq < b.seq) }

// before is less as 1 or 0, computed without a branch: the borrow out of
// the 128-bit subtraction (a.at, a.seq) − (b.at, b.seq). Which child of a
// node is smallest is a coin toss for the branch predictor; computing it
// with arithmetic instead of branches makes sift-down markedly cheaper.
// Instants are never negative, so they compare correctly as unsigned.
func before(a, b *entry) int {
	_, borrow := bits.Sub64(a.seq, b.seq, 0)
	_, borrow = bits.Sub64(uint64(a.at), uint64(b.at), borrow)
	return int(borrow)
}

func (c *calendar) push(t *Timer) {
	*c = append(*c, entry{t.at, t.seq, t})
	c.up(len(*c) - 1)
}

func (c *calendar) pop() {
	h := *c
	n := len(h) - 1
	last := h[n]
	h[n] = entry{}
	*c = h[:n]
	if n > 0 {
		h[0] = last
		c.down(0)
	}
}

func (c *calendar) remove(i int) {
	h := *c
	n := len(h) - 1
	last := h[n]
	h[n] = entry{}
	*c = h[:n]
	if i != n {
		h[i] = last
		c.fix(i)
	}
}

// update refreshes the key of the timer at i and restores the heap order.
func (c calendar) update(i int) {
	t := c[i].t
	c[i].at, c[i].seq = t.at, t.seq
	c.fix(i)
}

func (c calendar) fix(i int) {
	if !c.down(i) {
		c.up(i)
	}
}

func (c calendar) up(i int) {
	e := c[i]
	for i > 0 {
		p := (i - 1) / 4
		if !e.less(&c[p]) {
			break
		}
		c[i] = c[p]
		c[i].t.index = i
		i = p
	}
	c[i] = e
	e.t.index = i
}

// down sifts the entry at i0 towards the leaves and reports whether it moved.
func (c calendar) down(i0 int) bool {
	i, n := i0, len(c)
	e := c[i]
	for {
		first := 4*i + 1
		if first >= n {
			break
		}
		m := first
		if first+3 < n {
			// A full node: k becomes j whenever kids[j] is before
			// kids[k], by arithmetic rather than a branch.
			kids := c[first : first+4 : first+4]
			k := 0
			k += before(&kids[1], &kids[k]) * (1 - k)
			k += before(&kids[2], &kids[k]) * (2 - k)
			k += before(&kids[3], &kids[k]) * (3 - k)
			m += k
		} else {
			for k := first + 1; k < n; k++ {
				if c[k].less(&c[m]) {
					m = k
				}
			}
		}
		if !c[m].less(&e) {
			break
		}
		c[i] = c[m]
		c[i].t.index = i
		i = m
	}
	c[i] = e
	e.t.index = i
	return i > i0
}
