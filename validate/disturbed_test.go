package validate

import (
	"errors"
	"slices"
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

// A short burst of foreign CPU in the middle of a quiet run is refused
// though the run's share is small, and the error says when it was.
func TestDisturbedFindsABurst(t *testing.T) {
	quiet := make([]float64, 60) // one-second rows, 2 cores
	for i := range quiet {
		quiet[i] = 0.02 * float64(i%3-1) // clock-tick noise either side of zero
	}
	run := func(f []float64) results.Run {
		total := 0.0
		for _, x := range f {
			total += x
		}
		return results.Run{Summary: results.Summary{IntervalS: 1, Measurement: &results.Measurement{Cores: 2,
			ForeignCPU:             results.ForeignCPU{Seconds: total, Share: total / 120},
			ForeignCoresByInterval: f}}}
	}
	assert.NoError(t, Disturbed(run(quiet)))

	script := slices.Clone(quiet)
	for i := 20; i < 24; i++ { // a script takes one core for 4 s: 3% of the run
		script[i] += 1
	}
	err := Disturbed(run(script))
	var de *DisturbedError
	if assert.True(t, errors.As(err, &de), "4 CPU-s in 5 s is 40%% of 2 cores: %v", err) {
		assert.True(t, de.Burst.FromS <= 20 && de.Burst.ToS >= 24, "the window holds the burst: %+v", de.Burst)
		assert.Equal(t, 5.0, de.Burst.ToS-de.Burst.FromS)
		assert.InDelta(t, 0.4, de.Burst.Share, 0.01)
		assert.Regexp(t, `40% of the cores' time between (19|20) s and (24|25) s`, err.Error())
	}

	spread := slices.Clone(quiet)
	for i := 10; i < 50; i += 4 { // the same CPU and more, spread over 40 s: not a burst
		spread[i] += 0.9
	}
	assert.NoError(t, Disturbed(run(spread)))
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
