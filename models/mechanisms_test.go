package models

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
)

// Children still in child_init count as idle ("we started it at least a
// cycle ago... we're just going to swamp things worse by forking more"): a
// preloaded app imported during child_init must not make the parent fork,
// however long the import takes.
func TestStartingChildrenCountAsIdle(t *testing.T) {
	sc := parse(t, `
duration = "20s"
[apache]
mpm = "prefork"
[wsgi]
preload = true
application_group = "%{GLOBAL}"
[app]
import_cpu = "const(6s)"   # 5 children x 6 s on 2 CPUs: 15 s in child_init
[[workload.phase]]
duration = "60s"
rate = 0
`, "")
	run, ticks, _ := simulateTraced(t, sc)
	// The load (here none) starts once the preloads are done, as runtime
	// mode's warm-up waits for them: every tick before t=0 saw the five
	// children in child_init, counted them idle and forked nothing.
	before := 0
	for _, tk := range ticks {
		assert.Zero(t, tk.spawned, "tick at %v forked children", tk.at)
		if tk.at < 0 {
			before++
			assert.Equal(t, 5, tk.idle, "tick at %v", tk.at)
		}
	}
	assert.GreaterOrEqual(t, before, 12, "5 imports of 6 s on 2 CPUs take ~15 s")
	assert.Equal(t, 5, run.Summary.Peak.ApacheChildren)
}

// A fixed prefork pool (StartServers = MinSpare = MaxRequestWorkers = c, no
// keep-alive, no CPU, exponential request time) is an M/M/c queue in front
// of the accept queue: the whole path client → accept queue → child → response
// must reproduce Erlang C's mean response time.
func TestFixedPreforkPoolIsErlangC(t *testing.T) {
	const c, lambda, mu = 5, 4.0, 1.0 // rho 0.8
	var means []float64
	for seed := 1; seed <= 6; seed++ {
		sc := parse(t, fmt.Sprintf(`
duration = "6000s"
seed = %d
[host]
cpus = 64
request_cpu = "0s"
linger_time = "0s"
child_init_cpu = "0s"
python_init_cpu = "0s"
[apache]
mpm = "prefork"
start_servers = %d
min_spare_servers = %d
max_spare_servers = %d
max_request_workers = %d
keep_alive = false
[wsgi]
preload = true
application_group = "%%{GLOBAL}"
[app]
import_cpu = "const(0s)"
request_cpu = "const(0s)"
request_wait = "exp(%gs)"
[workload]
client_timeout = "0s"
[[workload.phase]]
duration = "6000s"
rate = %g
`, seed, c, c, c+1, c, 1/mu, lambda), "")
		run, _, _ := simulateTraced(t, sc)
		require.Zero(t, run.Summary.Spawns-c, "the pool stays at %d children", c)
		means = append(means, run.Summary.Latency.Mean/1000)
	}
	mean, sd := stat.MeanStdDev(means, nil)
	half := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(means) - 1)}.Quantile(0.995) * sd / math.Sqrt(float64(len(means)))
	// Erlang C: W = 1/mu + C(c, a)/(c mu - lambda).
	a := lambda / mu
	term, total := 1.0, 0.0
	for k := 0; k < c; k++ {
		total += term
		term *= a / float64(k+1)
	}
	top := term / (1 - a/c)
	want := 1/mu + top/(total+top)/(c*mu-lambda)
	assert.InDeltaf(t, want, mean, half+0.002*want, "mean response %.4f ± %.4f s, Erlang C %.4f s", mean, half, want)
}

// daemonScenario is an event MPM in front of daemon group "app", with an
// app whose requests only wait for wait.
func daemonScenario(t *testing.T, wait, rest string) *scenarios.Scenario {
	return parse(t, `
duration = "30s"
[apache]
mpm = "event"
[wsgi]
process_group = "app"
restrict_embedded = true
[app]
import_cpu = "const(0s)"
request_cpu = "const(0s)"
request_wait = "`+wait+`"
[workload]
arrivals = "constant"
client_timeout = "0s"
`+rest, "")
}

