package validate

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/forkcast/forkcast/results"
)

func TestDisturbedNamesTheLoad(t *testing.T) {
	run := func(share float64) results.Run {
		return results.Run{Summary: results.Summary{Measurement: &results.Measurement{ForeignCPU: results.ForeignCPU{
			Seconds: share * 60, Share: share,
			Top: []results.ProcessCPU{{PID: 4242, Command: "go", Seconds: 9.5}, {PID: 77, Command: "plots.test", Seconds: 2}},
		}}}}
	}
	assert.NoError(t, Disturbed(results.Run{}), "a simulator run or an older measurement records none")
	assert.NoError(t, Disturbed(run(MaxForeignCPU)), "the threshold itself passes")
	err := Disturbed(run(0.3))
	var de *DisturbedError
	assert.True(t, errors.As(err, &de))
	assert.Contains(t, err.Error(), "disturbed")
	assert.Contains(t, err.Error(), "30% of the cores")
	assert.Contains(t, err.Error(), "go[4242] 9.5 s")
}
