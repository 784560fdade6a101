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

// Profile is the arrival rate λ(t) in connections per second: phases back
// to back from t = 0, the last one continuing to the end of the run
// (scenarios.RateAt).
type Profile struct {
	phases []scenarios.Phase
	starts []sim.Time // start instant of each phase; the last phase never ends
}

// NewProfile builds the profile of phases.
func NewProfile(phases []scenarios.Phase) Profile {
	p := Profile{phases: phases, starts: make([]sim.Time, len(phases)+1)}
	for i, ph := range phases {
		p.starts[i+1] = p.starts[i] + sim.Time(ph.Duration.Duration)
	}
	if n := len(phases); n > 0 {
		p.starts[n] = sim.Never
	}
	return p
}

// phaseAt returns the index of the phase containing t, or -1 if none.
func (p *Profile) phaseAt(t sim.Time) int {
	for i := range p.phases {
		if t < p.starts[i+1] {
			return i
		}
	}
	return -1
}

// Rate returns λ(t).
func (p *Profile) Rate(t sim.Time) float64 { return scenarios.RateAt(p.phases, time.Duration(t)) }

// maxRate returns an upper bound of λ over phase i.
func (p *Profile) maxRate(i int) float64 {
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
			if end == sim.Never {
				return 0, false
			}
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
			if p.Profile.starts[i+1] == sim.Never {
				return 0, false
			}
			t = p.Profile.starts[i+1]
		} else {
			t += sim.Millisecond // a ramp or sine at 0: step until it rises
		}
	}
}

// NewPacer returns the pacer of phases with the arrival process arrivals
// ("poisson" or "constant"), drawing from r.
func NewPacer(phases []scenarios.Phase, arrivals string, r *rand.Rand) Pacer {
	prof := NewProfile(phases)
	if arrivals == "constant" {
		return &ConstantPacer{Profile: prof}
	}
	return &PoissonPacer{Profile: prof, Rand: r}
}