// queue-timeout is checked only when a daemon thread dequeues a request: a
// request queued behind a 5 s request gets its 504 at ~5 s, not at the 2 s
// queue-timeout (measured with mod_wsgi 4.9.4: 504 at 4.7 s; docs/model.md §6.3).
func TestDaemonQueueTimeoutFiresAtDequeue(t *testing.T) {
	sc := daemonScenario(t, "const(5s)", `
[[workload.phase]]
duration = "1s"
rate = 2.5        # two requests, at 0.4 s and 0.8 s
[[workload.phase]]
duration = "60s"
rate = 0
[wsgi.daemon_process.app]
processes = 1
threads = 1
queue_timeout = "2s"
`)
	run, _, s := simulateTraced(t, sc)
	assert.Equal(t, int64(1), run.Summary.Requests.Failures.S504)
	assert.Equal(t, int64(1), run.Summary.Requests.Completed)
	failures := column(t, run, "failures")
	assert.Equal(t, 1.0, failures[5], "the 504 comes when the first request ends, at 5.4 s")
	assert.Zero(t, sum(failures[:5]))
	assert.Equal(t, 1, run.Summary.Peak.DaemonQueue)
	assert.Equal(t, int64(1), s.stats.daemonStarts, "daemon processes are fixed")
}

// A full daemon socket backlog makes Apache retry connect() until
// connect-timeout, then answer 503; the backlog admits listen-backlog + 1.
func TestDaemonBacklogFullGives503AfterConnectTimeout(t *testing.T) {
	sc := daemonScenario(t, "const(20s)", `
[[workload.phase]]
duration = "1s"
rate = 6.5        # six requests in the first second
[[workload.phase]]
duration = "60s"
rate = 0
[wsgi.daemon_process.app]
processes = 1
threads = 1
listen_backlog = 1
connect_timeout = "3s"
`)
	run, _, _ := simulateTraced(t, sc)
	f := run.Summary.Requests.Failures
	assert.Equal(t, int64(3), f.S503, "1 served + 2 queued (backlog 1 admits 2); the other 3 time out connecting")
	failures := column(t, run, "failures")
	assert.Equal(t, 3.0, failures[3]+failures[4], "503 about 3 s after each request came in")
	assert.Equal(t, 2, run.Summary.Peak.DaemonQueue)
}

// maximum-requests recycles a daemon process after N requests; the parent
// forks a replacement at its next loop and queued requests wait, no errors.
// How long the old process takes to go depends on its interpreters, as
// measured with mod_wsgi 4.9.4 and Python 3.11: with the app in the main
// interpreter (%{GLOBAL}) it exits at once; with a sub-interpreter
// (%{RESOURCE}, the default) teardown hangs until the reaper, 5 s
// (shutdown-timeout) later, and meanwhile nothing serves the group.
func TestDaemonMaximumRequestsRecycles(t *testing.T) {
	scenario := func(group string) *scenarios.Scenario {
		sc := daemonScenario(t, "const(10ms)", `
[[workload.phase]]
duration = "30s"
rate = 5
[wsgi.daemon_process.app]
processes = 1
threads = 3
maximum_requests = 10
`)
		sc.WSGI.ApplicationGroup = group
		return sc
	}
	global, _, _ := simulateTraced(t, scenario("%{GLOBAL}"))
	assert.Zero(t, global.Summary.Requests.Failed)
	assert.InDelta(t, float64(global.Summary.Requests.Completed)/10, float64(global.Summary.DaemonRestarts), 2, "one restart per 10 requests")
	assert.Equal(t, 1, global.Summary.Peak.DaemonProcesses)
	assert.Greater(t, global.Summary.Latency.Max, 200.0, "requests after a restart wait for the replacement")
	assert.Less(t, global.Summary.Latency.Max, 1500.0, "but not long: the parent forks it within a second")

	sub, _, _ := simulateTraced(t, scenario("%{RESOURCE}"))
	assert.Zero(t, sub.Summary.Requests.Failed)
	assert.Greater(t, sub.Summary.Latency.Max, 5000.0, "a request waits out the 5 s teardown")
	// Each cycle over the 30 s run: the replacement drains the backlog and
	// shuts down again at once (~0.1 s), 5 s of teardown, ≤ 1 s to respawn.
	assert.InDelta(t, 30.0/6, float64(sub.Summary.DaemonRestarts), 1)
	assert.Less(t, sub.Summary.DaemonRestarts, global.Summary.DaemonRestarts)
}

