package sim

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTimersFireInTimeThenScheduleOrder(t *testing.T) {
	s := New()
	var got []string
	s.At(2*Second, func() { got = append(got, "b") })
	s.At(1*Second, func() { got = append(got, "a") })
	s.At(2*Second, func() { got = append(got, "c") }) // same instant as b, scheduled later
	s.At(3*Second, func() {
		got = append(got, "d")
		s.After(0, func() { got = append(got, "e") }) // zero delay still runs after d
	})
	s.Run(Never)
	assert.Equal(t, []string{"a", "b", "c", "d", "e"}, got)
	assert.Equal(t, 3*Second, s.Now())
}

func TestStopAndResetTimer(t *testing.T) {
	s := New()
	fired := 0
	tm := s.After(time1, func() { fired++ })
	other := s.After(2*time1, func() {})
	require.True(t, tm.Stop())
	assert.False(t, tm.Stop(), "stopping twice reports nothing pending")
	assert.Equal(t, 1, s.Pending())
	tm.ResetAt(3 * time1)
	tm.ResetAt(4 * time1) // moving a pending timer
	assert.True(t, other.Pending())
	s.Run(3 * time1)
	assert.Equal(t, 0, fired, "timer moved to 4 must not fire by 3")
	assert.Equal(t, 3*time1, s.Now(), "Run advances the clock to its horizon")
	s.Run(Never)
	assert.Equal(t, 1, fired)
}

const time1 = Second

func TestSchedulingInThePastPanics(t *testing.T) {
	s := New()
	s.Run(5 * Second)
	assert.Panics(t, func() { s.At(4*Second, func() {}) })
}

// A random mix of schedules and cancellations must fire exactly the timers
// that were not cancelled, in (time, sequence) order.
func TestCalendarAgainstSortedReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	s := New()
	type rec struct {
		at  Time
		seq int
	}
	var fired []rec
	var timers []*Timer
	want := map[int]Time{}
	for i := 0; i < 5000; i++ {
		at := Time(r.IntN(1000))
		i := i
		timers = append(timers, s.At(at, func() { fired = append(fired, rec{s.Now(), i}) }))
		want[i] = at
		if r.IntN(4) == 0 {
			k := r.IntN(len(timers))
			if timers[k].Stop() {
				delete(want, k)
			}
		}
	}
	s.Run(Never)
	require.Len(t, fired, len(want))
	for i := 1; i < len(fired); i++ {
		a, b := fired[i-1], fired[i]
		require.True(t, a.at < b.at || (a.at == b.at && a.seq < b.seq), "out of order at %d: %v then %v", i, a, b)
	}
	for _, f := range fired {
		assert.Equal(t, want[f.seq], f.at)
	}
}

func TestStreamsAreIndependentAndReproducible(t *testing.T) {
	a := NewStreams(42)
	b := NewStreams(42)
	x1, x2 := a.Stream("arrivals"), b.Stream("arrivals")
	for i := 0; i < 10; i++ {
		require.Equal(t, x1.Uint64(), x2.Uint64())
	}
	// Drawing from one stream does not change another.
	y1 := a.Stream("service").Uint64()
	_ = a.Stream("arrivals").Uint64()
	y2 := b.Stream("service").Uint64()
	assert.Equal(t, y1, y2)
	assert.NotEqual(t, a.Stream("arrivals").Uint64(), a.Stream("service").Uint64())
	assert.NotEqual(t, NewStreams(1).Stream("x").Uint64(), NewStreams(2).Stream("x").Uint64())
	p0, p1 := a.PCG("conn", 0), a.PCG("conn", 1)
	assert.NotEqual(t, p0.Uint64(), p1.Uint64())
}

func TestGaugeTimeWeightedMean(t *testing.T) {
	g := NewGauge(0, 0)
	g.Set(1*Second, 4) // 0 for 1 s
	g.Set(3*Second, 1) // 4 for 2 s
	mean, max := g.Window(4 * Second)
	assert.InDelta(t, (0*1+4*2+1*1)/4.0, mean, 1e-12)
	assert.Equal(t, 4.0, max)
	mean, max = g.Window(6 * Second) // value 1 throughout
	assert.InDelta(t, 1.0, mean, 1e-12)
	assert.Equal(t, 1.0, max)
	assert.InDelta(t, (8+1+2)/6.0, g.Mean(6*Second), 1e-12)
	assert.Equal(t, 4.0, g.Max())
	// The whole run's mean and maximum count the window still open.
	g.Set(7*Second, 9) // 1 for 1 s, then 9
	assert.InDelta(t, (8+1+2+1+9)/8.0, g.Mean(8*Second), 1e-12)
	assert.Equal(t, 9.0, g.Max())
}

