package models

import (
	"testing"

	"github.com/forkcast/forkcast/scenarios"

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

// mod_wsgi 6.0 changed request-timeout: each thread on its own, once its
// request has run longer than request-timeout × (1 + ln(threads)), and with
// interrupt-timeout it first injects RequestTimeout into that thread, which
// answers 504 and keeps the process (wsgi_daemon.c wsgi_monitor_thread,
// 6.0.5). With ten threads and request-timeout 2 s the threshold is
// 2 × (1 + ln 10) ≈ 6.6 s, while 4.9's average rule needs 10 × 2 s of a
// single request's time.
func TestDaemonRequestTimeoutByVersion(t *testing.T) {
	scenario := func(version, wait, cpu, extra string) string {
		return `
[[workload.phase]]
duration = "1s"
rate = 1.5
[[workload.phase]]
duration = "60s"
rate = 0
[wsgi.daemon_process.app]
processes = 1
threads = 10
request_timeout = "2s"
` + extra
	}
	for _, tc := range []struct {
		name, version, wait, cpu, interrupt string
		completed, s504, s500, restarts     int64
	}{
		{"4.9: the average over ten threads stays under 2 s", "4.9", "const(9s)", "const(0s)", "", 1, 0, 0, 0},
		{"5.0: the same rule as 4.9", "5.0", "const(9s)", "const(0s)", "", 1, 0, 0, 0},
		// 6.0 without interrupt-timeout: at the first check past 6.6 s the
		// process stops; the request is older than request-timeout (stale)
		// so the stop does not wait for it, but it finishes at 9 s within
		// shutdown-timeout (5 s).
		{"6.0: the thread's own time passes 6.6 s", "6.0", "const(9s)", "const(0s)", "", 1, 0, 0, 1},
		// With interrupt-timeout the request waiting on I/O unwinds when its
		// wait returns, at 9 s: 504, and the process lives on.
		{"6.0 interrupts a request waiting on I/O when the wait returns", "6.0", "const(9s)", "const(0s)", "5s", 0, 1, 0, 0},
		// Running Python, it unwinds at once.
		{"6.0 interrupts a request running Python at once", "6.0", "const(0s)", "const(9s)", "5s", 0, 1, 0, 0},
		// Still running interrupt-timeout after the injection (a wait of
		// 20 s): the process stops, and the reaper cuts the request (500).
		{"6.0 escalates when the interrupt does not land in time", "6.0", "const(20s)", "const(0s)", "2s", 0, 0, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The version goes in with the rest, as interrupt_timeout needs
			// 6.0 to load at all.
			text, err := scenarios.Format(daemonScenario(t, tc.wait, scenario(tc.version, tc.wait, tc.cpu, "")))
			require.NoError(t, err)
			sets := []scenarios.Override{{Key: "wsgi.version", Value: `"` + tc.version + `"`}, {Key: "app.request_cpu", Value: `"` + tc.cpu + `"`}}
			if tc.interrupt != "" {
				sets = append(sets, scenarios.Override{Key: "wsgi.daemon_process.app.interrupt_timeout", Value: `"` + tc.interrupt + `"`})
			}
			sc, err := scenarios.Parse("v.toml", text, "", sets...)
			require.NoError(t, err)
			run, _, _ := simulateTraced(t, sc)
			f := run.Summary.Requests.Failures
			assert.Equal(t, tc.completed, run.Summary.Requests.Completed, "completed")
			assert.Equal(t, tc.s504, f.S504, "504")
			assert.Equal(t, tc.s500, f.S500, "500")
			assert.Equal(t, tc.restarts, run.Summary.DaemonRestarts, "restarts")
		})
	}
}