// MaxConnectionsPerChild counts connections: a prefork child leaves after
// serving exactly N, and is not replaced one-for-one.
func TestMaxConnectionsPerChildRecycles(t *testing.T) {
	sc := parse(t, `
duration = "60s"
[apache]
mpm = "prefork"
max_connections_per_child = 20
[app]
import_cpu = "const(100ms)"
[workload]
requests_per_connection = "const(3)"
think_time = "const(0s)"
[[workload.phase]]
duration = "60s"
rate = 5
`, "")
	run, _, _ := simulateTraced(t, sc)
	arrivals := run.Summary.Requests.Offered / 3
	assert.InDelta(t, float64(arrivals)/20, float64(run.Summary.Recycled), 6, "one child per 20 connections, not per 20 requests")
	assert.Greater(t, run.Summary.Imports, run.Summary.Recycled, "every replacement imports the app again")
}

// After a spike the parent kills at most one idle child per tick. A
// killed child leaves after its teardown, which lasts as long as its
// memory takes to free, so two successive kills can take a few
// milliseconds more or less of an interval: the interval means drop by at
// most one child and a few hundredths.
func TestOneKillPerTick(t *testing.T) {
	sc := builtin(t, "embedded-vs-daemon", "embedded-prefork")
	run, ticks, _ := simulateTraced(t, sc)
	require.Greater(t, run.Summary.Kills, int64(0))
	children := column(t, run, "apache_children")
	for i := 1; i < len(children); i++ {
		assert.GreaterOrEqual(t, children[i], children[i-1]-1.05, "at %d s the pool shrank by more than one", i)
	}
	_ = ticks
}

// An event server stops a child only when none is still exiting
// (perform_idle_server_maintenance's do_kill), and a child stopped at a
// tick is reaped only after the next one (ap_wait_or_timeout): after a
// surge the pool shrinks by one child every two seconds, never at two
// ticks in a row — as the real one did in event-daemon-saturated.
func TestEventStopsAChildEveryOtherTick(t *testing.T) {
	sc := parse(t, `
duration = "40s"
[apache]
mpm = "event"
keep_alive = false
max_request_workers = 400
[wsgi]
process_group = "app"
restrict_embedded = true
[wsgi.daemon_process.app]
processes = 2
threads = 5
queue_timeout = "2s"
[app]
import_cpu = "const(100ms)"
request_cpu = "exp(10ms)"
request_wait = "const(200ms)"
[[workload.phase]]
duration = "15s"
rate = 70
[[workload.phase]]
duration = "25s"
rate = 5
`, "")
	run, _, _ := simulateTraced(t, sc)
	kills := column(t, run, "kills")
	n := 0
	for i, k := range kills {
		n += int(k)
		if i > 0 && k > 0 {
			assert.Zero(t, kills[i-1], "children stopped at %d s and at %d s", i-1, i)
		}
	}
	assert.GreaterOrEqual(t, n, 4, "the surge's children are stopped after it")
}

// With keep-alive on, browser-like clients that keep their connection open
// hold a prefork child each in BUSY_KEEPALIVE for KeepAliveTimeout: far more
// children for the same traffic than with keep-alive off.
func TestKeepAliveHoldsPreforkChildren(t *testing.T) {
	on, _, _ := simulateTraced(t, builtin(t, "keepalive-idle-browsers", "keepalive-on"))
	off, _, _ := simulateTraced(t, builtin(t, "keepalive-idle-browsers", "keepalive-off"))
	assert.Greater(t, on.Summary.Peak.ApacheChildren, 5*off.Summary.Peak.ApacheChildren)
	assert.Greater(t, on.Summary.Peak.PSSMB, 5*off.Summary.Peak.PSSMB)
	ka := column(t, on, "keepalive")
	assert.Greater(t, ka[100], 0.5*column(t, on, "apache_children")[100], "most children wait in keep-alive")
	assert.Zero(t, maxOf(column(t, off, "keepalive")))
	assert.Equal(t, column(t, on, "arrivals"), column(t, off, "arrivals"), "the same clients")
}

// The event MPM parks kept-alive connections in its listener: they hold no
// worker thread, so the same idle browsers need no extra processes.
func TestEventParksKeepAliveConnections(t *testing.T) {
	run, _, _ := simulateTraced(t, builtin(t, "keepalive-idle-browsers", "keepalive-on", "apache.mpm=event"))
	parked := column(t, run, "parked")
	assert.Greater(t, parked[100], 20.0, "many connections parked")
	assert.Less(t, maxOf(column(t, run, "keepalive")), 1.0, "no thread waits in keep-alive")
	assert.LessOrEqual(t, run.Summary.Peak.ApacheChildren, 3)
}

