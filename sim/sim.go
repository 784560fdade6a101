package sim

import (
	"fmt"
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
	slot    int32 // its slot in the calendar; -1 when not scheduled
	fn      func()
	handler Handler
}

// A Handler is what a timer made by InitHandlerTimer calls when it fires.
// A pointer to a field of the model's own struct makes a handler without an
// allocation, where a bound method value (func) would allocate one.
type Handler interface{ Fire() }

// When reports the instant the timer is due, if it is scheduled.
func (t *Timer) When() (Time, bool) { return t.at, t.slot >= 0 }

// Pending reports whether the timer is scheduled.
func (t *Timer) Pending() bool { return t.slot >= 0 }

// SetFunc changes what the timer calls when it fires.
func (t *Timer) SetFunc(fn func()) { t.fn = fn }

// Stop unschedules the timer. It reports whether the timer was pending.
func (t *Timer) Stop() bool {
	if t.slot < 0 {
		return false
	}
	c := &t.sim.cal
	c.remove(t.slot)
	c.release(t.slot)
	t.slot = -1
	return true
}

// ResetAt (re)schedules the timer at instant at, which must not be in the
// past. A pending timer is moved; the tie-break sequence is renewed, so the
// timer fires after every timer already due at the same instant.
func (t *Timer) ResetAt(at Time) {
	// place's lines, written out: a call less on the engine's hottest path
	// (BenchmarkMMc ran ~7% fewer events/s calling place, five alternated
	// rounds, 2026-12-05).
	s := t.sim
	if at < s.now {
		panic(fmt.Sprintf("sim: timer scheduled in the past (%v < now %v)", at, s.now))
	}
	t.at = at
	c := &s.cal
	switch {
	case t.slot >= 0: // pending: move it
		c.remove(t.slot)
	case t == s.firing: // rescheduled by its own callback: keeps its slot
		t.slot, s.firing = s.firingSlot, nil
	default:
		t.slot = c.acquire(t)
	}
	c.push(entry{at, s.key(t.slot)})
}

// place readies the timer to be scheduled at at: out of the calendar, with
// a slot.
func (t *Timer) place(at Time) {
	s := t.sim
	if at < s.now {
		panic(fmt.Sprintf("sim: timer scheduled in the past (%v < now %v)", at, s.now))
	}
	t.at = at
	c := &s.cal
	switch {
	case t.slot >= 0: // pending: move it
		c.remove(t.slot)
	case t == s.firing: // rescheduled by its own callback: keeps its slot
		t.slot, s.firing = s.firingSlot, nil
	default:
		t.slot = c.acquire(t)
	}
}

// A Ticket is a place in the order in which timers due at the same
// instant fire: the place a timer scheduled when the ticket was taken
// would have (Sim.Ticket).
type Ticket struct {
	seq   uint64
	epoch uint32
}

// Ticket takes the place among simultaneous timers that a timer scheduled
// now would take, for a timer scheduled later with ResetAtTicket. A model
// that keeps many deadlines in a queue of its own under one timer (say, a
// FIFO of timeouts that all last as long) takes a ticket per deadline, and
// its timer fires for each deadline exactly where a timer of its own,
// scheduled when the ticket was taken, would have: the same order, and the
// same sequence numbers for every other timer.
func (s *Sim) Ticket() Ticket {
	seq := s.nextSeq() // may begin an epoch
	return Ticket{seq, s.epoch}
}

// ResetAtTicket is ResetAt with the place among the timers due at at that
// k holds, rather than a new one after them. A ticket taken before the
// sequence numbers were renumbered (after 2^40 schedules) goes before
// every timer due at the same instant.
func (t *Timer) ResetAtTicket(at Time, k Ticket) {
	t.place(at)
	seq := k.seq
	if k.epoch != t.sim.epoch {
		seq = 0
	}
	t.sim.cal.push(entry{at, seq<<slotBits | uint64(t.slot)})
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
	epoch   uint32 // renumberings of seq so far (Ticket)
	cal     calendar
	fired   uint64
	halted  bool
	stopped atomic.Bool
	// firing is the timer whose callback is running, and firingSlot the
	// slot it keeps meanwhile, in case it is rescheduled (see Run).
	firing     *Timer
	firingSlot int32
}

// New returns a simulation whose clock reads 0.
func New() *Sim { return &Sim{} }

// Now returns the current simulated instant.
func (s *Sim) Now() Time { return s.now }

// Fired returns how many timers have fired so far.
func (s *Sim) Fired() uint64 { return s.fired }

// Pending returns how many timers are scheduled.
func (s *Sim) Pending() int { return s.cal.n }

// NewTimer returns an unscheduled timer that calls fn when it fires.
func (s *Sim) NewTimer(fn func()) *Timer { return &Timer{sim: s, slot: -1, fn: fn} }

// InitTimer makes t, a Timer value embedded in a model's own struct, an
// unscheduled timer of s that calls fn: one allocation less per owner.
func (s *Sim) InitTimer(t *Timer, fn func()) { *t = Timer{sim: s, slot: -1, fn: fn} }

// InitHandlerTimer is InitTimer with a Handler instead of a func.
func (s *Sim) InitHandlerTimer(t *Timer, h Handler) { *t = Timer{sim: s, slot: -1, handler: h} }

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
	c := &s.cal
	for !s.halted && !s.stopped.Load() {
		e, ok := c.next(until)
		if !ok {
			break
		}
		slot := e.slot()
		t := c.timers[slot]
		t.slot = -1
		s.now = e.at
		s.fired++
		s.firing, s.firingSlot = t, slot
		if t.handler != nil {
			t.handler.Fire()
		} else {
			t.fn()
		}
		if s.firing != nil {
			s.firing = nil
			c.release(slot)
		}
	}
	if !s.halted && !s.stopped.Load() && until != Never && until > s.now {
		s.now = until
	}
}
