package models

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/sim"
)

// daemonRestart is event in front of a 2 × 10 daemon group, light load, and
// one event at 10 s.
func daemonRestart(app, event string) string {
	return `
duration = "20s"
seed = 1
[apache]
mpm = "event"
keep_alive = false
[wsgi]
process_group = "app"
restrict_embedded = true
` + app + `
[wsgi.daemon_process.app]
processes = 2
threads = 10
[app]
import_cpu = "const(200ms)"
request_cpu = "const(5ms)"
[[workload.phase]]
duration = "20s"
rate = 2
` + event
}

func event(at, action string) string {
	return "[[event]]\nat = \"" + at + "\"\naction = \"" + action + "\"\n"
}

func onlyRestart(t *testing.T, run results.Run) results.Restart {
	t.Helper()
	require.Len(t, run.Summary.Restarts, 1)
	return run.Summary.Restarts[0]
}

// After apachectl graceful or restart, the new daemons start once APR's
// free_proc_chain has seen the old ones go: at its first check, 46.875 ms
// after SIGTERM, or the next (93.75 ms) when they take longer, with the app
// in %{GLOBAL}; with it in a sub-interpreter they hang in Python's teardown
// and the parent waits the whole 3 s, then SIGKILLs them (measured: new
// daemons 0.11–0.25 s after the command with a preloaded app, ~3.05 s with
// %{RESOURCE}; docs/model.md §6.7).
func TestNewDaemonsComeAfterAPRsWait(t *testing.T) {
	for _, c := range []struct {
		name, app, action string
		lo, hi            float64
	}{
		{"graceful, preloaded (%{GLOBAL})", "preload = true", "graceful_restart", 0.04, 0.2},
		{"restart, preloaded (%{GLOBAL})", "preload = true", "restart", 0.04, 0.25},
		{"graceful, lazy (%{RESOURCE})", "", "graceful_restart", 3.0, 3.1},
		{"restart, lazy (%{RESOURCE})", "", "restart", 3.0, 3.15},
	} {
		t.Run(c.name, func(t *testing.T) {
			run, _, _ := simulateTraced(t, parse(t, daemonRestart(c.app, event("10s", c.action)), ""))
			r := onlyRestart(t, run)
			require.NotNil(t, r.FirstDaemonS)
			assert.GreaterOrEqual(t, *r.FirstDaemonS, c.lo)
			assert.LessOrEqual(t, *r.FirstDaemonS, c.hi)
			require.NotNil(t, r.FirstChildS)
			assert.GreaterOrEqual(t, *r.FirstChildS, *r.FirstDaemonS, "post_config forks the daemons before the MPM its children")
			assert.Zero(t, r.Failed)
			assert.Equal(t, int64(4), run.Summary.DaemonStarts)
		})
	}
}

// A prefork child that gets SIGHUP while running Python in a sub-interpreter
// never gets through the teardown just_die starts; ap_reclaim_child_processes
// sends SIGTERM at 3, 5 and 7 s (ignored), SIGKILL at 9 s, sees it gone a
// second later, and only then does the new generation start (measured:
// AH00045 at 3.36, 5.37, 7.37 s, AH00046 at 9.38 s, new children at 10.4 s).
// With the app in %{GLOBAL} the children exit at once.
func TestHardRestartWaitsForAChildStuckInTeardown(t *testing.T) {
	// A 3 s request every 2 s: at 10 s the one sent at 8 s is running.
	sc := func(app string) string {
		return `
duration = "40s"
seed = 1
[apache]
mpm = "prefork"
keep_alive = false
[wsgi]
process_group = ""
` + app + `
[app]
import_cpu = "const(10ms)"
request_cpu = "const(3s)"
[workload]
arrivals = "constant"
[[workload.phase]]
duration = "40s"
rate = 0.5
` + event("10s", "restart")
	}
	run, _, _ := simulateTraced(t, parse(t, sc(""), ""))
	r := onlyRestart(t, run)
	require.NotNil(t, r.FirstChildS)
	assert.InDelta(t, 10.35, *r.FirstChildS, 0.1, "SIGKILL at 9.34 s, seen gone at 10.34 s, the configuration read again")
	assert.Equal(t, int64(3), run.Summary.LogCounts["AH00045"], "SIGTERM at 3, 5 and 7 s to the one stuck child")
	assert.Equal(t, int64(1), run.Summary.LogCounts["AH00046"])
	assert.Greater(t, r.WindowS, 10.35, "the requests sent meanwhile wait for the new children")
	assert.Positive(t, r.Failed, "the request it was serving is reset")

	run, _, _ = simulateTraced(t, parse(t, sc("preload = true"), ""))
	r = onlyRestart(t, run)
	require.NotNil(t, r.FirstChildS)
	assert.Less(t, *r.FirstChildS, 0.2)
	assert.Zero(t, run.Summary.LogCounts["AH00045"])
	assert.Positive(t, r.Failed, "the request in flight is reset")
}

