package scenarios

import "time"

// RateAt returns the arrival rate (connections per second) at time t from
// the start of the run. The phases follow each other; after the last one
// ends, its shape continues: a step keeps its rate, a ramp stays at its
// `to`, a sine keeps oscillating.
func (w *Workload) RateAt(t time.Duration) float64 { return RateAt(w.Phases, t) }

// RateAt is the rate of phases played back to back from 0 (see
// Workload.RateAt).
func RateAt(phases []Phase, t time.Duration) float64 {
	if len(phases) == 0 {
		return 0
	}
	for i := range phases {
		p := &phases[i]
		if t < p.Duration.Duration || i == len(phases)-1 {
			if p.Shape == "ramp" && t >= p.Duration.Duration {
				return p.To
			}
			return p.RateAt(t)
		}
		t -= p.Duration.Duration
	}
	panic("unreachable")
}