// MaxKeepAliveRequests N lets a connection carry N+1 requests: the (N+1)th
// response sees left == 0 and closes (ap_set_keepalive).
func TestMaxKeepAliveRequestsAllowsNPlusOne(t *testing.T) {
	sc := parse(t, `
duration = "10s"
[apache]
mpm = "prefork"
max_keep_alive_requests = 3
max_connections_per_child = 1
[app]
import_cpu = "const(0s)"
request_cpu = "const(1ms)"
request_wait = "const(0s)"
[workload]
arrivals = "constant"
requests_per_connection = "const(8)"
think_time = "const(10ms)"
[[workload.phase]]
duration = "1s"
rate = 1.5
[[workload.phase]]
duration = "60s"
rate = 0
`, "")
	run, _, _ := simulateTraced(t, sc)
	// One client, 8 requests: connections of 4 + 4 requests, each recycling
	// a child (MaxConnectionsPerChild 1 counts connections).
	assert.Equal(t, int64(8), run.Summary.Requests.Completed)
	assert.Equal(t, int64(2), run.Summary.Recycled)
}

// A graceful restart replaces every child one-for-one, and the new ones
// import the app again; with Lazy Off, each restart leaks memory in the parent
// that every child maps (the seed's cumulative leak); with Lazy On it does not.
func TestLazyInitializationOffLeaksAcrossRestarts(t *testing.T) {
	on, _, sOn := simulateTraced(t, builtin(t, "lazy-init-restarts", "lazy-on"))
	off, _, sOff := simulateTraced(t, builtin(t, "lazy-init-restarts", "lazy-off"))
	restarts := float64(len(builtin(t, "lazy-init-restarts", "lazy-off").Events))
	leak := float64(builtin(t, "lazy-init-restarts", "lazy-off").Host.PythonRestartLeak)
	parentRSS := func(s *server) float64 {
		var rss float64
		s.mem.measure(s.sim.Now(), func(p *process, r, _ float64) {
			if p.kind == kindParent {
				rss = r
			}
		})
		return rss
	}
	h := builtin(t, "lazy-init-restarts", "").Host
	assert.InDelta(t, restarts*leak, parentRSS(sOff)-parentRSS(sOn)-float64(h.PythonInterpreter+h.PythonSharedText), 1024,
		"the parent grows by the leak at every restart")
	assert.Equal(t, sOn.mem.parentLeak, 0.0)
	assert.Greater(t, on.Summary.Spawns, int64(5*5), "each restart forks a new set of children")
	// Before the first restart Lazy Off saves a little per child (pages still
	// shared copy-on-write); the docs call it "not significant".
	pssOn, pssOff := column(t, on, "children_pss_mb"), column(t, off, "children_pss_mb")
	assert.Less(t, pssOff[30], pssOn[30])
	assert.Greater(t, pssOff[30], 0.9*pssOn[30])
	assert.Equal(t, int64(5), on.Summary.LogCounts["AH00171"], "five graceful restarts logged")
}

// The same scenario and seed give the same results; another seed does not.
// Variants see the same arrivals (common random numbers).
func TestDeterministicAndCommonRandomNumbers(t *testing.T) {
	a, err := Simulate(builtin(t, "embedded-vs-daemon", "embedded-prefork"))
	require.NoError(t, err)
	b, err := Simulate(builtin(t, "embedded-vs-daemon", "embedded-prefork"))
	require.NoError(t, err)
	assert.Equal(t, a, b)
	c, err := Simulate(builtin(t, "embedded-vs-daemon", "embedded-prefork", "seed=2"))
	require.NoError(t, err)
	assert.NotEqual(t, a.Summary.Latency, c.Summary.Latency)
	d, err := Simulate(builtin(t, "embedded-vs-daemon", "daemon-event"))
	require.NoError(t, err)
	assert.Equal(t, column(t, a, "arrivals"), column(t, d, "arrivals"))
	assert.Equal(t, a.Summary.Requests.Offered, d.Summary.Requests.Offered)
	_ = sim.Second
}

// Daemon mode keeps a fixed number of processes whatever the load, and far
// less memory than embedded prefork under the same workload.
func TestEmbeddedVersusDaemon(t *testing.T) {
	emb, _, _ := simulateTraced(t, builtin(t, "embedded-vs-daemon", "embedded-prefork"))
	dae, _, _ := simulateTraced(t, builtin(t, "embedded-vs-daemon", "daemon-event"))
	procs := column(t, dae, "daemon_processes")
	for i, p := range procs[1:] {
		assert.InDelta(t, 2, p, 1e-9, "daemon processes at %d s", i+1)
	}
	assert.Equal(t, int64(2), dae.Summary.Imports, "each daemon imports once")
	assert.Greater(t, emb.Summary.Imports, int64(8))
	assert.Greater(t, emb.Summary.Peak.PSSMB, 3*dae.Summary.Peak.PSSMB)
	assert.Zero(t, dae.Summary.Requests.Failed)
}

