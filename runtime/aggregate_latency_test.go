package runtime

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/scenarios"
)

// Runtime mode keeps every completed request's response time in the run's
// histogram (latency.hdr), and only those: failures and unfinished
// requests have no response time.
func TestAggregateKeepsTheLatencyHistogram(t *testing.T) {
	sc, err := scenarios.LoadBuiltin("prefork-spike", "")
	require.NoError(t, err)
	sc.Duration.Duration = 10 * time.Second
	var reqs []RequestRecord
	for i := range 200 {
		start := time.Duration(i) * 40 * time.Millisecond
		reqs = append(reqs, RequestRecord{Conn: i, Start: start, End: start + time.Duration(i+1)*time.Millisecond, Outcome: OK, Status: 200})
	}
	reqs = append(reqs,
		RequestRecord{Start: time.Second, End: 9 * time.Second, Outcome: ClientTimeout},
		RequestRecord{Start: 2 * time.Second, Outcome: Unfinished})
	run := aggregate(sc, time.Unix(0, 0), nil, &Result{Requests: reqs}, nil, nil, nil)
	require.NotNil(t, run.Latencies)
	assert.Equal(t, run.Summary.Requests.Completed, run.Latencies.Count())
	assert.Equal(t, int64(200), run.Latencies.Count())
	assert.InEpsilon(t, 200, run.Latencies.MaxMS(), 0.001)
	// The summary interpolates between exact values; the histogram's
	// quantile is within its 0.1% buckets of it.
	assert.InEpsilon(t, run.Summary.Latency.P50, run.Latencies.QuantileMS(0.5), 0.01)
	assert.InEpsilon(t, run.Summary.Latency.P99, run.Latencies.QuantileMS(0.99), 0.01)
}
