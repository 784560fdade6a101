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

// A client on the host receives each response host.response_delay after
// the server wrote it, by how long the load generator had been quiet: for
// a lone request, since it was sent (docs/model.md §9.9).
func TestResponseDelayGrowsWithTheQuiet(t *testing.T) {
	lone := func(cpu, delay string) results.Latency {
		sc := parse(t, `
duration = "20s"
[host]
request_cpu = "0s"
response_delay = [`+delay+`]
[apache]
mpm = "prefork"
start_servers = 4
min_spare_servers = 4
max_spare_servers = 5
max_request_workers = 4
keep_alive = false
[wsgi]
preload = true
[app]
import_cpu = "const(0s)"
request_cpu = "const(`+cpu+`)"
request_wait = "const(0s)"
[workload]
arrivals = "constant"
[[workload.phase]]
duration = "20s"
rate = 2
`, "")
		run, err := Simulate(sc)
		require.NoError(t, err)
		require.Greater(t, run.Summary.Requests.Completed, int64(35))
		return run.Summary.Latency
	}
	const levels = `"0s: 1ms 1ms", "100ms: 5ms 5ms"`
	for _, cpu := range []string{"20ms", "50ms", "200ms"} {
		base := lone(cpu, "")
		got := lone(cpu, levels)
		// The quiet is the request's time at the server, base; the delay
		// 1 ms after no quiet, 5 ms after 100 ms and more, linear between.
		want := 1 + 4*min(base.P50, 100)/100
		// The histogram keeps 3 significant digits.
		tol := 0.002 * got.P50
		assert.InDelta(t, base.P50+want, got.P50, tol, "%s of CPU: %.3f ms at the server", cpu, base.P50)
		assert.InDelta(t, base.Max+want, got.Max, tol)
	}
	// A level's quantiles are the delay's distribution: uniform from 0 to
	// 2 ms here, so the median is 1 ms later and the spread 2 ms.
	base := lone("200ms", "")
	got := lone("200ms", `"0s: 0s 2ms"`)
	assert.InDelta(t, base.P50+1, got.P50, 0.3)
	assert.InDelta(t, base.Mean+1, got.Mean, 0.3)
	assert.Greater(t, got.Max-got.P50, 0.5, "the delays vary")
	assert.Less(t, got.Max-base.Max, 2.0+0.002*got.Max)
}

// A daemon process's answer takes response_delay_daemon, when it is set.
func TestResponseDelayOfADaemonProcess(t *testing.T) {
	p50 := func(delays string) float64 {
		sc := parse(t, `
duration = "10s"
[host]
request_cpu = "0s"
`+delays+`
[apache]
mpm = "event"
keep_alive = false
[wsgi]
process_group = "app"
preload = true
[wsgi.daemon_process.app]
processes = 1
threads = 4
[app]
import_cpu = "const(0s)"
request_cpu = "const(20ms)"
request_wait = "const(0s)"
[workload]
arrivals = "constant"
[[workload.phase]]
duration = "10s"
rate = 2
`, "")
		run, err := Simulate(sc)
		require.NoError(t, err)
		return run.Summary.Latency.P50
	}
	base := p50("")
	assert.InDelta(t, base+1, p50(`response_delay = ["0s: 1ms 1ms"]`), 0.05, "without daemon levels, response_delay's")
	assert.InDelta(t, base+7, p50(`response_delay = ["0s: 1ms 1ms"]
response_delay_daemon = ["0s: 7ms 7ms"]`), 0.05, "the daemon levels")
}

// A request a daemon process serves costs request_cpu_daemon instead of
// request_cpu (the child's proxying and the daemon's side); an embedded
// one keeps request_cpu.
func TestRequestCPUDaemon(t *testing.T) {
	p50 := func(wsgi, host string) float64 {
		sc := parse(t, `
duration = "10s"
[host]
request_cpu = "1ms"
`+host+`
[apache]
mpm = "event"
keep_alive = false
[wsgi]
`+wsgi+`
[app]
import_cpu = "const(0s)"
request_cpu = "const(20ms)"
request_wait = "const(0s)"
[workload]
arrivals = "constant"
[[workload.phase]]
duration = "10s"
rate = 2
`, "")
		run, err := Simulate(sc)
		require.NoError(t, err)
		return run.Summary.Latency.P50
	}
	const daemon = "process_group = \"app\"\npreload = true\n[wsgi.daemon_process.app]\nprocesses = 1\nthreads = 4"
	const embedded = "process_group = \"\"\npreload = true"
	assert.InDelta(t, p50(daemon, "")+2, p50(daemon, `request_cpu_daemon = "3ms"`), 0.05, "3 ms instead of 1 ms")
	assert.InDelta(t, p50(embedded, ""), p50(embedded, `request_cpu_daemon = "3ms"`), 1e-9, "an embedded request keeps request_cpu")
}
