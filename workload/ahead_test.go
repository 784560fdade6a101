package workload

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
)

// instant is the arrival as its instant alone.
func instant(_ uint64, at sim.Time) sim.Time { return at }

// arrivalsOf plays a population's pacer the way the simulator did before it
// read ahead: each arrival from the last.
func arrivalsOf(p Pacer) []sim.Time {
	var out []sim.Time
	for t, ok := p.Next(0); ok; t, ok = p.Next(t) {
		out = append(out, t)
	}
	return out
}

// Drawn ahead on their own goroutine, a population's arrivals are the ones
// its pacer gives one after another, to the last, over several batches.
func TestAheadGivesThePacersArrivals(t *testing.T) {
	for _, arrivals := range []string{"poisson", "constant"} {
		pop := &Population{seed: 7, arr: arrivals, Start: 2 * time.Second, Stop: 70 * time.Second, phases: []scenarios.Phase{
			phase(20*time.Second, "step", 50, 0),
			phase(20*time.Second, "step", 0, 0),
			phase(20*time.Second, "ramp", 100, 900),
		}}
		want := arrivalsOf(pop.Pacer())
		assert.Greater(t, len(want), 3*aheadBatch, arrivals)
		a := NewAhead(pop.Pacer(), instant)
		var got []sim.Time
		for t, ok := a.Next(); ok; t, ok = a.Next() {
			got = append(got, *t)
		}
		assert.Equal(t, want, got, arrivals)
		_, ok := a.Next()
		assert.False(t, ok, "%s: after the last", arrivals)
		a.Stop()
	}
}

// A run that ends before its population's last arrival stops the drawing:
// the goroutine does not wait for ever on a batch nobody reads.
func TestAheadStops(t *testing.T) {
	pop := &Population{seed: 7, arr: "poisson", Stop: 1000 * time.Hour,
		phases: []scenarios.Phase{phase(time.Hour, "step", 1000, 0)}}
	a := NewAhead(pop.Pacer(), instant)
	a.Next()
	a.Stop()
	a.Stop()
	select {
	case <-drained(a):
	case <-time.After(10 * time.Second):
		t.Fatal("the drawing goroutine did not end")
	}
}

// drained is closed once a's goroutine has ended (it closes a.full).
func drained(a *Ahead[sim.Time]) chan struct{} {
	done := make(chan struct{})
	go func() {
		for range a.full {
		}
		close(done)
	}()
	return done
}