// A leaking app (memory growth per request) on a small host: the OOM killer
// kills the largest process — usually the child that has served the most
// requests, busy or idle — even when another process's allocation crossed
// the limit; a request the victim was serving fails with a reset (never an
// answer from a dead process), and the parent replaces the child.
func TestOOMKillsTheGrowingProcess(t *testing.T) {
	sc := parse(t, `
duration = "60s"
[host]
ram = "128MiB"
swap = "0B"
[apache]
mpm = "prefork"
max_request_workers = 6
[app]
import_cpu = "const(50ms)"
import_memory = "8MiB"
request_cpu = "const(5ms)"
request_wait = "const(5ms)"
request_memory_growth = "1MiB"
[workload]
client_timeout = "0s"
[[workload.phase]]
duration = "60s"
rate = 10
`, "")
	run, _, _ := simulateTraced(t, sc)
	assert.Greater(t, run.Summary.OOMKills, int64(0))
	assert.LessOrEqual(t, run.Summary.Requests.Failures.Reset, run.Summary.OOMKills, "at most one request per killed child")
	assert.LessOrEqual(t, run.Summary.Peak.PSSMB, 128.0+0.01)
	assert.Greater(t, run.Summary.Spawns, int64(5), "killed children are replaced")
	assert.Equal(t, run.Summary.Requests.Offered, run.Summary.Requests.Completed+run.Summary.Requests.Failed+run.Summary.Requests.Unfinished)
}

// Idle prefork children take connections in turn: each connection goes to
// the child that has waited longest in accept() (docs/model.md §4.3; the
// real kernel's order, cmd/simulate: TestPreforkAcceptOrderIsTheKernelsFIFO),
// so 20 connections one at a time over 5 idle children give each 4. Were
// it the child that came back last, one would serve them all.
func TestPreforkChildrenTakeConnectionsInTurn(t *testing.T) {
	sc := parse(t, `
duration = "3s"
[apache]
mpm = "prefork"
keep_alive = false
start_servers = 5
min_spare_servers = 1
max_spare_servers = 10
[wsgi]
process_group = ""
preload = true
[app]
request_cpu = "const(1ms)"
request_wait = "const(0s)"
[workload]
arrivals = "constant"
[[workload.phase]]
duration = "2.01s"
rate = 10
[[workload.phase]]
duration = "990ms"
rate = 0
`, "")
	run, _, s := simulateTraced(t, sc)
	require.EqualValues(t, 20, run.Summary.Requests.Completed)
	var served []int
	for _, c := range s.slots {
		if c != nil {
			served = append(served, c.served)
		}
	}
	assert.Equal(t, []int{4, 4, 4, 4, 4}, served)
}

// An event child's threads take connections in turn, longest idle first,
// so requests one at a time reach every thread: each keeps what serving
// touched (apache_thread_served), once, and the one connection open at a
// time leaves one pool (connection_pool_memory) — calibrate's sequential
// requests, which these constants come from.
func TestEventThreadsKeepWhatServingTouched(t *testing.T) {
	const threads = 25
	for _, n := range []int{5, 40} {
		sc := parse(t, fmt.Sprintf(`
duration = "%ds"
[apache]
mpm = "event"
keep_alive = false
start_servers = 1
threads_per_child = %d
min_spare_threads = 1
max_spare_threads = 100
[wsgi]
process_group = "app"
restrict_embedded = true
[wsgi.daemon_process.app]
processes = 1
threads = 5
[app]
request_cpu = "const(1ms)"
request_wait = "const(10ms)"
[workload]
arrivals = "constant"
[[workload.phase]]
duration = "%ds"
rate = 0.25
`, 4*n+1, threads, 4*n), "")
		run, _, s := simulateTraced(t, sc)
		require.Equal(t, int64(n), run.Summary.Requests.Completed)
		child := onlyChild(t, s)
		h := sc.Host
		atRest := h.ApacheChildPrivate + h.ApacheListenerPrivate + threads*h.ApacheThreadPrivate
		want := float64(atRest+scenarios.Size(min(n, threads))*h.ApacheThreadServed) + s.pools.size(n)
		assert.InDelta(t, want, child.private, 1, "%d requests one at a time, all on one pool", n)
	}
}