// prefork blocks every signal while a child runs child_init, so a child
// still preloading the app when SIGHUP comes — here the one the pass the
// signal interrupts forks, one of five children being busy — exits only
// once its import is done, and ap_reclaim_child_processes, which looked at
// 16, 82 and 344 ms, sees it gone at 1.34 s: only then does the new
// generation start. Measured (an app preloaded in 0.3 s of CPU, 5
// children, one busy): that child exited 0.41 s after the SIGHUP, AH00173
// at 1.37 s. With a sixth child forked earlier (a tick that saw the busy
// one) nothing is forked at the signal and every child goes at once.
func TestHardRestartWaitsForAChildStillPreloading(t *testing.T) {
	sc := func(startServers, importCPU, tickPhase string) string {
		return `
duration = "14s"
seed = 1
tick_phase = "` + tickPhase + `"
[apache]
mpm = "prefork"
keep_alive = false
start_servers = ` + startServers + `
[wsgi]
process_group = ""
preload = true
[app]
import_cpu = "const(` + importCPU + `)"
request_cpu = "const(300ms)"
request_wait = "const(20ms)"
[workload]
arrivals = "constant"
[[workload.phase]]
duration = "14s"
rate = 1
` + event("10.1s", "restart")
	}
	for _, c := range []struct {
		name                               string
		startServers, importCPU, tickPhase string
		lo, hi                             float64 // AH00173, seconds after the command
	}{
		{"five children, the ticks between requests: the signal's pass forks a sixth", "5", "500ms", "0.5s", 1.34, 1.4},
		{"the same with an import shorter than the reclaim's first polls", "5", "10ms", "0.5s", 0, 0.1},
		{"six children from the start", "6", "500ms", "0.5s", 0, 0.1},
		{"a tick that saw a busy child forked the sixth", "5", "500ms", "0.1s", 0, 0.1},
	} {
		t.Run(c.name, func(t *testing.T) {
			run, _, _ := simulateTraced(t, parse(t, sc(c.startServers, c.importCPU, c.tickPhase), ""))
			var at []float64
			for _, l := range run.Log {
				if strings.HasPrefix(l.Msg, "AH00173") {
					at = append(at, l.At.Seconds()-10.1)
				}
			}
			require.Len(t, at, 1)
			assert.GreaterOrEqual(t, at[0], c.lo)
			assert.LessOrEqual(t, at[0], c.hi)
			r := onlyRestart(t, run)
			assert.Equal(t, int64(1), r.Failed, "the request in flight is reset")
		})
	}
}

// A graceful restart of an idle prefork server replaces every child one for
// one as soon as the parent's main loop runs again, without waiting for a
// tick (measured: new children 50 ms after the command).
func TestGracefulRestartReplacesIdleChildrenAtOnce(t *testing.T) {
	run, _, _ := simulateTraced(t, parse(t, `
duration = "15s"
seed = 1
[apache]
mpm = "prefork"
[wsgi]
process_group = ""
[[workload.phase]]
duration = "15s"
rate = 0.2
`+event("10s", "graceful_restart"), ""))
	r := onlyRestart(t, run)
	require.NotNil(t, r.FirstChildS)
	assert.Less(t, *r.FirstChildS, 0.1)
	assert.Zero(t, r.ExtraForks)
	var lines []string
	for _, l := range run.Log {
		if l.At >= 10*time.Second {
			lines = append(lines, l.Msg[:7])
		}
	}
	assert.Equal(t, []string{"AH00171", "AH00163"}, lines)
}

