package validate

import (
	"fmt"

	"github.com/forkcast/forkcast/results"
)

// MaxForeignCPU is the share of all cores' time that processes outside the
// measured run (Apache, the load generator, the sampler) may use before a
// measurement is too disturbed to judge: a tenth of the cores, on a 2-core
// machine a fifth of one core over the run. Past it, the real server had
// less CPU than the model gives it, and a miss says nothing of the model.
const MaxForeignCPU = 0.10

// DisturbedError is a measurement that Disturbed refuses to judge.
type DisturbedError struct {
	Foreign results.ForeignCPU
}

func (e *DisturbedError) Error() string {
	return fmt.Sprintf("disturbed: other processes used %s during the measurement, more than the %.0f%% a validation allows; "+
		"not judged — run it again when the machine is quieter", e.Foreign, 100*MaxForeignCPU)
}

// Disturbed returns a *DisturbedError when other processes used more than
// MaxForeignCPU of the cores during the measured run; nil otherwise, and for
// runs that did not record it.
func Disturbed(measured results.Run) error {
	m := measured.Summary.Measurement
	if m == nil || m.ForeignCPU.Share <= MaxForeignCPU {
		return nil
	}
	return &DisturbedError{Foreign: m.ForeignCPU}
}