// event's threads hand a connection's lingering close to the listener
// (event.c: process_lingering_close queues it in linger_q) and are free at
// once; worker's threads linger themselves, in CLOSING. With as many
// closed-loop users as threads, event accepts a user's next connection
// while its last one, and that one's pool, still lingers: the child holds
// two pools per user (measured: 10, 20 and 40 users with no think time
// through 40 threads grew 33–36 KiB per pool at two pools per user; the
// model held one per user when its threads lingered). worker's next
// connection waits for a thread when all are busy, so its pools stay one
// per user. (On event, 6 users: their 12 pools are fewer than the
// ThreadsPerChild × 3/4 the listener recycles, so all of them stay.)
func TestLingeringCloseHoldsAPoolAndOnlyWorkerHoldsAThread(t *testing.T) {
	const threads = 20
	for _, mpm := range []string{"event", "worker"} {
		users := map[string]int{"event": 6, "worker": threads}[mpm]
		sc := parse(t, fmt.Sprintf(`
duration = "10s"
[apache]
mpm = %q
keep_alive = false
start_servers = 1
server_limit = 1
threads_per_child = %d
max_request_workers = %d
min_spare_threads = 1
max_spare_threads = 100
[wsgi]
process_group = "app"
restrict_embedded = true
[wsgi.daemon_process.app]
processes = 1
threads = %d
[app]
request_cpu = "const(0s)"
request_wait = "const(200ms)"
[workload.population.users]
kind = "closed"
users = %d
requests_per_connection = "const(1)"
think_time = "const(0s)"
`, mpm, threads, threads, threads, users), "")
		run, _, s := simulateTraced(t, sc)
		require.Greater(t, run.Summary.Requests.Completed, int64(10*users))
		cp := onlyChild(t, s)
		h := sc.Host
		atRest := h.ApacheChildPrivate + h.ApacheListenerPrivate + threads*(h.ApacheThreadPrivate+h.ApacheThreadServed)
		for _, w := range cp.owner.(*child).workers { // requests in progress when the run ended
			if w.inProgress {
				atRest += h.RequestPoolMemory
			}
		}
		pools := (cp.private - float64(atRest)) / float64(h.ConnectionPoolMemory)
		want := map[string]float64{"event": 2 * float64(users), "worker": float64(users)}[mpm]
		assert.InDelta(t, want, pools, 1, "%s: pools per user", mpm)
		closing := 0.0
		for _, r := range run.Rows {
			closing += r.Closing
		}
		if mpm == "event" {
			assert.Zero(t, closing, "event: the listener lingers, no thread is in CLOSING")
		} else {
			assert.Positive(t, closing, "worker: the thread lingers, in CLOSING")
		}
	}
}

// A worker or event child's listener recycles a closed connection's
// transaction pool while fewer than ThreadsPerChild × 3/4 wait
// (max_recycled_pools, event.c and worker.c) and destroys the others with
// their allocators, whose memory goes back to the system: 45 keep-alive
// connections parked on a child of 25 threads hold 45 pools; once they
// have closed, 18 stay (measured on an event child of 25 threads: 45
// parked connections added 976 KiB over the 18 recycled pools, all of it
// returned when they closed; 15 parked added nothing).
func TestEventFreesConnectionPoolsBeyondTheRecycledOnes(t *testing.T) {
	const threads, conns = 25, 45
	run := func(duration string) (*process, *child, scenarios.Host) {
		sc := parse(t, fmt.Sprintf(`
duration = %q
[apache]
mpm = "event"
keep_alive = true
keep_alive_timeout = "10s"
start_servers = 1
server_limit = 1
threads_per_child = %d
max_request_workers = %d
min_spare_threads = 1
max_spare_threads = 100
[wsgi]
process_group = "app"
restrict_embedded = true
[wsgi.daemon_process.app]
processes = 1
threads = 5
[app]
request_cpu = "const(1ms)"
request_wait = "const(0s)"
[workload]
arrivals = "constant"
requests_per_connection = "const(2)"
think_time = "const(3s)"
[[workload.phase]]
duration = "1s"
rate = %d
[[workload.phase]]
duration = "20s"
rate = 0
`, duration, threads, threads, conns), "")
		_, _, s := simulateTraced(t, sc)
		p := onlyChild(t, s)
		return p, p.owner.(*child), sc.Host
	}
	parked, pc, h := run("2500ms")
	assert.Equal(t, conns, pc.conns, "every connection parked between its requests")
	assert.Equal(t, conns, pc.pools)
	closed, cc, _ := run("10s")
	assert.Zero(t, cc.conns)
	assert.Equal(t, threads*3/4, cc.pools, "the recycled pools stay")
	assert.Len(t, cc.recycledPools, threads*3/4)
	assert.InDelta(t, float64(conns-threads*3/4)*float64(h.ConnectionPoolFirstUse), parked.private-closed.private, 1,
		"the others' memory goes back: each had served one connection")
}