// A graceful restart wakes the idle children, which tear Python down on
// their way out and, freshly woken, run before the parent that woke them:
// the parent signals the next child once the last has torn down, and
// reloads after the fifth. Five idle children each tearing down for c of
// CPU, one after the other, then the parent's 30 ms: the new generation
// comes at 5c + 30 ms. c is python_fini_cpu (10 ms) + exit_free_cpu
// (250 µs) per MiB of a child's private memory (~4.7 MiB beyond the app's
// import_memory): ~87 ms with 1 MiB of app, ~0.16 s with 60 MiB, ~0.34 s
// with 200 MiB. Measured (mod_wsgi 4.9.4, prefork, graceful): every
// child's "Python has shutdown" before the parent's AH00163, 6–11 ms
// apart; teardowns of 7, 15 and 27 ms per child preloading 0, 20 and 80
// MiB of ballast; with one core busy, the new generation 97 ms after the
// signal, 20 ms after the last of five teardowns of ~15 ms.
func TestGracefulRestartReloadsAfterTheChildrensTeardowns(t *testing.T) {
	birth := func(memory string) float64 {
		return idleGracefulBirth(t, 1, `restart_cpu = "30ms"
python_fini_cpu = "10ms"
exit_free_cpu = "250us"`, `import_memory = "`+memory+`"`)
	}
	assert.InDelta(t, 0.087, birth("1MiB"), 0.005)
	assert.InDelta(t, 0.16, birth("60MiB"), 0.005)
	assert.InDelta(t, 0.34, birth("200MiB"), 0.01)
}

// idleGracefulBirth is the first new child's birth after a graceful
// restart at 10 s of an idle prefork server of five children preloading
// the app, on 2 cores, with the [host] and [app] keys given.
func idleGracefulBirth(t *testing.T, seed int, host, app string) float64 {
	t.Helper()
	run, _ := idleGracefulRestart(t, seed, host, app)
	r := onlyRestart(t, run)
	require.NotNil(t, r.FirstChildS)
	return *r.FirstChildS
}

// idleGracefulReplaced is how many of the five children idleGracefulBirth's
// server has at the end were ready within 0.5 s of its restart: those
// replaced at once.
func idleGracefulReplaced(t *testing.T, seed int, host, app string) int {
	t.Helper()
	_, s := idleGracefulRestart(t, seed, host, app)
	n := 0
	for _, c := range s.slots {
		if c != nil && c.gen == s.parent.gen && c.readyAt-s.loadStart < 10*sim.Second+500*sim.Millisecond {
			n++
		}
	}
	return n
}

// idleGracefulRestart runs idleGracefulBirth's server: its results and the
// simulated server at the end.
func idleGracefulRestart(t *testing.T, seed int, host, app string) (results.Run, *server) {
	t.Helper()
	run, _, s := simulateTraced(t, parse(t, `
duration = "15s"
seed = `+fmt.Sprint(seed)+`
[host]
cpus = 2
ram = "8GiB"
graceful_child_cpu = "0s"
`+host+`
[apache]
mpm = "prefork"
start_servers = 5
[wsgi]
process_group = ""
preload = true
[app]
`+app+`
[[workload.phase]]
duration = "15s"
rate = 0.01
`+event("10s", "graceful_restart"), ""))
	onlyRestart(t, run)
	return run, s
}

// Where the children a graceful restart wakes do not take the parent's
// core (host.sched_wake_preempt 0), the parent reloads on its core while
// they tear down on the other, finds none exited at its first reap and
// sleeps: the new generation comes a tick later (measured on a 2-core VM:
// AH00163 6 ms after AH00171, the five teardowns done 37–46 ms after it,
// the first new child at 1.01 s). Where they do (1), they are replaced at
// once; in between, replications see both, as often as the share says.
func TestGracefulRestartWhereTheWokenChildrenWaitForACore(t *testing.T) {
	birth := func(share string, seed int) float64 {
		return idleGracefulBirth(t, seed, `restart_cpu = "12ms"
python_fini_cpu = "7ms"
sched_wake_preempt = `+share, "")
	}
	assert.Less(t, birth("1", 1), 0.1, "each child tears down before the parent reloads")
	assert.InDelta(t, 1.01, birth("0", 1), 0.02, "reloaded in 12 ms, before any of five 7 ms teardowns on one core")
	late := 0
	for seed := 1; seed <= 20; seed++ {
		if birth("0.5", seed) > 0.5 {
			late++
		}
	}
	assert.True(t, late > 4 && late < 16, "half of the restarts' children take the core (%d of 20 late)", late)
}

