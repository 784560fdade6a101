package models

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// One request to a one-thread daemon, arriving at 0.67 s.
func oneRequest(wait, group string) string {
	return `
[[workload.phase]]
duration = "1s"
rate = 1.5
[[workload.phase]]
duration = "60s"
rate = 0
[wsgi.daemon_process.app]
processes = 1
threads = 1
` + group
}

// request-timeout (mod_wsgi 5.x): the monitor restarts the process when the
// average busy time passes the limit; the request in flight still has
// shutdown-timeout to finish (measured with mod_wsgi 4.9.4: fired at ≈2.4 s,
// the request completed with 200 at 6 s, then the process restarted;
// docs/model.md §6.4).
func TestDaemonRequestTimeout(t *testing.T) {
	t.Run("finishes within shutdown-timeout", func(t *testing.T) {
		run, _, _ := simulateTraced(t, daemonScenario(t, "const(5.6s)", oneRequest("", "request_timeout = \"2s\"\n")))
		assert.Equal(t, int64(1), run.Summary.Requests.Completed)
		assert.Equal(t, int64(1), run.Summary.DaemonRestarts)
		assert.Equal(t, int64(2), run.Summary.DaemonStarts, "restarted once")
	})
	t.Run("killed by the reaper after shutdown-timeout", func(t *testing.T) {
		run, _, _ := simulateTraced(t, daemonScenario(t, "const(20s)", oneRequest("", "request_timeout = \"2s\"\n")))
		assert.Equal(t, int64(1), run.Summary.Requests.Failures.S500, "truncated headers")
		failures := column(t, run, "failures")
		// The monitor checks each second of the process's life: at ~3 s the
		// request has run ~2.3 s > 2 s; the reaper fires 5 s later, ~8 s.
		assert.Equal(t, 1.0, failures[7]+failures[8])
	})
	t.Run("no monitor thread without deadlock- or inactivity-timeout", func(t *testing.T) {
		run, _, _ := simulateTraced(t, daemonScenario(t, "const(6s)", oneRequest("", "request_timeout = \"2s\"\ndeadlock_timeout = \"0s\"\n")))
		assert.Equal(t, int64(1), run.Summary.Requests.Completed)
		assert.Zero(t, run.Summary.DaemonRestarts, "the quirk: request-timeout never fires")
	})
}

// inactivity-timeout is armed by the first request and fires when no
// request is active; restart-interval fires on its own clock.
func TestDaemonInactivityAndRestartInterval(t *testing.T) {
	run, _, _ := simulateTraced(t, daemonScenario(t, "const(100ms)", oneRequest("", "inactivity_timeout = \"5s\"\n")))
	assert.Equal(t, int64(1), run.Summary.DaemonRestarts, "once, 5 s after the only request; not again until a request")
	run, _, _ = simulateTraced(t, daemonScenario(t, "const(100ms)", oneRequest("", "restart_interval = \"10s\"\n")))
	// At ~10 s, then 10 s after the replacement started, which waits for the
	// parent's next loop (≤ 1 s): ~21 s. The next would be after 30 s.
	assert.Equal(t, int64(2), run.Summary.DaemonRestarts)
}

// Touching the WSGI script restarts daemon processes as each next serves a
// request ("200 Rejected", then SIGINT), a cascade over the group; nothing
// fails, requests wait for the replacements.
func TestTouchScriptRestartsDaemonsOnTheirNextRequest(t *testing.T) {
	sc := daemonScenario(t, "const(50ms)", `
[[workload.phase]]
duration = "30s"
rate = 4
[wsgi.daemon_process.app]
processes = 2
threads = 2
[[event]]
at = "10s"
action = "touch_script"
`)
	run, _, _ := simulateTraced(t, sc)
	assert.Equal(t, int64(2), run.Summary.DaemonRestarts, "both processes, once each")
	assert.Equal(t, int64(4), run.Summary.Imports, "each replacement imports the new script")
	assert.Zero(t, run.Summary.Requests.Failed)
}

// WSGIRestrictEmbedded On answers requests routed to embedded mode with 500;
// routes send each URL prefix to its own process group.
func TestRoutingAndRestrictEmbedded(t *testing.T) {
	sc := parse(t, `
duration = "60s"
[apache]
mpm = "event"
[wsgi]
process_group = "app"
restrict_embedded = true
[wsgi.routes]
"/admin" = "admin"
"/legacy" = ""
[wsgi.daemon_process.app]
processes = 2
threads = 5
[wsgi.daemon_process.admin]
processes = 1
threads = 1
[app]
import_cpu = "const(100ms)"
[workload]
urls = { "/" = 8.0, "/admin/x" = 1.0, "/legacy/y" = 1.0 }
client_timeout = "0s"
[[workload.phase]]
duration = "60s"
rate = 10
`, "")
	run, _, s := simulateTraced(t, sc)
	f := run.Summary.Requests.Failures
	assert.InDelta(t, 0.1*float64(run.Summary.Requests.Offered), float64(f.S500), 0.05*float64(run.Summary.Requests.Offered),
		"a tenth of requests go to /legacy, which is embedded and restricted")
	assert.Equal(t, 3, run.Summary.Peak.DaemonProcesses, "two groups: 2 + 1 processes")
	assert.Equal(t, int64(3), run.Summary.Imports, "one import per daemon process, none in Apache children")
	require.Len(t, s.groups, 2)
	assert.Equal(t, "mixed", run.Summary.Mode)
}
