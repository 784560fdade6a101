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

// Coverage counts the value metrics whose measured value fell inside the
// one-run interval, names those outside, and the intervals' mean width
// relative to the predicted mean; a suite adds reports with a prefix.
func TestCoverageCountsMeasuredValuesInsideTheirInterval(t *testing.T) {
	in, out := true, false
	f := func(v float64) *float64 { return &v }
	rep := &Report{Scenario: "s", Metrics: []Metric{
		{Name: "throughput", Predicted: Estimate{Mean: 10, RunLo: f(9), RunHi: f(11)}, InRunInterval: &in},
		{Name: "latency_p50", Predicted: Estimate{Mean: 100, RunLo: f(80), RunHi: f(120)}, InRunInterval: &out},
		{Name: "processes_mae"}, // a curve: no interval
	}}
	var c Coverage
	c.Add(rep, "")
	assert.Equal(t, 1, c.Inside)
	assert.Equal(t, 2, c.Total)
	assert.Equal(t, 0.5, c.Share)
	assert.InDelta(t, 0.3, c.MeanWidth, 1e-12, "(20% + 40%) / 2")
	assert.Equal(t, []string{"latency_p50"}, c.Outside)
	var suite Coverage
	suite.Add(rep, "a.")
	suite.Add(rep, "b.")
	assert.Equal(t, 4, suite.Total)
	assert.InDelta(t, 0.3, suite.MeanWidth, 1e-12)
	assert.Equal(t, []string{"a.latency_p50", "b.latency_p50"}, suite.Outside)
}