// How many of a restart's woken children take the parent's core, and so
// are replaced at once, follows host.sched_wake_together: with 1 all of
// them or none, one draw per restart (the first two VMs' five children);
// with 0 each on its own, so restarts mostly replace some at once and the
// rest a tick later (two of four on the third VM, every time).
func TestGracefulRestartWokenChildrenTogetherOrEachOnItsOwn(t *testing.T) {
	atOnce := func(together string, seed int) int {
		return idleGracefulReplaced(t, seed, `restart_cpu = "12ms"
python_fini_cpu = "7ms"
sched_wake_preempt = 0.5
sched_wake_together = `+together, `import_cpu = "const(10ms)"`)
	}
	partial, sum := 0, 0
	for seed := 1; seed <= 40; seed++ {
		n := atOnce("1", seed)
		assert.True(t, n == 0 || n == 5, "all or none: %d of 5 replaced at once (seed %d)", n, seed)
		n = atOnce("0", seed)
		sum += n
		if n > 0 && n < 5 {
			partial++
		}
	}
	// Each child alone with odds 1/2: all or none in 2 of 32 restarts, and
	// those left behind wait for the parent's core until after its first
	// reap, so 2.5 of the five are replaced at once on average.
	assert.GreaterOrEqual(t, partial, 30, "of 40 restarts, %d replaced some of the five at once", partial)
	assert.InDelta(t, 2.5, float64(sum)/40, 0.5, "children replaced at once, mean of 40 restarts")
}

// wakeOdds' draws make beta-binomial counts: of n woken processes, a mean
// of n·share take the core, with variance n·share·(1−share)·(1+(n−1)ρ).
func TestWakeOddsGiveTheBetaBinomialSpread(t *testing.T) {
	const n, restarts = 16, 20000
	for _, c := range []struct{ share, together float64 }{
		{0.3, 0}, {0.3, 0.25}, {0.3, 1}, {0.8, 0.5}, {0.05, 0.1},
	} {
		r := rand.New(rand.NewPCG(1, 2))
		var counts []float64
		for range restarts {
			q, k := wakeOdds(c.share, c.together, r), 0
			for range n {
				if q >= 1 || (q > 0 && r.Float64() < q) {
					k++
				}
			}
			counts = append(counts, float64(k))
		}
		mean, variance := stat.MeanVariance(counts, nil)
		want := n * c.share * (1 - c.share) * (1 + (n-1)*c.together)
		assert.InDelta(t, n*c.share, mean, 0.05, "%+v: mean", c)
		assert.InEpsilon(t, want, variance, 0.05, "%+v: variance", c)
	}
}

// event keeps the slot of a process that is shutting down gracefully; one
// with the app in a sub-interpreter never finishes (§4.8), so after a
// graceful restart with no spare ServerLimit the new generation finds no
// free slot: "scoreboard is full, not at MaxRequestWorkers".
func TestEventGracefulRestartCanFillTheScoreboard(t *testing.T) {
	sc := func(serverLimit, group string) string {
		return `
duration = "20s"
seed = 1
[apache]
mpm = "event"
keep_alive = false
start_servers = 2
max_request_workers = 50
server_limit = ` + serverLimit + `
[wsgi]
process_group = ""
application_group = "` + group + `"
[app]
import_cpu = "const(100ms)"
request_cpu = "const(5ms)"
[[workload.phase]]
duration = "20s"
rate = 5
` + event("10s", "graceful_restart")
	}
	run, _, _ := simulateTraced(t, parse(t, sc("2", "%{RESOURCE}"), ""))
	assert.Positive(t, run.Summary.LogCounts["AH03490"])
	assert.Positive(t, run.Summary.Requests.Unfinished+run.Summary.Requests.Failed, "nobody accepts any more")

	run, _, _ = simulateTraced(t, parse(t, sc("16", "%{RESOURCE}"), ""))
	assert.Zero(t, run.Summary.LogCounts["AH03490"], "room for the new generation beside the old")
	run, _, _ = simulateTraced(t, parse(t, sc("2", "%{GLOBAL}"), ""))
	assert.Zero(t, run.Summary.LogCounts["AH03490"], "the old children exit and free their slots")
	assert.Zero(t, run.Summary.Requests.Failed)
}

