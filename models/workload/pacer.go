package workload

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
)

// A Pacer says when the next connection arrives.
type Pacer interface {
	// Next returns the first arrival instant strictly after now, or false
	// when the profile has no more arrivals.
	Next(now sim.Time) (sim.Time, bool)
}

var (
	_ Pacer = (*PoissonPacer)(nil)
	_ Pacer = (*ConstantPacer)(nil)
)

// Profile is a piecewise arrival-rate function λ(t) in connections per
// second, made of phases played back to back from t = 0. After the last
// phase the rate is 0.
type Profile struct {
	phases []scenarios.Phase
	starts []sim.Time // start instant of each phase; len(phases)+1 entries
}

// NewProfile builds the profile of the given phases.
func NewProfile(phases []scenarios.Phase) Profile {
	p := Profile{phases: phases, starts: make([]sim.Time, len(phases)+1)}
	for i, ph := range phases {
		p.starts[i+1] = p.starts[i] + sim.Time(ph.Duration.Duration)
	}
	return p
}

// End returns the instant the last phase ends.
func (p Profile) End() sim.Time { return p.starts[len(p.phases)] }

// phaseAt returns the index of the phase containing t, or -1 past the end.
func (p Profile) phaseAt(t sim.Time) int {
	for i := range p.phases {
		if t < p.starts[i+1] {
			return i
		}
	}
	return -1
}

// Rate returns λ(t).
func (p Profile) Rate(t sim.Time) float64 {
	i := p.phaseAt(t)
	if i < 0 {
		return 0
	}
	return p.phases[i].RateAt(time.Duration(t - p.starts[i]))
}

// maxRate returns an upper bound of λ over phase i.
func (p Profile) maxRate(i int) float64 {
	ph := p.phases[i]
	switch ph.Shape {
	case "ramp":
		return math.Max(ph.Rate, ph.To)
	case "sine":
		return ph.Rate + math.Abs(ph.Amplitude)
	}
	return ph.Rate
}

// PoissonPacer draws a non-homogeneous Poisson process by thinning
// (Lewis & Shedler): within a phase whose rate never exceeds λmax, candidate
// arrivals come at exponential gaps of mean 1/λmax and each is kept with
// probability λ(t)/λmax. A candidate that would cross the phase's end is
// discarded and drawing restarts at the boundary, which is exact because the
// exponential distribution is memoryless.
type PoissonPacer struct {
	Profile Profile
	Rand    *rand.Rand
}

// Next implements Pacer.
func (p *PoissonPacer) Next(now sim.Time) (sim.Time, bool) {
	t := now
	for {
		i := p.Profile.phaseAt(t)
		if i < 0 {
			return 0, false
		}
		end := p.Profile.starts[i+1]
		max := p.Profile.maxRate(i)
		if max <= 0 {
			t = end
			continue
		}
		gap := sim.FromSeconds(p.Rand.ExpFloat64() / max)
		if gap < 1 {
			gap = 1 // arrivals are strictly after now
		}
		if t+gap >= end {
			t = end
			continue
		}
		t += gap
		if p.Rand.Float64()*max <= p.Profile.Rate(t) {
			return t, true
		}
	}
}

// ConstantPacer spaces arrivals evenly: the gap after an arrival at t is
// 1/λ(t); each phase starts its own spacing, its first arrival 1/λ after its
// start, and arrivals stay strictly inside their phase. Stretches where the rate is 0 are skipped.
type ConstantPacer struct {
	Profile Profile
}

// Next implements Pacer.
func (p *ConstantPacer) Next(now sim.Time) (sim.Time, bool) {
	t := now
	for {
		i := p.Profile.phaseAt(t)
		if i < 0 {
			return 0, false
		}
		if r := p.Profile.Rate(t); r > 0 {
			next := t + sim.FromSeconds(1/r)
			if next < p.Profile.starts[i+1] {
				return next, true
			}
			t = p.Profile.starts[i+1] // the next phase starts its own spacing
			continue
		}
		if p.Profile.maxRate(i) <= 0 {
			t = p.Profile.starts[i+1]
		} else {
			t += sim.Millisecond // a ramp or sine at 0: step until it rises
		}
	}
}

// NewPacer returns the pacer the workload asks for.
func NewPacer(w scenarios.Workload, r *rand.Rand) Pacer {
	prof := NewProfile(w.Phases)
	if w.Arrivals == "constant" {
		return &ConstantPacer{Profile: prof}
	}
	return &PoissonPacer{Profile: prof, Rand: r}
}
