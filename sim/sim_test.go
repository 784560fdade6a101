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