// apachectl graceful-stop: the listener closes, the requests in flight
// finish, later connections are refused, and the parent is gone.
func TestGracefulStop(t *testing.T) {
	run, _, s := simulateTraced(t, parse(t, `
duration = "12s"
seed = 1
[apache]
mpm = "event"
keep_alive = false
[wsgi]
process_group = "app"
restrict_embedded = true
preload = true
[wsgi.daemon_process.app]
processes = 1
threads = 10
[app]
import_cpu = "const(100ms)"
request_cpu = "const(5ms)"
request_wait = "const(1500ms)"
[workload]
arrivals = "constant"
[[workload.phase]]
duration = "12s"
rate = 2
`+event("5.1s", "graceful_stop"), ""))
	q := run.Summary.Requests
	assert.Equal(t, int64(10), q.Completed, "sent every 0.5 s from 0.5 s: the 7 done by 5.1 s, and the 3 in flight")
	assert.Equal(t, q.Offered-q.Completed, q.Failures.Refused)
	assert.Equal(t, int64(1), run.Summary.LogCounts["AH00492"])
	assert.Equal(t, exited, s.parent.state)
	pss := column(t, run, "pss_mb")
	assert.Zero(t, pss[len(pss)-1], "nothing left: no parent, no children, no daemons")
	assert.Equal(t, int64(1), run.Summary.DaemonRestarts, "the daemon stopped when the parent went")
	r := onlyRestart(t, run)
	assert.Equal(t, q.Failures.Refused, r.Failed)
}

// Touching one daemon group's script restarts only that group's processes,
// each on its next request; an untouched group keeps its processes.
func TestTouchScriptOfOneGroup(t *testing.T) {
	sc := func(group string) string {
		return `
duration = "20s"
seed = 1
[apache]
mpm = "event"
keep_alive = false
[wsgi]
process_group = "b"
restrict_embedded = true
[wsgi.routes]
"/a" = "a"
[wsgi.daemon_process.a]
processes = 2
threads = 5
[wsgi.daemon_process.b]
processes = 3
threads = 5
[app]
import_cpu = "const(100ms)"
request_cpu = "const(5ms)"
[workload]
urls = { "/a" = 0.5, "/" = 0.5 }
[[workload.phase]]
duration = "20s"
rate = 10
[[event]]
at = "10s"
action = "touch_script"
group = "` + group + `"
`
	}
	run, _, _ := simulateTraced(t, parse(t, sc("a"), ""))
	assert.Equal(t, int64(2), run.Summary.DaemonRestarts, "a's two processes, not b's three")
	r := onlyRestart(t, run)
	assert.Equal(t, "a", r.Group)
	require.NotNil(t, r.FirstDaemonS)
	run, _, _ = simulateTraced(t, parse(t, sc(""), ""))
	assert.Equal(t, int64(5), run.Summary.DaemonRestarts, "every script")
}

// Requests queued in a daemon socket when its generation ends wait until
// the last old daemon has gone, then read a truncated response: 500.
func TestRequestsLeftInTheOldSocketGet500(t *testing.T) {
	run, _, _ := simulateTraced(t, parse(t, `
duration = "20s"
seed = 1
[apache]
mpm = "event"
keep_alive = false
[wsgi]
process_group = "app"
restrict_embedded = true
preload = true
[wsgi.daemon_process.app]
processes = 1
threads = 1
[app]
import_cpu = "const(100ms)"
request_cpu = "const(5ms)"
request_wait = "const(500ms)"
[[workload.phase]]
duration = "20s"
rate = 4
`+event("10s", "graceful_restart"), ""))
	assert.Positive(t, run.Summary.Requests.Failures.S500)
	r := onlyRestart(t, run)
	assert.Equal(t, run.Summary.Requests.Failures.S500, r.Failed)
}

// A signal that arrives while the parent is restarting waits for the new
// generation's main loop, which then ends before its first pass.
func TestSignalDuringARestartWaits(t *testing.T) {
	run, _, _ := simulateTraced(t, parse(t, daemonRestart("", event("10s", "graceful_restart")+event("11s", "restart")), ""))
	var at []string
	for _, l := range run.Log {
		if l.At >= 10*time.Second && strings.HasPrefix(l.Msg, "AH") {
			at = append(at, l.Msg[:7]+"@"+l.At.Truncate(100*time.Millisecond).String())
		}
	}
	// SIGTERM to the hung daemons at 10 s, SIGKILL at 13 s, the
	// configuration read; the SIGHUP from 11 s is then acted on at once.
	assert.Equal(t, []string{"AH00493@10s", "AH00489@13s", "AH00494@13s", "AH00489@13s"}, at)
}

