package validate

import (
	"context"
	"fmt"
	"io"
	"math"
	goruntime "runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

// Memory is one process's memory from /proc/PID/smaps_rollup, in bytes.
type Memory struct {
	RSS, PSS, Private int64
	Anonymous         int64 // anonymous pages (heap, stacks): never file-backed
}

// ApacheProbe configures a calibration Apache: prefork, mod_wsgi loaded,
// no application and no requests.
type ApacheProbe struct {
	// Python lets mod_wsgi initialise a bare interpreter in each child
	// (embedded mode allowed, WSGILazyInitialization On); false sets
	// WSGIRestrictEmbedded On, so no process initialises Python.
	Python bool
	// Children is StartServers, with MinSpareServers = Children and
	// MaxSpareServers = Children + 1 so the parent neither spawns nor kills.
	Children int
	// Restart: after sampling, restart Apache with SIGHUP (SIGUSR1 with
	// Graceful) and measure the parent's CPU time until the new children
	// run (ApacheSample.RestartCPU), and what the old children had used in
	// all (ReapedCPU).
	Restart, Graceful bool
	// App, with Python, has every child load a WSGI script at its start
	// (WSGIImportScript, application group %{GLOBAL}): AppMinimal, a
	// script that imports nothing, or AppRuntime, runtime mode's synthetic
	// app with no costs. "" loads none.
	App string
	// SubInterpreter loads App in a named application group, so each
	// child creates a sub-interpreter for it; otherwise in %{GLOBAL}.
	SubInterpreter bool
	// Ballast, with AppMinimal, has the script allocate and touch that
	// many bytes when it loads: private memory each child frees on its
	// way out.
	Ballast int64
}

// The scripts an ApacheProbe can preload.
const (
	AppMinimal = "minimal"
	AppRuntime = "runtime"
)

// ApacheSample is what a Prober saw of a calibration Apache once its
// children had settled.
type ApacheSample struct {
	Parent   Memory
	Children []Memory
	// ParentCPU is the parent's CPU time so far (start-up and its forks);
	// ChildCPU each child's (its child_init and, with Python, Py_Initialize).
	ParentCPU time.Duration
	ChildCPU  []time.Duration
	// RestartCPU is the parent's CPU time for a restart (ApacheProbe.Restart):
	// reading the configuration again, reloading its modules, post_config,
	// forking the new children.
	RestartCPU time.Duration
	// ReapedCPU is the CPU time of the children the restart ended, from
	// their start to their exit, as the parent's cutime + cstime count it
	// (10 ms resolution, summed over them).
	ReapedCPU time.Duration
	// TornDownFirst, after a graceful restart of children with Python, is
	// how many of them logged "Python has shutdown" before the parent's
	// new generation logged AH00163 (its error log, in order); -1 when the
	// log did not show both.
	TornDownFirst int
}

// A Prober runs calibration probes on this machine. The real one starts a
// real Apache (cmd/simulate); tests use a stand-in.
type Prober interface {
	// Apache starts a prefork Apache as configured, waits for its children
	// to settle, samples memory and CPU time, and stops it.
	Apache(ctx context.Context, p ApacheProbe) (ApacheSample, error)
	// Burn runs the runtime app's CPU burn loop for seconds of requested
	// CPU time in a fresh interpreter and returns the wall time the burn
	// took, on an otherwise idle core.
	Burn(ctx context.Context, seconds float64) (time.Duration, error)
	// Requests serves rate requests/s of runtime mode's app doing no work
	// for d, from a fixed prefork pool or, with daemon, from a daemon
	// process behind an event child: the CPU time Apache's process tree
	// spent on it, the requests completed, and how late the load
	// generator's timer woke for them.
	Requests(ctx context.Context, rate float64, d time.Duration, daemon bool) (RequestsSample, error)
	// Responses serves n requests of runtime mode's app burning cpu of
	// CPU each, one at a time, CalResponseGap apart after each answer
	// (in a mod_wsgi daemon process behind an event child with daemon,
	// in a prefork child otherwise), and returns their latencies as the
	// load generator measured them.
	Responses(ctx context.Context, cpu time.Duration, n int, daemon bool) (ResponsesSample, error)
	// Sched runs burners CPU-bound processes and, among them, a process
	// that sleeps and measures how late it wakes, then forks bursts of
	// children that burn CPU, timing each fork (docs/model.md §8.4).
	Sched(ctx context.Context, burners int) (SchedSample, error)
	// Balance runs tasks CPU-bound processes and samples the core each
	// is on (/proc/PID/stat's processor), every few milliseconds, until
	// the first of them ends (docs/model.md §8.6).
	Balance(ctx context.Context, tasks int) (BalanceSample, error)
	// Threads starts an event Apache of one child, serves requests as
	// configured and samples the memory of its child and daemon process.
	Threads(ctx context.Context, p ThreadsProbe) (ThreadsSample, error)
	// ForkBursts starts a prefork Apache of one child whose
	// MinSpareServers makes its maintenance fork 1, 2, 4, 8, 16 and 32
	// children at successive ticks (children initialising Python), and
	// returns each tick's burst as the parent ran it.
	ForkBursts(ctx context.Context) ([]ForkBurst, error)
	// Touch touches fresh memory in one Python process, step bytes at a
	// time, keeping all of it, and returns each step's CPU time: up to as
	// much as the machine can spare (docs/model.md §8.5).
	Touch(ctx context.Context, step int64) (TouchSample, error)
}

// TouchSample is the touch probe's: each Step bytes' CPU time, in order.
type TouchSample struct {
	Step int64
	CPU  []time.Duration
}

// ForkBurst is one maintenance pass's burst of forks: how many, and the
// parent's CPU time from before its first fork to after its last
// (/proc/PID/schedstat).
type ForkBurst struct {
	Forks int
	CPU   time.Duration
}

// ThreadsProbe configures the threads probe: event, one child of Threads
// worker threads (KeepAlive Off), and a minimal WSGI script preloaded in
// %{GLOBAL} that sleeps as long as its query string says. With Daemon the
// script runs in one mod_wsgi daemon process of Threads threads and the
// child only proxies to it (WSGIRestrictEmbedded On); otherwise in the
// child (embedded).
type ThreadsProbe struct {
	Threads int
	Daemon  bool
	// After the first sample: Sequential requests one at a time, a sample,
	// Status requests for /server-status one at a time (mod_status answers
	// them), a sample, then, for Load, Threads clients that each send their
	// next request as soon as the last is answered (each sleeping
	// CalServeSleep in the app, so every thread holds one nearly all the
	// time), sampled every second, and a sample after it. Before the load,
	// for Once: that many requests at once (each sleeping CalOnceSleep, so
	// each has a connection and a pool of its own), a sample, and the same
	// again, a sample.
	Sequential, Status int
	Once               int
	Load               time.Duration
}

// ThreadsSample is the threads probe's memory: the child's and the daemon
// process's (zero in embedded mode) at rest, after the sequential requests,
// after the load, after the status requests, and after each round of
// requests at once (which come before the load); ChildLoad is the child's
// every second of the load.
type ThreadsSample struct {
	Child, Daemon [6]Memory
	ChildLoad     []Memory
}

// The threads probe's samples.
const (
	AtRest = iota
	AfterSequential
	AfterLoad
	AfterStatus
	AfterOnce
	AfterTwice
)

// RequestsSample is what the request probe measured.
type RequestsSample struct {
	CPU       time.Duration // Apache's process tree's, all cores (results.Measurement.ApacheCPU)
	Completed int64
	Lateness  time.Duration // the load generator's mean timer lateness per arrival
	// Foreign is what other processes used meanwhile (runtime mode's
	// measurement.foreign_cpu); nil if unknown.
	Foreign *results.ForeignCPU
}

// ResponsesSample is what the responses probe measured.
type ResponsesSample struct {
	Latencies []time.Duration // of the completed requests
	Foreign   *results.ForeignCPU
}

// SchedSample is what the scheduler probe saw with Burners CPU-bound
// processes running on Cores cores.
type SchedSample struct {
	Cores, Burners int
	// Wakes are how late each of a series of short sleeps ended.
	Wakes []time.Duration
	// Bursts are bursts of forks, each fork as the forking process saw it
	// return: wall time and its own CPU time since the burst began. Each
	// child burns CPU at once, so it is runnable from its fork on.
	Bursts [][]ForkStep
}

// BalanceSample is what the balance probe saw: Tasks CPU-bound processes
// on Cores cores, sampled at Points.
type BalanceSample struct {
	Cores, Tasks int
	Points       []BalancePoint
}

// BalancePoint is one sample: when, and the core each process was on.
type BalancePoint struct {
	At  time.Duration
	CPU []int
}

// ForkStep is one fork of a burst, timed when fork() returned in the parent.
type ForkStep struct{ Wall, CPU time.Duration }

// Profile is a measured host profile: the constants of scenarios.Host that
// Calibrate measures, and how.
type Profile struct {
	ApacheSharedText     scenarios.Size
	ApacheParentPrivate  scenarios.Size
	ApacheChildPrivate   scenarios.Size
	PythonSharedText     scenarios.Size
	PythonInterpreter    scenarios.Size
	ForkTime             time.Duration
	ChildInitCPU         time.Duration
	PythonInitCPU        time.Duration
	PythonFiniCPU        time.Duration
	ExitFreeCPU          time.Duration // per MiB
	RequestCPU           time.Duration
	RequestCPUDaemon     time.Duration
	RestartCPU           time.Duration
	GracefulChildCPU     time.Duration
	CPUSecond            float64
	SchedWakeWait        time.Duration
	SchedWait            time.Duration
	SchedRun             time.Duration
	SchedWakePreempt     float64
	SchedWakeTogether    float64
	SchedMigrate         float64 // per second
	SchedMigrateShape    int
	ArrivalJitter        time.Duration
	ResponseDelay        scenarios.ResponseDelay
	ResponseDelayDaemon  scenarios.ResponseDelay
	RuntimeAppMemory     scenarios.Size
	RuntimeAppText       scenarios.Size
	RuntimeAppCPU        time.Duration
	RuntimeAppFiniCPU    time.Duration
	SubInterpreterCPU    time.Duration
	SubInterpreterFini   time.Duration
	SubInterpreterMemory scenarios.Size
	ApacheThreadPrivate  scenarios.Size
	ApacheListener       scenarios.Size
	ApacheThreadServed   scenarios.Size
	ApacheThreadStatus   scenarios.Size
	ConnectionPoolMemory scenarios.Size
	ConnectionPoolFirst  scenarios.Size
	ConnectionPoolGrowth scenarios.Size
	RequestPoolMemory    scenarios.Size
	DaemonThreadServed   scenarios.Size
	PythonThreadMemory   scenarios.Size
	PythonRequestMemory  scenarios.Size
	MemoryTouchCPU       time.Duration // per MiB
	MemoryTouchColdCPU   time.Duration // per MiB
	MemoryWarm           scenarios.Size
	Notes                []string // how each was measured, with the raw figures
}

// calResponseCPU are the responses probe's levels: the app's CPU per
// request, so the load generator is quiet that long (and a little more)
// before each answer.
var calResponseCPU = []time.Duration{0, 10 * time.Millisecond, 30 * time.Millisecond, 100 * time.Millisecond, 300 * time.Millisecond}

// Calibration probe sizes.
const (
	calRequestRate = 100.0
	calRequestTime = 5 * time.Second
	calFew         = 2  // children in the small Apache
	calMany        = 16 // in the large one: the parent's extra CPU per extra child is its startup's CPU per fork
	calBurstLeast  = 8  // the least forks of a maintenance burst that fork_time counts
	calBurn        = 1.0
	calTouchStep   = 20 << 20 // bytes a step of the touch probe touches
	calBallasted   = 8        // children in the ballast probe
	calBallast     = 64 << 20 // bytes each of them allocates (at most an eighth of the RAM in all)
	calFewThreads  = 8        // ThreadsPerChild of the small event child
	calManyThreads = 40       // and of the large one
	calSequential  = 50       // requests one at a time in the threads probe
	calOnce        = 30       // its requests at once, twice: calManyThreads × 3/4, so the listener recycles every pool
	// calLoad is how long the threads probe keeps calManyThreads clients
	// sending requests back to back, and the mean of its last calPlateau
	// one-second samples is the child's memory under load. Rounds of
	// requests all at once, each round waiting for the last to finish (the
	// probe before), only ever sampled the child between rounds, with no
	// request in progress: 40 threads proxying to a daemon leveled off at
	// 3188 KiB after eight rounds, and gave 3264 KiB 300 ms after the
	// load, but 3964-4064 KiB under it; runtime mode's saturated 25-thread
	// children measured 2580-2712 KiB private, a 25-thread child under the
	// load 2680-2820 KiB and between rounds 1940-2132 KiB. (A child's
	// connections open at once stayed at its thread count, ss said.)
	calLoad    = 8 * time.Second
	calPlateau = 3
	// calRepeats is how many times the preload probes run, in turns; each
	// keeps its run of least CPU. Their constants are differences of CPU
	// between probes, and other load only ever adds CPU time (a neighbour's
	// use of the caches and memory): three calibrations of this project's
	// VM within an hour, one probe each, put runtime mode's app at 6, 27
	// and 8 ms and a sub-interpreter at 18, 42 and 24 ms.
	calRepeats = 3
	// calGracefulRestarts is how many graceful restarts of calMany children
	// count the teardowns that beat the new generation: their spread from
	// one restart to the next is sched_wake_together (wakeShares).
	calGracefulRestarts = 6
	// The responses probe: calResponses lone requests at each CPU of
	// calResponseCPU, each sent calResponseGap after the last answer; the
	// delay's levels keep calDelayQuantiles quantiles (every 10%).
	calResponses      = 25
	CalResponseGap    = 400 * time.Millisecond
	calDelayQuantiles = 11
	// CalServeSleep is how long each request of a round sleeps in the app:
	// long enough that all of a round's requests are in at once.
	CalServeSleep = 200 * time.Millisecond
	// CalOnceSleep is how long each of the threads probe's requests at
	// once sleeps in the app: long enough that all of them are in before
	// the first ends, so each takes a pool of its own.
	CalOnceSleep = time.Second
)

// Calibrate measures this machine's constants with dedicated probes: three
// prefork Apaches without requests (calFew and calMany children with
// WSGIRestrictEmbedded On, calMany with a bare interpreter in each child)
// and three timed CPU burns. It never looks at a validation run.
//
//   - apache_parent_private: the parent's private memory (small Apache);
//   - apache_child_private: a child's private memory, median (large Apache);
//   - apache_shared_text: a child's shared memory, RSS − private, median;
//   - python_interpreter, python_shared_text: how much a child's private and
//     shared memory grow when it initialises Python (medians);
//   - fork_time: the parent's CPU time per fork in its maintenance bursts
//     of at least calBurstLeast forks (the ForkBursts probe): fork() is
//     CPU-bound (copying page tables), and in a burst the children forked
//     before run beside it. The bursts are what the model times with it
//     (docs/model.md §8.4); the large Apache's startup, calMany − calFew
//     forks more than the small one's, gives the startup's CPU per fork
//     (a small difference of two totals: 0.41 and 0.07 ms in two
//     calibrations, where the bursts gave 0.7–1.1 ms), which stays in
//     restart_cpu and graceful_child_cpu, taking the startup probes' own
//     forks out of their CPU;
//   - memory_touch_cpu, memory_touch_cold_cpu, memory_warm: first, before
//     any other probe frees memory, one process touches fresh memory a
//     step at a time and keeps it (calTouchStep steps, up to what the
//     machine can spare): the CPU per MiB of its first steps, and where
//     a run of steps costs several times that (a virtual machine whose
//     host took back the memory it had freed, and backs it again page by
//     page), their cost and the memory touched before them (deriveTouch);
//   - child_init_cpu: a child's CPU time without Python, median;
//   - python_init_cpu: how much that grows with Python;
//   - restart_cpu: the small Apache's parent's CPU time for a restart
//     (SIGHUP), less its forks of the new children;
//   - sched_wake_preempt: the share of that graceful restart's children
//     whose "Python has shutdown" came before the parent's AH00163 in its
//     error log, over calRepeats such restarts: each of those took the
//     parent's core when the signal woke it and tore down first; the
//     others waited for another core while the parent reloaded on its own
//     (docs/model.md §2.3);
//   - sched_wake_together: how much those counts vary from one restart
//     to the next beyond what children each on their own would give
//     (wakeShares);
//   - graceful_child_cpu: the parent's CPU time for a graceful restart
//     (SIGUSR1) of calMany children with a bare interpreter, less its
//     forks and restart_cpu, per child: telling each to finish and
//     reaping it, while they tear Python down beside it;
//   - python_fini_cpu, exit_free_cpu: what the children used in all when
//     their Apache's restart ended them, less what they had used before
//     it, per child, is their teardown on the way out. With a minimal
//     script and with it holding calBallast bytes more (calBallasted
//     children), the extra teardown per extra MiB of private memory is
//     exit_free_cpu (Python's deallocations and the kernel's unmapping);
//     python_fini_cpu is the teardown of children with a bare
//     interpreter less exit_free_cpu for their private memory;
//   - runtime_app_memory, runtime_app_text, runtime_app_cpu,
//     runtime_app_fini_cpu: what runtime mode's synthetic app (no costs)
//     adds to a child that preloads it, over a minimal script that
//     imports nothing (calMany children each): the median child's extra
//     anonymous memory (its modules' objects and code, private to each
//     process), the rest of its extra RSS (the modules' file-backed
//     pages, shared among the children), its extra CPU time (importing
//     those modules), and its extra teardown less exit_free_cpu for its
//     extra memory;
//   - sub_interpreter_cpu, sub_interpreter_memory, sub_interpreter_fini_cpu:
//     what a child that preloads the minimal script in a named
//     application group (a sub-interpreter) spends over one that preloads
//     it in %{GLOBAL}: median CPU time, median anonymous memory, and
//     teardown less exit_free_cpu for that memory (calMany children each);
//   - apache_thread_private, apache_listener_private: event children of
//     calFewThreads and calManyThreads threads proxying to a daemon (no
//     Python in them), at rest: the extra private memory per extra thread,
//     and what the small child holds beyond its threads and a prefork
//     child (the listener thread, its pollset and queues);
//   - apache_thread_served, connection_pool_memory, request_pool_memory:
//     the large child served calSequential requests one at a time
//     (KeepAlive Off), which its threads take in turn (the fdqueue wakes
//     its longest waiter), so every thread served on one pool: it grew
//     n·U + S; then n clients sent requests back to back for calLoad,
//     which kept a connection per thread open and a request on it in
//     progress nearly all the time: under the load (the mean of its last
//     calPlateau seconds) the child held n pools and n requests, that is
//     (n − 1)·S + n·Q more, and once the requests had ended (after the load) the
//     K = n·3/4 pools the listener recycles (max_recycled_pools; it
//     destroys the others, whose memory goes back to the system): (K − 1)·S.
//     U is what a thread keeps once it has served (its stack's deeper
//     pages, its allocator caches), S a transaction pool's memory once it
//     has served many connections, Q what a request holds while in
//     progress (its request pool's blocks, returned when it ends);
//   - connection_pool_first_use, connection_pool_growth: between the
//     status requests and the load, calOnce requests at once, then as many
//     again: calOnce − 1 new pools beside the one the requests one at a
//     time used, each after its first connection (F) and after its second
//     (F + G);
//   - apache_thread_status: between the sequential requests and the load,
//     as many server-status requests one at a time, which reach every
//     thread in turn too: what the child grew over them, per thread
//     (mod_status's handler runs a thread deeper into its stack than the
//     proxy to a daemon does);
//   - daemon_thread_served, python_thread_memory, python_request_memory:
//     the daemon process grew D₂ over the sequential requests, which two
//     of its threads serve in turn (mod_wsgi hands the listener role to
//     the thread on top of its idle stack, wsgi_worker_release), and D₂ +
//     (n − 2)·(W + T) by the load's end, every thread having served: D₂ =
//     P + 2·(W + T), with W what a daemon thread keeps (its requests'
//     pools are made and destroyed under its own, whose allocator keeps
//     the blocks), T a thread's state in the interpreter and P what the
//     interpreter's first requests keep; an embedded event child of
//     calManyThreads threads grew E over the same load, with K pools left:
//     E = P + K·S + n·(U + T);
//   - cpu_second: the wall time of the app's burn loop per requested
//     CPU-second, median of three (above 1 when the machine loses time to
//     a hypervisor or to the loop's own overhead);
//   - request_cpu: what one request costs Apache beyond the app's own
//     work, from runtime mode serving an app that does nothing at
//     calRequestRate and at 0 requests/s: the extra CPU of Apache's process
//     tree over the extra requests, the median of calRepeats such pairs. It
//     holds Apache's and mod_wsgi's request handling and the synthetic
//     app's bookkeeping; not the load generator's share, which a
//     validation adds as runtime mode's own CPU, interval by interval;
//   - request_cpu_daemon: the same with the app in a mod_wsgi daemon
//     process behind an event child: the child's proxying and the
//     daemon's side of each request on top of Apache's own work;
//   - response_delay, response_delay_daemon: runtime mode serving
//     calResponses lone requests at each CPU of calResponseCPU (one at a
//     time, each CalResponseGap after the last answer), in a prefork
//     child, then in a daemon process behind an event child: a level per
//     CPU, at the time the model has such a
//     request at the server (its CPU × cpu_second + request_cpu), which is
//     how long the load generator was quiet when Apache wrote the answer;
//     its quantiles are those of the latencies less that time
//     (docs/model.md §9.9).
func Calibrate(ctx context.Context, p Prober) (Profile, error) {
	var prof Profile
	// First, before the other probes free memory the host would still
	// back for a while.
	touched, err := p.Touch(ctx, calTouchStep)
	if err != nil {
		return prof, fmt.Errorf("probe: first touches of fresh memory: %w", err)
	}
	prof.MemoryTouchCPU, prof.MemoryTouchColdCPU, prof.MemoryWarm = deriveTouch(touched)
	prof.Notes = append(prof.Notes, touchNote(touched, prof))
	few, err := p.Apache(ctx, ApacheProbe{Children: calFew, Restart: true})
	if err != nil {
		return prof, fmt.Errorf("probe: prefork with %d children, WSGIRestrictEmbedded On: %w", calFew, err)
	}
	many, err := p.Apache(ctx, ApacheProbe{Children: calMany})
	if err != nil {
		return prof, fmt.Errorf("probe: prefork with %d children, WSGIRestrictEmbedded On: %w", calMany, err)
	}
	py, err := p.Apache(ctx, ApacheProbe{Children: calMany, Python: true, Restart: true, Graceful: true})
	if err != nil {
		return prof, fmt.Errorf("probe: prefork with %d children, each with a bare interpreter: %w", calMany, err)
	}
	if len(many.Children) == 0 || len(py.Children) == 0 {
		return prof, fmt.Errorf("probe: Apache started no children")
	}
	// Who runs first after a graceful restart's signals varies from one
	// restart to the next (2 and 11 of 16 children half an hour apart):
	// calGracefulRestarts restarts, the mean share and how much each
	// restart's children went the same way.
	tornFirst := []int{py.TornDownFirst}
	for range calGracefulRestarts - 1 {
		again, err := p.Apache(ctx, ApacheProbe{Children: calMany, Python: true, Restart: true, Graceful: true})
		if err != nil {
			return prof, fmt.Errorf("probe: prefork with %d children, each with a bare interpreter, restarted gracefully: %w", calMany, err)
		}
		tornFirst = append(tornFirst, again.TornDownFirst)
	}
	priv := func(s ApacheSample) float64 {
		return medianOf(s.Children, func(m Memory) float64 { return float64(m.Private) })
	}
	shared := func(s ApacheSample) float64 {
		return medianOf(s.Children, func(m Memory) float64 { return float64(m.RSS - m.Private) })
	}
	cpu := func(s ApacheSample) float64 {
		return medianOf(s.ChildCPU, func(d time.Duration) float64 { return float64(d) })
	}
	prof.ApacheParentPrivate = scenarios.Size(few.Parent.Private)
	prof.ApacheChildPrivate = scenarios.Size(priv(many))
	prof.ApacheSharedText = scenarios.Size(shared(many))
	prof.PythonInterpreter = scenarios.Size(max(0, priv(py)-priv(many)))
	prof.PythonSharedText = scenarios.Size(max(0, shared(py)-shared(many)))
	startupFork := max(0, (many.ParentCPU-few.ParentCPU)/time.Duration(calMany-calFew))
	prof.ChildInitCPU = time.Duration(cpu(many))
	prof.PythonInitCPU = time.Duration(max(0, cpu(py)-cpu(many)))
	prof.RestartCPU = max(0, few.RestartCPU-calFew*startupFork)
	prof.GracefulChildCPU = max(0, (py.RestartCPU-calMany*startupFork-prof.RestartCPU)/calMany)
	prof.SchedWakePreempt, prof.SchedWakeTogether = 1, 1
	if slices.Min(tornFirst) >= 0 {
		prof.SchedWakePreempt, prof.SchedWakeTogether = wakeShares(tornFirst, calMany)
	} else {
		prof.Notes = append(prof.Notes, "WARNING: a graceful restart's error log did not show the children's teardowns and the new generation: sched_wake_preempt and sched_wake_together left at 1")
	}
	bursts, err := p.ForkBursts(ctx)
	if err != nil {
		return prof, fmt.Errorf("probe: prefork maintenance's bursts of forks: %w", err)
	}
	if prof.ForkTime, prof.Notes, err = deriveForkTime(bursts, startupFork, prof.Notes); err != nil {
		return prof, err
	}
	preloads := []struct {
		probe ApacheProbe
		what  string
		least ApacheSample
	}{
		{ApacheProbe{Children: calMany, Python: true, App: AppMinimal, Restart: true},
			fmt.Sprintf("prefork with %d children preloading a minimal WSGI script", calMany), ApacheSample{}},
		{ApacheProbe{Children: calBallasted, Python: true, App: AppMinimal, Ballast: calBallast, Restart: true},
			fmt.Sprintf("prefork with %d children preloading a minimal WSGI script holding %s", calBallasted, scenarios.Size(calBallast)), ApacheSample{}},
		{ApacheProbe{Children: calMany, Python: true, App: AppRuntime, Restart: true},
			fmt.Sprintf("prefork with %d children preloading runtime mode's app", calMany), ApacheSample{}},
		{ApacheProbe{Children: calMany, Python: true, App: AppMinimal, SubInterpreter: true, Restart: true},
			fmt.Sprintf("prefork with %d children preloading a minimal WSGI script in a sub-interpreter", calMany), ApacheSample{}},
	}
	for r := range calRepeats {
		for i := range preloads {
			pl := &preloads[i]
			s, err := p.Apache(ctx, pl.probe)
			if err != nil {
				return prof, fmt.Errorf("probe: %s: %w", pl.what, err)
			}
			if len(s.Children) == 0 {
				return prof, fmt.Errorf("probe: Apache started no children")
			}
			if r == 0 || cpu(s) < cpu(pl.least) {
				pl.least = s
			}
		}
	}
	minimal, ballasted, synth, sub := preloads[0].least, preloads[1].least, preloads[2].least, preloads[3].least
	anon := func(s ApacheSample) float64 {
		return medianOf(s.Children, func(m Memory) float64 { return float64(m.Anonymous) })
	}
	// The teardown: what the children used in all by their exit, less what
	// they had used before the restart, per child.
	fini := func(s ApacheSample) float64 {
		before := s.ReapedCPU
		for _, c := range s.ChildCPU {
			before -= c
		}
		return float64(before) / float64(len(s.ChildCPU))
	}
	perMiB := 0.0
	if extra := anon(ballasted) - anon(minimal); extra > 0 {
		perMiB = max(0, fini(ballasted)-fini(minimal)) / (extra / (1 << 20))
	}
	freeing := func(bytes float64) float64 { return perMiB * max(0, bytes) / (1 << 20) }
	prof.ExitFreeCPU = time.Duration(perMiB)
	prof.PythonFiniCPU = time.Duration(max(0, fini(py)-freeing(priv(py))))
	rss := func(s ApacheSample) float64 {
		return medianOf(s.Children, func(m Memory) float64 { return float64(m.RSS) })
	}
	appAnon := max(0, anon(synth)-anon(minimal))
	prof.RuntimeAppMemory = scenarios.Size(appAnon)
	prof.RuntimeAppText = scenarios.Size(max(0, rss(synth)-rss(minimal)-appAnon))
	prof.RuntimeAppCPU = time.Duration(max(0, cpu(synth)-cpu(minimal)))
	prof.SubInterpreterCPU = time.Duration(max(0, cpu(sub)-cpu(minimal)))
	prof.SubInterpreterMemory = scenarios.Size(max(0, anon(sub)-anon(minimal)))
	prof.RuntimeAppFiniCPU = time.Duration(max(0, fini(synth)-fini(minimal)-freeing(appAnon)))
	prof.SubInterpreterFini = time.Duration(max(0, fini(sub)-fini(minimal)-freeing(anon(sub)-anon(minimal))))
	prof.Notes = append(prof.Notes,
		fmt.Sprintf("teardown on a restart, per child: bare interpreter %v (private %s), minimal script %v, with %s of ballast %v (%d children; anonymous %s), runtime mode's app %v, in a sub-interpreter %v: %v per MiB freed",
			time.Duration(fini(py)), scenarios.Size(priv(py)), time.Duration(fini(minimal)), scenarios.Size(calBallast), time.Duration(fini(ballasted)), calBallasted,
			scenarios.Size(anon(ballasted)), time.Duration(fini(synth)), time.Duration(fini(sub)), prof.ExitFreeCPU))
	prof.Notes = append(prof.Notes,
		fmt.Sprintf("prefork, %d children preloading a minimal script: child median RSS %s, anonymous %s, CPU %v; in a sub-interpreter: anonymous %s, CPU %v; preloading runtime mode's app: RSS %s, anonymous %s, CPU %v", calMany,
			scenarios.Size(rss(minimal)), scenarios.Size(anon(minimal)), time.Duration(cpu(minimal)), scenarios.Size(anon(sub)), time.Duration(cpu(sub)),
			scenarios.Size(rss(synth)), scenarios.Size(anon(synth)), time.Duration(cpu(synth))))
	prof.Notes = append(prof.Notes,
		fmt.Sprintf("prefork, WSGIRestrictEmbedded On, %d children: parent RSS %s PSS %s private %s; CPU %v; CPU for a restart %v", calFew,
			scenarios.Size(few.Parent.RSS), scenarios.Size(few.Parent.PSS), scenarios.Size(few.Parent.Private), few.ParentCPU, few.RestartCPU),
		fmt.Sprintf("prefork, WSGIRestrictEmbedded On, %d children: parent CPU %v; child median private %s, shared %s, CPU %v", calMany,
			many.ParentCPU, scenarios.Size(priv(many)), scenarios.Size(shared(many)), time.Duration(cpu(many))),
		fmt.Sprintf("prefork, bare interpreter, %d children: child median private %s, shared %s, CPU %v; %v in all by their exit; the parent's CPU for their graceful restart %v; of their teardowns, %v ended before its new generation began in %d such restarts (sched_wake_preempt %.2f, sched_wake_together %.2f)", calMany,
			scenarios.Size(priv(py)), scenarios.Size(shared(py)), time.Duration(cpu(py)), py.ReapedCPU, py.RestartCPU, tornFirst, len(tornFirst), prof.SchedWakePreempt, prof.SchedWakeTogether))

	if err := calibrateThreads(ctx, p, &prof); err != nil {
		return prof, err
	}

	var walls []float64
	for range 3 {
		d, err := p.Burn(ctx, calBurn)
		if err != nil {
			return prof, fmt.Errorf("probe: CPU burn: %w", err)
		}
		walls = append(walls, d.Seconds()/calBurn)
	}
	prof.CPUSecond = median(walls)
	prof.Notes = append(prof.Notes, fmt.Sprintf("burn of %gs CPU took %v s of wall time (3 runs)", calBurn, walls))

	// request_cpu is a difference of two runs' CPU, each with Apache's
	// own idle work in it: one pair (of the machine's CPU, then) put it at
	// 288 µs where the pairs before and after gave 0.8-1.1 ms. calRepeats
	// pairs, in turns, and their median.
	var late time.Duration
	if prof.RequestCPU, late, err = calibrateRequests(ctx, p, &prof, false); err != nil {
		return prof, err
	}
	prof.ArrivalJitter = late
	if prof.RequestCPUDaemon, _, err = calibrateRequests(ctx, p, &prof, true); err != nil {
		return prof, err
	}

	if prof.ResponseDelay, err = calibrateResponses(ctx, p, &prof, false); err != nil {
		return prof, err
	}
	if prof.ResponseDelayDaemon, err = calibrateResponses(ctx, p, &prof, true); err != nil {
		return prof, err
	}

	var sched []SchedSample
	for _, k := range schedBurners(goruntime.NumCPU()) {
		smp, err := p.Sched(ctx, k)
		if err != nil {
			return prof, fmt.Errorf("probe: scheduler with %d CPU-bound processes: %w", k, err)
		}
		sched = append(sched, smp)
	}
	prof.SchedWakeWait, prof.SchedWait, prof.SchedRun, prof.Notes = deriveSched(sched, prof.Notes)

	if cores := goruntime.NumCPU(); cores > 1 {
		var bal []BalanceSample
		for _, n := range []int{cores + 1, 2*cores + 1} {
			smp, err := p.Balance(ctx, n)
			if err != nil {
				return prof, fmt.Errorf("probe: %d CPU-bound processes on %d cores: %w", n, cores, err)
			}
			bal = append(bal, smp)
		}
		prof.SchedMigrate, prof.SchedMigrateShape, prof.Notes = deriveMigrate(bal, prof.Notes)
	}
	return prof, nil
}

// wakeShares returns, from how many of n children tore down before the new
// generation in each of several graceful restarts, the mean share (host.
// sched_wake_preempt) and the intra-restart correlation (host.
// sched_wake_together), by the method of moments for the beta-binomial
// the model draws (models.wakeOdds): the counts' variance is
// n·p·(1−p)·(1 + (n−1)·ρ), so ρ = (s²/(n·p·(1−p)) − 1)/(n − 1), with s² the
// counts' sample variance, kept within 0 (each child on its own) and 1
// (all or none). A share of 0 or 1 leaves nothing to correlate: ρ is 1.
func wakeShares(counts []int, n int) (share, together float64) {
	ks := make([]float64, len(counts))
	for i, k := range counts {
		ks[i] = float64(k)
	}
	mean, variance := stat.MeanVariance(ks, nil)
	share = min(1, mean/float64(n))
	if share <= 0 || share >= 1 || len(ks) < 2 || n < 2 {
		return share, 1
	}
	rho := (variance/(float64(n)*share*(1-share)) - 1) / float64(n-1)
	return share, max(0, min(1, rho))
}

// calibrateRequests runs calRepeats pairs of request runs (see Calibrate),
// in a prefork child or, with daemon, in a daemon process behind an event
// child, and returns the median extra CPU per request and the load
// generator's median timer lateness.
func calibrateRequests(ctx context.Context, p Prober, prof *Profile, daemon bool) (perReq, late time.Duration, err error) {
	where, key := "prefork children", "request_cpu"
	if daemon {
		where, key = "a daemon process behind an event child", "request_cpu_daemon"
	}
	var perRequest, lates []float64
	var runs []string
	for range calRepeats {
		idle, err := p.Requests(ctx, 0, calRequestTime, daemon)
		if err != nil {
			return 0, 0, fmt.Errorf("probe: an idle runtime run (%s): %w", where, err)
		}
		busy, err := p.Requests(ctx, calRequestRate, calRequestTime, daemon)
		if err != nil {
			return 0, 0, fmt.Errorf("probe: %g requests/s of an app doing nothing (%s): %w", calRequestRate, where, err)
		}
		n := busy.Completed
		if n == 0 {
			return 0, 0, fmt.Errorf("probe: no request completed at %g requests/s (%s)", calRequestRate, where)
		}
		perRequest = append(perRequest, float64(max(0, (busy.CPU-idle.CPU)/time.Duration(n))))
		lates = append(lates, float64(busy.Lateness))
		for _, r := range []RequestsSample{idle, busy} {
			if r.Foreign != nil && r.Foreign.Share > MaxForeignCPU {
				prof.Notes = append(prof.Notes, fmt.Sprintf("WARNING: disturbed: other processes used %s during a request probe: calibrate again on a quieter machine", r.Foreign))
			}
		}
		runs = append(runs, fmt.Sprintf("%v CPU idle, %v CPU for %d requests", idle.CPU.Round(time.Millisecond), busy.CPU.Round(time.Millisecond), n))
	}
	perReq, late = time.Duration(median(perRequest)), time.Duration(median(lates))
	prof.Notes = append(prof.Notes, fmt.Sprintf("runtime mode, app doing nothing in %s, %v at 0 and %g requests/s, %d times, Apache's CPU: %s; %s the median; the load generator's timer woke %v late on average (median)",
		where, calRequestTime, calRequestRate, calRepeats, strings.Join(runs, "; "), key, late.Round(time.Microsecond)))
	return perReq, late, nil
}

// calibrateResponses runs the responses probe (see Calibrate), after
// cpu_second and request_cpu are known.
func calibrateResponses(ctx context.Context, p Prober, prof *Profile, daemon bool) (scenarios.ResponseDelay, error) {
	var delay scenarios.ResponseDelay
	var medians []string
	where := "in a prefork child"
	if daemon {
		where = "in a daemon process behind an event child"
	}
	for _, cpu := range calResponseCPU {
		smp, err := p.Responses(ctx, cpu, calResponses, daemon)
		if err != nil {
			return nil, fmt.Errorf("probe: lone requests of %v of CPU %s: %w", cpu, where, err)
		}
		if len(smp.Latencies) < 2 {
			return nil, fmt.Errorf("probe: lone requests of %v of CPU %s: %d of %d completed", cpu, where, len(smp.Latencies), calResponses)
		}
		if f := smp.Foreign; f != nil && f.Share > MaxForeignCPU {
			prof.Notes = append(prof.Notes, fmt.Sprintf("WARNING: disturbed: other processes used %s during the responses probe: calibrate again on a quieter machine", f))
		}
		reqCPU := prof.RequestCPU
		if daemon && prof.RequestCPUDaemon > 0 {
			reqCPU = prof.RequestCPUDaemon
		}
		atServer := time.Duration(float64(cpu)*prof.CPUSecond) + reqCPU
		extra := make([]float64, len(smp.Latencies))
		for i, l := range smp.Latencies {
			extra[i] = float64(max(0, l-atServer))
		}
		sort.Float64s(extra)
		lvl := scenarios.DelayLevel{Quiet: atServer.Round(time.Microsecond)}
		for k := range calDelayQuantiles {
			lvl.Quantiles = append(lvl.Quantiles, time.Duration(quantileSorted(extra, float64(k)/(calDelayQuantiles-1))).Round(time.Microsecond))
		}
		delay = append(delay, lvl)
		medians = append(medians, fmt.Sprintf("%v: %v", cpu, time.Duration(quantileSorted(extra, 0.5)).Round(time.Microsecond)))
	}
	key := "request_cpu"
	if daemon && prof.RequestCPUDaemon > 0 {
		key = "request_cpu_daemon"
	}
	prof.Notes = append(prof.Notes, fmt.Sprintf("lone requests %s, %d at each CPU, %v apart: the median latency beyond the time at the server (CPU × cpu_second + %s), by CPU: %s",
		where, calResponses, CalResponseGap, key, strings.Join(medians, ", ")))
	return delay, nil
}

// quantileSorted is the q-quantile of sorted xs, linear between order
// statistics.
func quantileSorted(xs []float64, q float64) float64 {
	x := q * float64(len(xs)-1)
	i := int(x)
	if i >= len(xs)-1 {
		return xs[len(xs)-1]
	}
	return xs[i] + (x-float64(i))*(xs[i+1]-xs[i])
}

// underLoad is the child's private memory under sustained load: the mean
// of the load's last calPlateau samples (with fewer, after the load).
func underLoad(s ThreadsSample) float64 {
	r := s.ChildLoad
	if len(r) < calPlateau {
		return float64(s.Child[AfterLoad].Private)
	}
	var sum float64
	for _, m := range r[len(r)-calPlateau:] {
		sum += float64(m.Private)
	}
	return sum / calPlateau
}

// calibrateThreads runs the threads probes (see Calibrate).
func calibrateThreads(ctx context.Context, p Prober, prof *Profile) error {
	few, err := p.Threads(ctx, ThreadsProbe{Threads: calFewThreads, Daemon: true})
	if err != nil {
		return fmt.Errorf("probe: an event child of %d threads proxying to a daemon: %w", calFewThreads, err)
	}
	many, err := p.Threads(ctx, ThreadsProbe{Threads: calManyThreads, Daemon: true, Sequential: calSequential, Status: calSequential, Once: calOnce, Load: calLoad})
	if err != nil {
		return fmt.Errorf("probe: an event child of %d threads proxying to a daemon: %w", calManyThreads, err)
	}
	emb, err := p.Threads(ctx, ThreadsProbe{Threads: calManyThreads, Load: calLoad})
	if err != nil {
		return fmt.Errorf("probe: an embedded event child of %d threads: %w", calManyThreads, err)
	}
	priv := func(m Memory) float64 { return float64(m.Private) }
	const n = calManyThreads
	thread := max(0, (priv(many.Child[AtRest])-priv(few.Child[AtRest]))/(n-calFewThreads))
	prof.ApacheThreadPrivate = scenarios.Size(thread)
	prof.ApacheListener = scenarios.Size(max(0, priv(few.Child[AtRest])-calFewThreads*thread-float64(prof.ApacheChildPrivate)))
	// The sequential requests used one pool and every thread, and so did
	// the status requests after them; the load n pools at once, n-1 of
	// them new.
	status := priv(many.Child[AfterStatus])
	if many.Child[AfterStatus].Private == 0 { // a probe without them
		status = priv(many.Child[AfterSequential])
	}
	const kept = n * 3 / 4 // max_recycled_pools: the listener's pools left after the load
	pool := max(0, (priv(many.Child[AfterLoad])-status)/(kept-1))
	prof.ConnectionPoolMemory = scenarios.Size(pool)
	// The rounds at once: calOnce − 1 new pools beside the sequential
	// requests' one, which had served about a hundred connections and
	// grows no more; the second round took the same pools (all were
	// recycled), each serving its second connection.
	once, twice := pool, pool
	if many.Child[AfterOnce].Private != 0 && many.Child[AfterTwice].Private != 0 {
		once = max(0, (priv(many.Child[AfterOnce])-status)/(calOnce-1))
		twice = max(0, (priv(many.Child[AfterTwice])-status)/(calOnce-1))
	}
	prof.ConnectionPoolFirst = scenarios.Size(min(once, pool))
	prof.ConnectionPoolGrowth = scenarios.Size(max(0, twice-once))
	prof.RequestPoolMemory = scenarios.Size(max(0, (underLoad(many)-priv(many.Child[AfterLoad])-(n-kept)*pool)/n))
	served := max(0, (priv(many.Child[AfterSequential])-priv(many.Child[AtRest])-pool)/n)
	prof.ApacheThreadServed = scenarios.Size(served)
	prof.ApacheThreadStatus = scenarios.Size(max(0, (status-priv(many.Child[AfterSequential]))/n))
	d2 := priv(many.Daemon[AfterSequential]) - priv(many.Daemon[AtRest])
	daemonThread := max(0, (priv(many.Daemon[AfterLoad])-priv(many.Daemon[AfterSequential]))/(n-2)) // W + T
	first := max(0, d2-2*daemonThread)                                                              // P
	e := priv(emb.Child[AfterLoad]) - priv(emb.Child[AtRest])
	state := min(daemonThread, max(0, (e-first-kept*pool)/n-served)) // T
	prof.PythonThreadMemory = scenarios.Size(state)
	prof.PythonRequestMemory = scenarios.Size(first)
	prof.DaemonThreadServed = scenarios.Size(daemonThread - state)
	prof.Notes = append(prof.Notes, fmt.Sprintf("event, one child proxying to a daemon: private %s with %d threads, %s with %d; after %d requests one at a time %s, after as many server-status requests %s, after %d requests at once %s and after as many again %s (%.1f and %.1f KiB a new pool), with %d clients sending requests back to back for %v (every second: %s) %.0f KiB, the last %d seconds' mean, and %s once they stopped; its daemon %s at rest, %s after the requests one at a time, %s after the load; embedded, %d threads: %s at rest, %.0f KiB under the load, %s after it",
		scenarios.Size(priv(few.Child[AtRest])), calFewThreads, scenarios.Size(priv(many.Child[AtRest])), n,
		calSequential, scenarios.Size(priv(many.Child[AfterSequential])), scenarios.Size(status),
		calOnce, scenarios.Size(priv(many.Child[AfterOnce])), scenarios.Size(priv(many.Child[AfterTwice])), once/1024, twice/1024, n, calLoad,
		samplesKiB(many.ChildLoad), underLoad(many)/1024, calPlateau, scenarios.Size(priv(many.Child[AfterLoad])),
		scenarios.Size(priv(many.Daemon[AtRest])), scenarios.Size(priv(many.Daemon[AfterSequential])), scenarios.Size(priv(many.Daemon[AfterLoad])),
		n, scenarios.Size(priv(emb.Child[AtRest])), underLoad(emb)/1024, scenarios.Size(priv(emb.Child[AfterLoad]))))
	return nil
}

// schedBurners are the scheduler probe's loads: 0 to 8× the cores.
func schedBurners(cores int) []int {
	out := []int{0}
	for _, f := range []float64{0.5, 1, 2, 4, 8} {
		if k := int(f * float64(cores)); k > out[len(out)-1] {
			out = append(out, k)
		}
	}
	return out
}

// deriveForkTime is the parent's CPU per fork over the maintenance bursts
// of at least calBurstLeast forks.
func deriveForkTime(bursts []ForkBurst, startup time.Duration, notes []string) (time.Duration, []string, error) {
	var cpu time.Duration
	forks := 0
	var seen []string
	for _, b := range bursts {
		seen = append(seen, fmt.Sprintf("%d forks in %v", b.Forks, b.CPU.Round(10*time.Microsecond)))
		if b.Forks >= calBurstLeast {
			cpu += b.CPU
			forks += b.Forks
		}
	}
	if forks == 0 {
		return 0, notes, fmt.Errorf("probe: prefork's maintenance made no burst of %d forks or more (%s)", calBurstLeast, strings.Join(seen, ", "))
	}
	ft := cpu / time.Duration(forks)
	notes = append(notes, fmt.Sprintf("prefork maintenance bursts, children initialising Python, the parent's CPU: %s; fork_time %v per fork over the bursts of %d or more (the startup's forks: %v each)",
		strings.Join(seen, ", "), ft.Round(time.Microsecond), calBurstLeast, startup.Round(time.Microsecond)))
	return ft, notes, nil
}

// forkWaited is how much longer than its own CPU time a fork must take, on
// the wall clock, to count as a wait for a core: well above a fork's
// jitter on an idle machine, well below a scheduler round.
const forkWaited = 250 * time.Microsecond

// deriveSched derives the scheduler's constants from the probe (docs/model.md
// §8.4), the model's own terms: a task that becomes runnable while r other
// tasks are runnable on c cores (r ≥ c) waits U(0, 2·mean·q), q = (r − c +
// 1)/c, and a running task is preempted after an exponential run of mean
// sched_run CPU.
//
//   - sched_wake_wait: the least-squares slope through the origin of each
//     load's mean wake-up lateness, less the lateness without burners (the
//     timer's own), on q with r = the burners;
//   - sched_wait: the same slope for the forks that waited (their wall time
//     less their CPU time, past forkWaited), r = the burners and the
//     children forked so far;
//   - sched_run: the forking process's CPU in forks made while every core
//     was taken, divided by the number of those that waited.
func deriveSched(samples []SchedSample, notes []string) (wake, wait, run time.Duration, _ []string) {
	var base float64
	for _, s := range samples {
		if s.Burners == 0 && len(s.Wakes) > 0 {
			base = meanDur(s.Wakes)
		}
	}
	var wq, wqq, fq, fqq, cpu float64
	preempted := 0
	for _, s := range samples {
		c := s.Cores
		late := meanDur(s.Wakes)
		if s.Burners >= c && len(s.Wakes) > 0 {
			q := float64(s.Burners-c+1) / float64(c)
			wq += q * (late - base)
			wqq += q * q
		}
		steps, waited, gaps, forkCPU := 0, 0, 0.0, 0.0
		for _, b := range s.Bursts {
			for i := 1; i < len(b); i++ {
				r := s.Burners + i
				if r < c {
					continue
				}
				dc := b[i].CPU - b[i-1].CPU
				gap := (b[i].Wall - b[i-1].Wall) - dc
				steps++
				cpu += float64(dc)
				forkCPU += float64(dc)
				if gap > forkWaited {
					q := float64(r-c+1) / float64(c)
					waited++
					gaps += float64(gap)
					fq += q * float64(gap)
					fqq += q * q
				}
			}
		}
		preempted += waited
		mg := 0.0
		if waited > 0 {
			mg = gaps / float64(waited)
		}
		mc := 0.0
		if steps > 0 {
			mc = forkCPU / float64(steps)
		}
		notes = append(notes, fmt.Sprintf("scheduler, %d CPU-bound processes on %d cores: %d sleeps woke %v late on average; %d of %d forks among busy cores (%v of CPU each) waited for a core, %v on average",
			s.Burners, c, len(s.Wakes), time.Duration(late).Round(time.Microsecond), waited, steps, time.Duration(mc).Round(time.Microsecond), time.Duration(mg).Round(time.Microsecond)))
	}
	if wqq > 0 {
		wake = time.Duration(max(0, wq/wqq))
	}
	if fqq > 0 {
		wait = time.Duration(max(0, fq/fqq))
	}
	if preempted > 0 {
		run = time.Duration(cpu / float64(preempted))
	}
	notes = append(notes, fmt.Sprintf("scheduler: sched_wake_wait %v and sched_wait %v per queued task per core (means; waits are uniform up to twice that), sched_run %v of CPU between preemptions",
		wake.Round(time.Microsecond), wait.Round(time.Microsecond), run.Round(time.Microsecond)))
	return wake, wait, run, notes
}

// deriveMigrate derives the balancer's constants from the balance probe
// (docs/model.md §8.6), the model's own terms: while the cores' run
// queues hold unequal numbers of tasks, the balancer moves a task at a
// rate of sched_migrate for each task on a longest queue, the waits
// between moves gamma-distributed with shape sched_migrate_shape.
//
//   - sched_migrate: the moves seen (a process on another core than at
//     the sample before, counted when the queues differed) over the time
//     integral, between samples, of the number of tasks on a longest
//     queue while they differed;
//   - sched_migrate_shape: 1/CV² of the waits between the instants at
//     which a process moved, each probe's waits over their own mean,
//     rounded, from 1 to scenarios.MaxSchedMigrateShape.
//
// No move seen gives 0, 0: the model keeps processor sharing.
func deriveMigrate(samples []BalanceSample, notes []string) (float64, int, []string) {
	var moves int
	var exposure float64 // task-seconds on a longest queue while the queues differed
	var waits []float64  // normalised
	for _, s := range samples {
		m0, e0 := moves, exposure
		var at []time.Duration
		for i := 1; i < len(s.Points); i++ {
			prev, cur := s.Points[i-1], s.Points[i]
			load := make(map[int]int, s.Cores)
			for _, c := range prev.CPU {
				load[c]++
			}
			long, short := 0, len(prev.CPU)
			for c := range s.Cores {
				long, short = max(long, load[c]), min(short, load[c])
			}
			if long == short {
				continue
			}
			onLong := 0
			for c := range s.Cores {
				if load[c] == long {
					onLong += long
				}
			}
			exposure += (cur.At - prev.At).Seconds() * float64(onLong)
			moved := 0
			for k := range cur.CPU {
				if k < len(prev.CPU) && cur.CPU[k] != prev.CPU[k] {
					moved++
				}
			}
			if moved > 0 {
				moves += moved
				at = append(at, cur.At)
			}
		}
		var w []float64
		for i := 1; i < len(at); i++ {
			w = append(w, (at[i] - at[i-1]).Seconds())
		}
		if len(w) > 0 {
			mean := stat.Mean(w, nil)
			for _, x := range w {
				waits = append(waits, x/mean)
			}
		}
		rate, meanWait := 0.0, 0.0
		if exposure > e0 {
			rate = float64(moves-m0) / (exposure - e0)
		}
		if len(w) > 0 {
			meanWait = stat.Mean(w, nil)
		}
		notes = append(notes, fmt.Sprintf("balancer, %d CPU-bound processes on %d cores: %d moves in %v (%.2f a second per task on a longest queue), %v between moves on average",
			s.Tasks, s.Cores, moves-m0, lastAt(s.Points).Round(time.Millisecond), rate, time.Duration(meanWait*float64(time.Second)).Round(time.Millisecond)))
	}
	if moves == 0 || exposure == 0 {
		notes = append(notes, "balancer: no process moved between cores: sched_migrate 0 (processor sharing)")
		return 0, 0, notes
	}
	rate := float64(moves) / exposure
	shape := 1
	if len(waits) > 1 {
		if sd := stat.PopStdDev(waits, nil); sd > 0 {
			shape = int(math.Round(1 / (sd * sd)))
		} else {
			shape = scenarios.MaxSchedMigrateShape
		}
	}
	shape = min(max(shape, 1), scenarios.MaxSchedMigrateShape)
	notes = append(notes, fmt.Sprintf("balancer: sched_migrate %.2f tasks moved a second per task on a longest run queue, sched_migrate_shape %d (the waits between moves gamma-distributed)", rate, shape))
	return rate, shape, notes
}

// lastAt is the time of the last point, 0 with none.
func lastAt(p []BalancePoint) time.Duration {
	if len(p) == 0 {
		return 0
	}
	return p[len(p)-1].At
}

func meanDur(v []time.Duration) float64 {
	if len(v) == 0 {
		return 0
	}
	var s float64
	for _, d := range v {
		s += float64(d)
	}
	return s / float64(len(v))
}

func medianOf[T any](xs []T, f func(T) float64) float64 {
	v := make([]float64, len(xs))
	for i, x := range xs {
		v[i] = f(x)
	}
	return median(v)
}

// WriteProfile writes a host profile: a [host] table that scenarios load
// with host.profile = "FILE". header lines become comments.
func WriteProfile(w io.Writer, p Profile, header []string) error {
	var b strings.Builder
	for _, h := range header {
		fmt.Fprintf(&b, "# %s\n", h)
	}
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "# %s\n", n)
	}
	b.WriteString("\n[host]\n")
	kv := map[string]string{
		"apache_shared_text":        kib(p.ApacheSharedText),
		"apache_parent_private":     kib(p.ApacheParentPrivate),
		"apache_child_private":      kib(p.ApacheChildPrivate),
		"python_shared_text":        kib(p.PythonSharedText),
		"python_interpreter":        kib(p.PythonInterpreter),
		"fork_time":                 dur(p.ForkTime),
		"child_init_cpu":            dur(p.ChildInitCPU),
		"python_init_cpu":           dur(p.PythonInitCPU),
		"python_fini_cpu":           dur(p.PythonFiniCPU),
		"exit_free_cpu":             dur(p.ExitFreeCPU),
		"cpu_second":                fmt.Sprintf("%.3f", p.CPUSecond),
		"request_cpu":               dur(p.RequestCPU),
		"request_cpu_daemon":        dur(p.RequestCPUDaemon),
		"sched_wake_wait":           dur(p.SchedWakeWait),
		"sched_wait":                dur(p.SchedWait),
		"sched_run":                 dur(p.SchedRun),
		"sched_wake_preempt":        fmt.Sprintf("%.2f", p.SchedWakePreempt),
		"sched_wake_together":       fmt.Sprintf("%.2f", p.SchedWakeTogether),
		"sched_migrate":             fmt.Sprintf("%.2f", p.SchedMigrate),
		"sched_migrate_shape":       fmt.Sprint(p.SchedMigrateShape),
		"arrival_jitter":            dur(p.ArrivalJitter),
		"restart_cpu":               dur(p.RestartCPU),
		"graceful_child_cpu":        dur(p.GracefulChildCPU),
		"runtime_app_memory":        kib(p.RuntimeAppMemory),
		"runtime_app_text":          kib(p.RuntimeAppText),
		"runtime_app_cpu":           dur(p.RuntimeAppCPU),
		"sub_interpreter_cpu":       dur(p.SubInterpreterCPU),
		"sub_interpreter_fini_cpu":  dur(p.SubInterpreterFini),
		"runtime_app_fini_cpu":      dur(p.RuntimeAppFiniCPU),
		"sub_interpreter_memory":    kib(p.SubInterpreterMemory),
		"apache_thread_private":     kib(p.ApacheThreadPrivate),
		"apache_listener_private":   kib(p.ApacheListener),
		"apache_thread_served":      kib(p.ApacheThreadServed),
		"apache_thread_status":      kib(p.ApacheThreadStatus),
		"connection_pool_memory":    kib(p.ConnectionPoolMemory),
		"connection_pool_first_use": kib(p.ConnectionPoolFirst),
		"connection_pool_growth":    kib(p.ConnectionPoolGrowth),
		"request_pool_memory":       kib(p.RequestPoolMemory),
		"daemon_thread_served":      kib(p.DaemonThreadServed),
		"python_thread_memory":      kib(p.PythonThreadMemory),
		"python_request_memory":     kib(p.PythonRequestMemory),
		"memory_touch_cpu":          dur(p.MemoryTouchCPU),
		"memory_touch_cold_cpu":     dur(p.MemoryTouchColdCPU),
		"memory_warm":               kib(p.MemoryWarm),
	}
	for k, r := range map[string]scenarios.ResponseDelay{"response_delay": p.ResponseDelay, "response_delay_daemon": p.ResponseDelayDaemon} {
		if len(r) > 0 {
			kv[k] = levels(r)
		}
	}
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s = %s\n", k, kv[k])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// levels writes a response delay's levels as a TOML array, one a line.
func levels(r scenarios.ResponseDelay) string {
	var b strings.Builder
	b.WriteString("[\n")
	for _, l := range r {
		t, _ := l.MarshalText()
		fmt.Fprintf(&b, "  %q,\n", t)
	}
	return b.String() + "]"
}

// kib writes a size in whole KiB, as smaps_rollup reports it.
// dur is a duration as a profile writes it: quoted, to the microsecond.
func dur(d time.Duration) string { return fmt.Sprintf("%q", d.Round(time.Microsecond).String()) }

func kib(s scenarios.Size) string {
	return fmt.Sprintf("\"%dKiB\"", (s+scenarios.KiB/2)/scenarios.KiB)
}

// samplesKiB lists samples' private memory in KiB, for the profile's
// notes.
func samplesKiB(r []Memory) string {
	var b strings.Builder
	for i, m := range r {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%d", m.Private>>10)
	}
	return b.String() + " KiB"
}
