package workload

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
)

func phase(d time.Duration, shape string, rate, to float64) scenarios.Phase {
	return scenarios.Phase{Duration: scenarios.D(d), Shape: shape, Rate: rate, To: to}
}

func profile(phases ...scenarios.Phase) Profile {
	return NewProfile(phases)
}

func count(p Pacer, from, to sim.Time) []int {
	var perSecond []int
	t := from
	for {
		next, ok := p.Next(t)
		if !ok || next >= to {
			return perSecond
		}
		s := int(next / sim.Second)
		for len(perSecond) <= s {
			perSecond = append(perSecond, 0)
		}
		perSecond[s]++
		t = next
	}
}

func TestPoissonStepsHaveTheirRates(t *testing.T) {
	prof := profile(
		phase(100*time.Second, "step", 20, 0),
		phase(100*time.Second, "step", 200, 0),
		phase(100*time.Second, "step", 0, 0),
	)
	got := count(&PoissonPacer{Profile: prof, Rand: rand.New(rand.NewPCG(1, 1))}, 0, 400*sim.Second)
	sum := func(a, b int) (n int) {
		for i := a; i < b && i < len(got); i++ {
			n += got[i]
		}
		return n
	}
	// Poisson counts: mean λT, sd sqrt(λT); allow 4 sd.
	assert.InDelta(t, 2000, sum(0, 100), 4*math.Sqrt(2000))
	assert.InDelta(t, 20000, sum(100, 200), 4*math.Sqrt(20000))
	assert.Zero(t, sum(200, 400), "no arrivals at rate 0, which the last phase keeps")
}

func TestPoissonRampFollowsTheRate(t *testing.T) {
	prof := profile(phase(100*time.Second, "ramp", 0, 400))
	got := count(&PoissonPacer{Profile: prof, Rand: rand.New(rand.NewPCG(2, 2))}, 0, 100*sim.Second)
	first, last := 0, 0
	for i := 0; i < 10; i++ {
		first += got[i]
		last += got[90+i]
	}
	// Expected: ∫ 4t dt over [0,10] = 200 and over [90,100] = 3800.
	assert.InDelta(t, 200, first, 4*math.Sqrt(200))
	assert.InDelta(t, 3800, last, 4*math.Sqrt(3800))
}

func TestConstantPacerIsEvenlySpaced(t *testing.T) {
	prof := profile(phase(10*time.Second, "step", 4, 0), phase(5*time.Second, "step", 0, 0), phase(10*time.Second, "step", 2, 0))
	p := &ConstantPacer{Profile: prof}
	var at []sim.Time
	for t, ok := p.Next(0); ok && t < 25*sim.Second; t, ok = p.Next(t) {
		at = append(at, t)
	}
	if assert.Len(t, at, 39+19) {
		for i := 1; i < 39; i++ {
			assert.Equal(t, sim.Second/4, at[i]-at[i-1], "gap %d at rate 4", i)
		}
		assert.Equal(t, 15*sim.Second+sim.Second/2, at[39], "the 0-rate phase is skipped")
		assert.Equal(t, sim.Second/2, at[40]-at[39])
	}
}

func TestSameSeedSameArrivals(t *testing.T) {
	sine := phase(50*time.Second, "sine", 50, 0)
	sine.Amplitude, sine.Period = 40, scenarios.D(10*time.Second)
	prof := profile(sine)
	a := count(&PoissonPacer{Profile: prof, Rand: sim.NewStreams(9).Stream("arrivals")}, 0, 50*sim.Second)
	b := count(&PoissonPacer{Profile: prof, Rand: sim.NewStreams(9).Stream("arrivals")}, 0, 50*sim.Second)
	assert.Equal(t, a, b)
}