// The built-in deploy scenario's story (simulate compare deploy): in daemon
// mode a restart costs one import of the app, a few seconds; touching the
// script costs up to a tick more, since each replacement waits for the
// parent's next loop; touching one group at a time stalls only that
// group's half of the traffic; in embedded mode a graceful restart costs
// about as much, while a full restart, which does not hold off the spawn
// rate's doubling, sets off the lazy-import snowball again.
func TestDeployScenario(t *testing.T) {
	run := func(variant string) results.Run {
		r, _, _ := simulateTraced(t, builtin(t, "deploy", variant))
		return r
	}
	dg, dr, dt, roll := run("daemon-graceful"), run("daemon-restart"), run("daemon-touch"), run("daemon-rolling")
	eg, er := run("embedded-graceful"), run("embedded-restart")
	for _, r := range []results.Run{dg, dr, dt, roll, eg} {
		assert.Zero(t, r.Summary.Requests.Failed, r.Summary.Variant)
	}

	g := onlyRestart(t, dg)
	require.NotNil(t, g.FirstDaemonS)
	assert.Less(t, *g.FirstDaemonS, 0.2, "new daemons once APR has seen the old ones go")
	assert.InDelta(t, 2.5, g.WindowS, 1, "about one import of the app, with the load")
	assert.Less(t, onlyRestart(t, dr).ExtraForks, 3)

	touch := onlyRestart(t, dt)
	require.NotNil(t, touch.FirstDaemonS)
	assert.Greater(t, *touch.FirstDaemonS, 0.5, "replacements wait for the parent's next tick")
	assert.Greater(t, touch.WindowS, g.WindowS)

	require.Len(t, roll.Summary.Restarts, 2)
	for _, r := range roll.Summary.Restarts {
		assert.Less(t, float64(r.Delayed), 0.6*float64(touch.Delayed), "%s: only its group's half of the traffic", r.Group)
	}

	e := onlyRestart(t, eg)
	assert.Less(t, e.ExtraForks, 3, "the hold-off keeps the spawn rate at 1")
	hard := onlyRestart(t, er)
	assert.Greater(t, hard.ExtraForks, 20, "no hold-off after a full restart: the snowball")
	assert.Greater(t, hard.WindowS, 3*e.WindowS)
}

// free_proc_chain's SIGTERM wakes each daemon, which preempts the parent
// until its teardown is done: the 46.875 ms wait before the parent checks
// on them starts after those teardowns, so the new daemons come later the
// more the old ones had to free.
func TestRestartWaitsForTheDaemonsAfterTheirTeardowns(t *testing.T) {
	birth := func(memory string) float64 {
		run, _, _ := simulateTraced(t, parse(t, `
duration = "15s"
seed = 1
[host]
cpus = 2
ram = "8GiB"
restart_cpu = "10ms"
graceful_child_cpu = "0s"
python_fini_cpu = "10ms"
exit_free_cpu = "250us"
[apache]
mpm = "event"
keep_alive = false
[wsgi]
process_group = "app"
restrict_embedded = true
preload = true
[wsgi.daemon_process.app]
processes = 2
threads = 5
[app]
import_memory = "`+memory+`"
[[workload.phase]]
duration = "15s"
rate = 0.01
`+event("10s", "graceful_restart"), ""))
		r := onlyRestart(t, run)
		require.NotNil(t, r.FirstDaemonS)
		return *r.FirstDaemonS
	}
	small, large := birth("1MiB"), birth("80MiB")
	// 5 ms of the restart before the wait, 46.875 ms of wait, 5 ms after:
	// ~57 ms, plus the teardowns (10 ms + 250 µs per MiB, two daemons on
	// two cores).
	assert.InDelta(t, 0.057+0.011, small, 0.004)
	assert.InDelta(t, small+0.079*0.250, large, 0.004, "80 MiB more each: 20 ms more of teardown")
}
