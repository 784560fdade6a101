package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/models"
	"github.com/forkcast/forkcast/results"
	rt "github.com/forkcast/forkcast/runtime"
	"github.com/forkcast/forkcast/scenarios"
)

// Under one seed, runtime mode replays exactly the traffic the simulator
// simulates: the same connections at the same instants, carrying the same
// number of requests for the same URLs.
func TestRuntimeReplaysTheSimulatedWorkload(t *testing.T) {
	sc, err := scenarios.Parse("w.toml", []byte(`
duration = "40s"
[apache]
mpm = "event"
[app]
import_cpu = "const(10ms)"
request_cpu = "const(1ms)"
request_wait = "const(1ms)"
[workload]
requests_per_connection = "uniform(1, 6)"
think_time = "exp(200ms)"
static_fraction = 0.3
urls = { "/a" = 2.0, "/b" = 1.0 }
[[workload.phase]]
duration = "10s"
rate = 5
[[workload.phase]]
duration = "10s"
shape = "ramp"
rate = 5
to = 30
[[workload.phase]]
duration = "10s"
shape = "sine"
rate = 10
amplitude = 5
period = "4s"
[[workload.phase]]
duration = "10s"
rate = 0
`), "")
	require.NoError(t, err)
	sched, err := rt.Schedule(sc, "/static/file")
	require.NoError(t, err)
	run, err := models.Simulate(sc)
	require.NoError(t, err)

	perSecond := make([]float64, len(run.Rows))
	planned := 0
	for _, a := range sched {
		perSecond[int(a.At/time.Second)]++
		planned += len(a.Requests)
	}
	arrivals, err := results.Column(run.Rows, "arrivals")
	require.NoError(t, err)
	assert.Equal(t, perSecond, arrivals, "connections per second")
	assert.Equal(t, int64(planned), run.Summary.Requests.Offered, "requests, all sent within the quiet last 10 s")
}
