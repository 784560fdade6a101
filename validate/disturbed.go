package validate

import (
	"fmt"
	"math"

	"github.com/forkcast/forkcast/results"
)

// MaxForeignCPU is the share of all cores' time that processes outside the
// measured run (Apache, the load generator, the sampler) may use before a
// measurement is too disturbed to judge: a tenth of the cores, on a 2-core
// machine a fifth of one core over the run. Past it, the real server had
// less CPU than the model gives it, and a miss says nothing of the model.
const MaxForeignCPU = 0.10

// MaxForeignBurst is the share of all cores' time that they may use over
// any ForeignWindowS seconds of the run: a quarter of the cores, on a
// 2-core machine half a core for five seconds. A surge is decided in a
// few seconds (whether a tick sees idle workers, how fast a burst of
// children imports), so a compile or a script that takes a core for four
// seconds then can change the outcome while the run's share stays near
// 3%. Measurements that record foreign_cores_by_interval are checked.
const (
	MaxForeignBurst = 0.25
	ForeignWindowS  = 5.0
)

// DisturbedError is a measurement that Disturbed refuses to judge.
type DisturbedError struct {
	Foreign results.ForeignCPU
	// Burst is set when a window, not the whole run, passed its
	// threshold: the window's start and end (seconds) and share.
	Burst *ForeignBurst
}

// ForeignBurst is the busiest window of other processes' CPU use.
type ForeignBurst struct {
	FromS, ToS float64
	Share      float64 // of all cores' time over the window
}

func (e *DisturbedError) Error() string {
	if b := e.Burst; b != nil {
		return fmt.Sprintf("disturbed: other processes used %.0f%% of the cores' time between %.0f s and %.0f s of the load, "+
			"more than the %.0f%% a validation allows in any %.0f s (over the whole run: %s); "+
			"not judged — run it again when the machine is quieter", 100*b.Share, b.FromS, b.ToS,
			100*MaxForeignBurst, ForeignWindowS, e.Foreign)
	}
	return fmt.Sprintf("disturbed: other processes used %s during the measurement, more than the %.0f%% a validation allows; "+
		"not judged — run it again when the machine is quieter", e.Foreign, 100*MaxForeignCPU)
}

// Disturbed returns a *DisturbedError when other processes used more than
// MaxForeignCPU of the cores during the measured run, or more than
// MaxForeignBurst of them in some ForeignWindowS; nil otherwise, and for
// runs that did not record it.
func Disturbed(measured results.Run) error {
	m := measured.Summary.Measurement
	if m == nil {
		return nil
	}
	if m.ForeignCPU.Share > MaxForeignCPU {
		return &DisturbedError{Foreign: m.ForeignCPU}
	}
	if b := busiestForeignWindow(m, measured.Summary.IntervalS); b != nil && b.Share > MaxForeignBurst {
		return &DisturbedError{Foreign: m.ForeignCPU, Burst: b}
	}
	return nil
}

// busiestForeignWindow returns the window of ForeignWindowS (whole
// intervals of iv seconds, the whole run if it is shorter) in which other
// processes used the largest share of the cores; nil when the measurement
// did not record them interval by interval.
func busiestForeignWindow(m *results.Measurement, iv float64) *ForeignBurst {
	f := m.ForeignCoresByInterval
	if len(f) == 0 || m.Cores <= 0 || iv <= 0 {
		return nil
	}
	w := min(len(f), max(1, int(math.Round(ForeignWindowS/iv))))
	sum := 0.0
	for _, x := range f[:w] {
		sum += x
	}
	best, at := sum, 0
	for i := w; i < len(f); i++ {
		sum += f[i] - f[i-w]
		if sum > best {
			best, at = sum, i-w+1
		}
	}
	return &ForeignBurst{FromS: float64(at) * iv, ToS: float64(at+w) * iv, Share: best / float64(w) / float64(m.Cores)}
}
