package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
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

// Under one seed, runtime mode's arrivals are the simulator's, second by
// second, for every population kind whose arrivals do not depend on the
// server's answers: open populations (their own phases, start and stop)
// and replayed access logs (thinned and duplicated by multiply, sped up,
// windowed, keep-alive connections from %k).
func TestRuntimeArrivalsAreTheSimulators(t *testing.T) {
	dir := t.TempDir()
	var log strings.Builder
	rng := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for i := 0; i < 400; i++ {
		at = at.Add(time.Duration(rng.ExpFloat64() * float64(80*time.Millisecond)))
		k := 0
		if i > 0 && rng.IntN(3) > 0 {
			k = 1 + rng.IntN(3)
		}
		fmt.Fprintf(&log, "10.0.0.%d - - %d %d \"GET /p%d HTTP/1.1\" 200 %d\n", rng.IntN(5), at.UnixMilli(), k, rng.IntN(4), 1000+rng.IntN(9000))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "access.log"), []byte(log.String()), 0o644))
	file := filepath.Join(dir, "w.toml")
	require.NoError(t, os.WriteFile(file, []byte(`
duration = "40s"
[apache]
mpm = "event"
[app]
import_cpu = "const(10ms)"
request_cpu = "const(1ms)"
request_wait = "const(1ms)"
[workload]
requests_per_connection = "uniform(1, 4)"
think_time = "exp(100ms)"
[workload.population.browsers]
[[workload.population.browsers.phase]]
duration = "20s"
shape = "ramp"
rate = 5
to = 25
[[workload.population.browsers.phase]]
duration = "20s"
rate = 8
[workload.population.crawler]
arrivals = "constant"
start = "7s"
stop = "31s"
[[workload.population.crawler.phase]]
duration = "40s"
rate = 3
[workload.population.log]
kind = "replay"
log = "access.log"
log_format = "%h %l %u %{msec}t %k \"%r\" %>s %b"
start = "2s"
multiply = 1.5
speed = 1.25
window_start = "3s"
[workload.population.wrk]
kind = "closed"
users = 3
`), 0o644))
	sc, err := scenarios.Load(file, "")
	require.NoError(t, err)
	// The closed users' arrivals depend on the server: compare without them.
	delete(sc.Workload.Populations, "wrk")
	planned, err := rt.Arrivals(sc)
	require.NoError(t, err)
	run, err := models.Simulate(sc)
	require.NoError(t, err)
	perSecond := make([]float64, len(run.Rows))
	for _, at := range planned {
		perSecond[int(at/time.Second)]++
	}
	arrivals, err := results.Column(run.Rows, "arrivals")
	require.NoError(t, err)
	assert.Equal(t, perSecond, arrivals, "connections per second")
	assert.Greater(t, len(planned), 500, "all three populations arrived")
}