// A worker/event child's recycled pools are a stack (ap_queue_info_push_pool
// pushes, ap_queue_info_pop_pool takes the top), and a pool grows with the
// connections it serves (docs/model.md §8.2): after 25 connections at
// once, then 10 one after another, one pool has served 11 and holds
// connection_pool_memory, the 24 others one each and their first use's
// size. (Measured on a 40-thread event child proxying to a daemon: 25
// pools at once, round after round, kept 42.5 KiB each after their first
// connection, 3.9 KiB more after each of the next four, then no more.)
func TestConnectionPoolsGrowWithTheConnectionsTheyServe(t *testing.T) {
	const burst, after = 25, 10
	sc := parse(t, fmt.Sprintf(`
duration = "45s"
[apache]
mpm = "event"
keep_alive = false
start_servers = 1
server_limit = 1
threads_per_child = 40
max_request_workers = 40
min_spare_threads = 1
max_spare_threads = 100
[wsgi]
process_group = "app"
restrict_embedded = true
[wsgi.daemon_process.app]
processes = 1
threads = 40
[app]
request_cpu = "const(1ms)"
request_wait = "const(2s)"
[workload]
arrivals = "constant"
[[workload.phase]]
duration = "510ms"
rate = %d
[[workload.phase]]
duration = "3s"
rate = 0
[[workload.phase]]
duration = "%ds"
rate = 0.4
[[workload.phase]]
duration = "10s"
rate = 0
`, 2*burst, after*5/2+1), "")
	_, _, s := simulateTraced(t, sc)
	c := onlyChild(t, s).owner.(*child)
	require.Len(t, c.recycledPools, burst, "every connection returned its pool, all under max_recycled_pools (30)")
	assert.Equal(t, burst, c.pools)
	top := c.recycledPools[len(c.recycledPools)-1]
	assert.EqualValues(t, 1+after, top, "the connections one after another each took the pool the last one gave back")
	for _, n := range c.recycledPools[:burst-1] {
		assert.EqualValues(t, 1, n, "the burst's other pools served one connection each")
	}
	h := sc.Host
	first, busy := float64(h.ConnectionPoolFirstUse), float64(h.ConnectionPoolMemory)
	assert.Equal(t, first, s.pools.size(1))
	assert.Equal(t, first+float64(h.ConnectionPoolGrowth), s.pools.size(2), "the second connection adds connection_pool_growth")
	assert.Equal(t, busy, s.pools.size(int(top)), "eleven connections bring a pool to connection_pool_memory")
}

// An observer's requests ([workload.observer.NAME]: a monitor, or runtime
// mode's server-status requests in a prediction of a measured run) are
// served like any — by a prefork child, which then keeps what serving
// touched — but they are not the results: only the traffic's own requests
// are counted.
func TestObserverLoadsTheServerNotTheResults(t *testing.T) {
	const base = `
duration = "20s"
[apache]
mpm = "prefork"
start_servers = 3
min_spare_servers = 3
max_spare_servers = 5
[app]
request_cpu = "const(20ms)"
[workload]
arrivals = "constant"
[[workload.phase]]
duration = "10s"
rate = 0
[[workload.phase]]
duration = "10s"
rate = 1
`
	const observer = `
[workload.observer.status]
kind = "closed"
users = 1
think_time = "const(100ms)"
urls = { "/server-status" = 1 }
`
	plain, _, _ := simulateTraced(t, parse(t, base, ""))
	watched, _, _ := simulateTraced(t, parse(t, base+observer, ""))
	assert.Equal(t, plain.Summary.Requests, watched.Summary.Requests, "the observer's ~200 requests are not counted")
	assert.Positive(t, watched.Summary.Requests.Completed)
	for i := 0; i < 10; i++ {
		assert.Zero(t, watched.Rows[i].Arrivals+watched.Rows[i].Completions, "second %d: nothing counted", i)
	}
	// Before the traffic, the observer's requests alone have reached the
	// three idle children in turn (they wait for accept in order), and
	// each keeps its served thread's pages, the deeper ones mod_status's
	// handler touched, and a connection's pool — and no app: mod_status
	// answers /server-status, so nothing is imported for it. Each now maps
	// the whole scoreboard (prefork's default ServerLimit 256: 96,312
	// bytes), shared four ways with the parent, where it mapped its own
	// slots, shared with the parent.
	h := parse(t, base, "").Host
	grown := (watched.Rows[5].ChildrenPSSMB - plain.Rows[5].ChildrenPSSMB) * (1 << 20)
	const scoreboard, own = 56 + 256*(40+336), 40 + 336
	assert.InDelta(t, float64(3*(h.ApacheThreadServed+h.ApacheThreadStatus+h.ConnectionPoolMemory))+3*scoreboard/4.0-3*own/2.0, grown, 2048)
	assert.InDelta(t, (plain.Rows[5].PSSMB-watched.Rows[5].PSSMB)*(1<<20), -float64(3*(h.ApacheThreadServed+h.ApacheThreadStatus+h.ConnectionPoolMemory)), 2048,
		"the scoreboard's PSS adds up to its size however many processes map it")
}