func TestQuantiles(t *testing.T) {
	q := NewQuantiles(3)
	for i := 1; i <= 1000; i++ {
		q.Record(Time(i) * Millisecond)
	}
	assert.InEpsilon(t, float64(500*Millisecond), float64(q.Quantile(0.5)), 0.002)
	assert.InEpsilon(t, float64(990*Millisecond), float64(q.Quantile(0.99)), 0.002)
	assert.InEpsilon(t, float64(1000*Millisecond), float64(q.Max()), 0.002)
	q.Record(2 * Hour) // clamped, not lost
	assert.Equal(t, int64(1001), q.Count())
}

// While its callback runs a timer is not pending, and stopping it there
// does nothing; rescheduled there, it fires after what was scheduled
// before it for the same instant, and moves like any pending timer.
func TestTimerRescheduledByItsOwnCallback(t *testing.T) {
	s := New()
	var got []string
	var self *Timer
	n := 0
	self = s.NewTimer(func() {
		assert.False(t, self.Pending(), "a firing timer is not pending")
		assert.False(t, self.Stop())
		assert.Equal(t, 1, s.Pending(), "the other timer")
		got = append(got, "self")
		if n++; n < 3 {
			s.After(0, func() { got = append(got, "after") })
			self.Reset(0) // same instant: after the one just scheduled
			assert.True(t, self.Pending())
			assert.Equal(t, 3, s.Pending())
			self.Reset(Second) // moved again while pending
		}
	})
	self.Reset(Second)
	s.At(10*Second, func() { got = append(got, "last") })
	s.Run(Never)
	assert.Equal(t, []string{"self", "after", "self", "after", "self", "last"}, got)
	assert.Equal(t, 10*Second, s.Now())
	assert.Zero(t, s.Pending())
}

// Sequence numbers are packed beside the slot; when they run out the
// pending timers are renumbered in order, and ties still fire in the order
// they were scheduled.
func TestSequenceRenumbering(t *testing.T) {
	s := New()
	var got []int
	schedule := func(from, to int) {
		for i := from; i < to; i++ {
			i := i
			at := Second
			if i%2 == 1 {
				at = 30 * Second
			}
			s.At(at, func() { got = append(got, i) })
		}
	}
	schedule(0, 6)
	s.seq = maxSeq - 2
	schedule(6, 12)
	assert.Less(t, s.seq, uint64(20), "renumbered")
	s.Run(Never)
	assert.Equal(t, []int{0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11}, got)
}

// A timer set with a ticket fires, among the timers due at its instant,
// where a timer scheduled when the ticket was taken would: after those
// scheduled before, before those scheduled after, whenever it is set and
// however often it is moved. A ticket from before a renumbering goes
// first.
func TestTicketKeepsTheOrderOfItsMoment(t *testing.T) {
	s := New()
	var got []string
	at := 5 * Second
	s.At(at, func() { got = append(got, "before") })
	k := s.Ticket()
	s.At(at, func() { got = append(got, "after") })
	late := s.NewTimer(func() { got = append(got, "ticket") })
	s.After(Second, func() {
		late.ResetAtTicket(9*Second, k)
		late.ResetAtTicket(at, k) // moved, keeping its place
	})
	s.Run(Never)
	assert.Equal(t, []string{"before", "ticket", "after"}, got)

	// Ticket consumes a sequence number, as scheduling a timer does.
	a, b := New(), New()
	a.At(Second, func() {})
	b.Ticket()
	assert.Equal(t, a.seq, b.seq)

	got = got[:0]
	s = New()
	old := s.Ticket()
	s.seq = maxSeq - 1
	s.At(at, func() { got = append(got, "pending") })
	s.At(at, func() { got = append(got, "renumbered") }) // the renumbering
	s.NewTimer(func() { got = append(got, "old ticket") }).ResetAtTicket(at, old)
	s.Run(Never)
	assert.Equal(t, []string{"old ticket", "pending", "renumbered"}, got)
}

// refEngine is the calendar's specification: pending timers in a map, the
// next one found by scanning for the least (at, seq).
type refEngine struct {
	seq     uint64
	pending map[int][2]uint64 // timer -> (at, seq)
}

func (r *refEngine) reset(id int, at Time) { r.seq++; r.pending[id] = [2]uint64{uint64(at), r.seq} }
func (r *refEngine) stop(id int) bool {
	_, ok := r.pending[id]
	delete(r.pending, id)
	return ok
}

// fired checks that timer id, firing at now, is the one the specification
// says is next and due then, and takes it out.
func (r *refEngine) fired(t *testing.T, id int, now Time, step int) {
	want, ok := r.next()
	require.True(t, ok)
	require.Equal(t, want, id, "step %d", step)
	require.Equal(t, Time(r.pending[id][0]), now)
	delete(r.pending, id)
}

