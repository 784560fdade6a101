package models

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

// The simulator writes the histogram its summary quantiles come from: the
// same count and the same quantiles, and the same bytes for the same seed.
func TestSimulateKeepsTheLatencyHistogram(t *testing.T) {
	sc, err := scenarios.LoadBuiltin("embedded-vs-daemon", "daemon-event")
	require.NoError(t, err)
	sc.Duration.Duration = 30 * time.Second
	run, err := Simulate(sc)
	require.NoError(t, err)
	h := run.Latencies
	require.NotNil(t, h)
	assert.Equal(t, run.Summary.Requests.Completed, h.Count())
	l := run.Summary.Latency
	for _, q := range []struct{ want, p float64 }{{l.P50, 0.5}, {l.P90, 0.9}, {l.P99, 0.99}} {
		assert.InDelta(t, q.want, h.QuantileMS(q.p), 0.005, "p%v", q.p*100)
	}
	assert.InDelta(t, l.Max, h.MaxMS(), 0.005)

	again, err := Simulate(sc)
	require.NoError(t, err)
	var a, b bytes.Buffer
	require.NoError(t, results.WriteHistogram(&a, h, results.SimulatorEpoch, 30))
	require.NoError(t, results.WriteHistogram(&b, again.Latencies, results.SimulatorEpoch, 30))
	assert.Equal(t, a.String(), b.String())
}