// httpd's scoreboard is shared memory of ap_calc_scoreboard_size bytes:
// the parent zeroes all of it at start, each child maps the slots it
// writes, and a child that has run mod_status maps every slot. A larger
// ThreadLimit is paid for in every server, used or not.
func TestScoreboardIsSharedMemory(t *testing.T) {
	const base = `
duration = "5s"
[apache]
mpm = "event"
start_servers = 2
thread_limit = %d
[[workload.phase]]
duration = "5s"
rate = 0
`
	measure := func(threadLimit int) (parentRSS, childRSS, total float64) {
		_, _, s := simulateTraced(t, parse(t, fmt.Sprintf(base, threadLimit), ""))
		s.mem.measure(s.sim.Now(), func(p *process, rss, pss float64) {
			switch p.kind {
			case kindParent:
				parentRSS = rss
			case kindChild:
				childRSS = rss
			}
			total += pss
		})
		return
	}
	p64, c64, t64 := measure(64)
	p32, c32, t32 := measure(32)
	// event's ServerLimit 16: 16 × 32 more worker slots of 336 bytes.
	const more = 16 * 32 * 336
	assert.Equal(t, float64(more), p64-p32, "the parent maps the whole scoreboard")
	assert.Equal(t, c64, c32, "a child maps only its own slots (25 threads), whatever the limit")
	assert.InDelta(t, float64(more), t64-t32, 1e-6, "the PSS of all processes adds up to the scoreboard's size")
}

// A request holds host.request_pool_memory while it is in progress and
// returns it when it ends: the same traffic with and without it peaks
// higher by at most a request's worth per busy thread, and ends equal once
// every request is done.
func TestRequestPoolMemoryIsHeldWhileInProgress(t *testing.T) {
	const text = `
duration = "10s"
[apache]
mpm = "event"
keep_alive = false
start_servers = 1
server_limit = 1
max_request_workers = 25
min_spare_threads = 1
max_spare_threads = 100
[wsgi]
process_group = "app"
restrict_embedded = true
[wsgi.daemon_process.app]
processes = 1
threads = 25
[app]
request_cpu = "const(1ms)"
request_wait = "const(200ms)"
[[workload.phase]]
duration = "5s"
rate = 40
[[workload.phase]]
duration = "5s"
rate = 0
`
	held, _, sHeld := simulateTraced(t, parse(t, text, ""))
	none, _, sNone := simulateTraced(t, parse(t, text+"[host]\nrequest_pool_memory = \"0B\"\n", ""))
	q := float64(parse(t, text, "").Host.RequestPoolMemory)
	require.Positive(t, q)
	assert.Equal(t, held.Summary.Requests, none.Summary.Requests, "memory changes no timing here")
	extra := (held.Summary.Peak.PSSMB - none.Summary.Peak.PSSMB) * (1 << 20)
	const rounding = 0.01 * (1 << 20) // the summary's peaks are in MB to two places
	assert.GreaterOrEqual(t, extra, q-rounding, "at the peak at least one request is in progress")
	assert.LessOrEqual(t, extra, 25*q+rounding, "and at most one per thread (ThreadsPerChild 25)")
	assert.Equal(t, onlyChild(t, sNone).private, onlyChild(t, sHeld).private, "all of it returned once the requests ended")
}