func (r *refEngine) next() (int, bool) {
	best, found := 0, false
	for id, k := range r.pending {
		b := r.pending[best]
		if !found || k[0] < b[0] || (k[0] == b[0] && k[1] < b[1]) {
			best, found = id, true
		}
	}
	return best, found
}

// Random callbacks that reschedule themselves, schedule, move and stop
// other timers, due soon or in minutes, fire exactly as the specification
// says, on calendars small and large.
func TestCalendarAgainstSpecification(t *testing.T) {
	for _, n := range []int{3, 50, 2000} {
		limit := 20000 * 50 / max(n, 50)
		r := rand.New(rand.NewPCG(uint64(n), 9))
		s := New()
		ref := &refEngine{pending: map[int][2]uint64{}}
		timers := make([]*Timer, n)
		steps := 0
		// Many ties; from nanoseconds to minutes.
		scales := []Time{1, Millisecond, 100 * Millisecond, Second, 100 * Second}
		delay := func() Time { return Time(r.IntN(4)) * Time(r.IntN(1000)) * scales[r.IntN(len(scales))] }
		act := func(id int) {
			ref.fired(t, id, s.Now(), steps)
			if r.IntN(4) > 0 { // most activities recur
				at := s.Now() + delay()
				timers[id].ResetAt(at)
				ref.reset(id, at)
			}
			for k := r.IntN(4); k > 0; k-- {
				other := r.IntN(n)
				switch op := r.IntN(3); {
				case op == 0 || other == id:
					at := s.Now() + delay()
					timers[other].ResetAt(at)
					ref.reset(other, at)
				case op == 1:
					require.Equal(t, ref.stop(other), timers[other].Stop())
				default:
					_, pending := ref.pending[other]
					require.Equal(t, pending, timers[other].Pending())
				}
			}
			if len(ref.pending) == 0 { // keep going
				timers[id].ResetAt(s.Now())
				ref.reset(id, s.Now())
			}
			require.Equal(t, len(ref.pending), s.Pending())
			require.NoError(t, s.cal.check(), "step %d", steps)
			if steps++; steps == limit {
				s.Halt()
			}
		}
		for id := range timers {
			id := id
			timers[id] = s.NewTimer(func() { act(id) })
			at := delay()
			timers[id].ResetAt(at)
			ref.reset(id, at)
		}
		s.Run(Never)
		assert.Equal(t, limit, steps, "n=%d", n)
	}
}

// Running to a horizon with nothing due leaves the calendar as it was: a
// timer scheduled afterwards, before the pending ones, still fires first.
func TestRunToHorizonThenScheduleEarlier(t *testing.T) {
	s := New()
	var got []Time
	record := func() { got = append(got, s.Now()) }
	s.At(10*Second, record)
	s.At(10*Second+1, record)
	s.Run(5 * Second)
	s.At(6*Second, record)
	s.At(5*Second, record)
	s.Run(Never)
	assert.Equal(t, []Time{5 * Second, 6 * Second, 10 * Second, 10*Second + 1}, got)
}

// Phases a million times faster or slower than the one before, timers
// hours ahead and at the end of time, moved and stopped at random: the
// timers fire exactly as the specification says, and the calendar's
// invariants hold after every one.
func TestCalendarAcrossPaces(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	s := New()
	ref := &refEngine{pending: map[int][2]uint64{}}
	const n = 300
	timers := make([]*Timer, n)
	paces := []Time{Millisecond, 1, Minute, Microsecond, Second, 10}
	pace, steps := paces[0], 0
	delay := func() Time {
		switch r.IntN(50) {
		case 0: // hours ahead
			return Time(r.IntN(1000)) * Hour
		case 1:
			return Never - s.Now() // the end of time
		}
		return Time(r.ExpFloat64() * float64(pace) * n)
	}
	set := func(id int) {
		at := s.Later(delay())
		timers[id].ResetAt(at)
		ref.reset(id, at)
	}
	act := func(id int) {
		ref.fired(t, id, s.Now(), steps)
		set(id)
		if r.IntN(3) == 0 {
			other := r.IntN(n)
			if r.IntN(2) == 0 {
				set(other)
			} else {
				require.Equal(t, ref.stop(other), timers[other].Stop())
			}
		}
		require.Equal(t, len(ref.pending), s.Pending())
		require.NoError(t, s.cal.check(), "step %d", steps)
		if steps++; steps%20000 == 0 {
			pace = paces[steps/20000%len(paces)]
			if steps == 20000*len(paces) {
				s.Halt()
			}
		}
	}
	for id := range timers {
		id := id
		timers[id] = s.NewTimer(func() { act(id) })
		set(id)
	}
	s.Run(Never)
	assert.Equal(t, 20000*len(paces), steps)
}
