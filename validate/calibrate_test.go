package validate

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/scenarios"
)

// fakeProber reports fixed figures: children of 200 KiB private and 5 MiB
// shared, Python adding 3.5 MiB private and 2 MiB shared, a minimal script
// 80 KiB and runtime mode's app 1.2 MiB more, 700 KiB of it anonymous; the parent spends
// 1 ms per fork on top of 20 ms, and 42 ms for a restart that forks two
// children; a child 2 ms, 12 ms with Python; a child with Python tears
// down in 8 ms, 3 ms more for a sub-interpreter and 4 ms more for runtime
// mode's app, plus 250 µs per MiB of its private memory; the burn takes
// 1.1 s of wall time per CPU-second.
type fakeProber struct {
	calls   []ApacheProbe
	threads []ThreadsProbe
	// load, if set, is the CPU other load adds to each child of the n-th
	// Apache probe (from 0).
	load func(n int) time.Duration
	// lowBusy, if set, has the first busy request run measure half its
	// requests' CPU (an outlier pair).
	lowBusy  bool
	requests int
	graceful int
}

func (f *fakeProber) Apache(_ context.Context, p ApacheProbe) (ApacheSample, error) {
	f.calls = append(f.calls, p)
	s := ApacheSample{
		Parent:    Memory{RSS: 7 << 20, PSS: 4 << 20, Private: 2 << 20},
		ParentCPU: 20*time.Millisecond + time.Duration(p.Children)*time.Millisecond,
	}
	var teardown []time.Duration
	for range p.Children {
		m := Memory{RSS: 5<<20 + 200<<10, Private: 200 << 10, Anonymous: 150 << 10}
		cpu := 2 * time.Millisecond
		if f.load != nil {
			cpu += f.load(len(f.calls) - 1)
		}
		var fini time.Duration
		if p.Python {
			m.RSS += 3584<<10 + 2<<20
			m.Private += 3584 << 10
			m.Anonymous += 3 << 20
			cpu += 10 * time.Millisecond
			fini += 8 * time.Millisecond
		}
		switch p.App {
		case AppMinimal:
			m.RSS += 80 << 10
			m.Private += 40 << 10
			m.Anonymous += 40 << 10
			if p.SubInterpreter { // Py_NewInterpreter: 2 MiB, 30 ms
				m.RSS += 2 << 20
				m.Private += 2 << 20
				m.Anonymous += 2 << 20
				cpu += 30 * time.Millisecond
				fini += 3 * time.Millisecond
			}
			m.RSS += p.Ballast
			m.Private += p.Ballast
			m.Anonymous += p.Ballast
		case AppRuntime: // 700 KiB of objects, 500 KiB of extension pages, 12 ms
			m.RSS += 80<<10 + 1200<<10
			m.Private += 40<<10 + 700<<10
			m.Anonymous += 40<<10 + 700<<10
			cpu += 12 * time.Millisecond
			fini += 4 * time.Millisecond
		}
		if p.Python {
			fini += time.Duration(250 * float64(time.Microsecond) * float64(m.Private) / (1 << 20))
		}
		teardown = append(teardown, fini)
		s.Children = append(s.Children, m)
		s.ChildCPU = append(s.ChildCPU, cpu)
	}
	if p.Restart {
		s.RestartCPU = 40*time.Millisecond + time.Duration(p.Children)*time.Millisecond
		if p.Graceful { // 500 µs more per child
			s.RestartCPU += time.Duration(p.Children) * 500 * time.Microsecond
		}
		for i, c := range s.ChildCPU {
			s.ReapedCPU += c + teardown[i]
		}
		s.TornDownFirst = -1
		if p.Graceful && p.Python { // a quarter, then none, then half took the parent's core
			s.TornDownFirst = []int{p.Children / 4, 0, p.Children / 2}[f.graceful%3]
			f.graceful++
		}
	}
	return s, nil
}

func (f *fakeProber) Burn(_ context.Context, seconds float64) (time.Duration, error) {
	return time.Duration(1.1 * seconds * float64(time.Second)), nil
}

// Requests: 30 ms of background CPU a second, plus 700 µs per request
// (1.2 ms through a daemon process); the timer wakes 80 µs late.
func (f *fakeProber) Requests(_ context.Context, rate float64, d time.Duration, daemon bool) (RequestsSample, error) {
	n := int64(rate * d.Seconds())
	per := 700 * time.Microsecond
	if daemon {
		per = 1200 * time.Microsecond
	}
	if rate > 0 && !daemon {
		f.requests++
		if f.lowBusy && f.requests == 1 {
			per /= 2
		}
	}
	return RequestsSample{CPU: time.Duration(d.Seconds()*30)*time.Millisecond + time.Duration(n)*per, Completed: n, Lateness: 80 * time.Microsecond}, nil
}

// Responses: a lone request takes its CPU × 1.1 and 700 µs (the burn's
// and request_cpu's), then the client waits 1 ms more after no quiet and
// 3 ms more after 100 ms and longer (1 ms more again from a daemon
// process), plus i × 10 µs for the i-th of them (in a shuffled order).
func (f *fakeProber) Responses(_ context.Context, cpu time.Duration, n int, daemon bool) (ResponsesSample, error) {
	at := time.Duration(1.1*float64(cpu)) + 700*time.Microsecond
	extra := time.Millisecond + time.Duration(min(1, float64(cpu)/float64(100*time.Millisecond))*float64(2*time.Millisecond))
	if daemon {
		extra += time.Millisecond
	}
	var s ResponsesSample
	for i := range n {
		j := (i * 7) % n
		s.Latencies = append(s.Latencies, at+extra+time.Duration(j)*10*time.Microsecond)
	}
	return s, nil
}

// ForkBursts: the parent's maintenance forks 1, 2, 4, 8, 16 and 32
// children; the small bursts at 5 ms of its CPU per fork (a tick's scan and
// log line weigh on one fork), the others at 1.75 ms.
func (f *fakeProber) ForkBursts(context.Context) ([]ForkBurst, error) {
	var out []ForkBurst
	for _, n := range []int{1, 2, 4, 8, 16, 32} {
		per := 1750 * time.Microsecond
		if n < 8 {
			per = 5 * time.Millisecond
		}
		out = append(out, ForkBurst{Forks: n, CPU: time.Duration(n) * per})
	}
	return out, nil
}

// Touch: 20 steps at 0.6 ms per MiB, then the host no longer backs the
// memory and every step costs 3.1 ms per MiB, but for one dear step among
// the warm ones (the machine's noise, not the end of the warm memory).
func (f *fakeProber) Touch(_ context.Context, step int64) (TouchSample, error) {
	s := TouchSample{Step: step}
	mib := time.Duration(step >> 20)
	for i := range 30 {
		per := 600 * time.Microsecond
		if i == 7 || i >= 20 {
			per = 3100 * time.Microsecond
		}
		s.CPU = append(s.CPU, per*mib)
	}
	return s, nil
}

// Balance follows the model on 2 cores: the tasks start as evenly spread
// as they can be, and the balancer moves one from the longer queue to the
// shorter at 5 a second per task on the longer, its waits alternately 0.8
// and 1.2 times their mean (CV 0.2: shape 25); sampled every millisecond
// for 3 s.
func (f *fakeProber) Balance(_ context.Context, n int) (BalanceSample, error) {
	const c = 2
	s := BalanceSample{Cores: c, Tasks: n}
	cpu := make([]int, n)
	for i := range cpu {
		cpu[i] = i % c
	}
	mean := time.Second / time.Duration(5*(n/c+1)) // n/c+1 tasks on the longer queue
	next, k := time.Duration(float64(mean)*0.8), 0
	for at := time.Duration(0); at <= 3*time.Second; at += time.Millisecond {
		if at >= next {
			long := 0 // the longer queue: the one with more tasks
			if 2*countOn(cpu, 1) > n {
				long = 1
			}
			for i := range cpu {
				if cpu[i] == long {
					cpu[i] = 1 - long
					break
				}
			}
			k++
			next += time.Duration(float64(mean) * []float64{1.2, 0.8}[k%2])
		}
		s.Points = append(s.Points, BalancePoint{At: at, CPU: slices.Clone(cpu)})
	}
	return s, nil
}

func countOn(cpu []int, core int) int {
	n := 0
	for _, c := range cpu {
		if c == core {
			n++
		}
	}
	return n
}

// Sched follows the model on 2 cores: a sleep ends 100 µs late, plus 2 ms
// per queued task per core; a fork costs 100 µs of CPU, and every 5th fork
// among busy cores waits 3 ms per queued task per core.
func (f *fakeProber) Sched(_ context.Context, k int) (SchedSample, error) {
	const c = 2
	s := SchedSample{Cores: c, Burners: k}
	q := func(r int) float64 { return float64(r-c+1) / c }
	for range 10 {
		late := 100 * time.Microsecond
		if k >= c {
			late += time.Duration(q(k) * float64(2*time.Millisecond))
		}
		s.Wakes = append(s.Wakes, late)
	}
	for range 3 {
		var b []ForkStep
		var wall, cpu time.Duration
		busy := 0
		for i := range 16 {
			if r := k + i; i > 0 && r >= c {
				busy++
				if busy%5 == 0 {
					wall += time.Duration(q(r) * float64(3*time.Millisecond))
				}
			}
			wall += 100 * time.Microsecond
			cpu += 100 * time.Microsecond
			b = append(b, ForkStep{Wall: wall, CPU: cpu})
		}
		s.Bursts = append(s.Bursts, b)
	}
	return s, nil
}

// Threads: a child of 200 KiB (as a prefork child) + 230 KiB for its
// listener + 14 KiB per idle thread; a thread keeps 8 KiB once it has
// served, 12 KiB more once it has run Python; a connection open at once
// leaves a pool of 24 KiB; an interpreter's first requests keep 224 KiB.
// Requests one at a time reach every child thread (FIFO) on one pool but
// only two daemon threads (mod_wsgi's idle stack).
func (f *fakeProber) Threads(_ context.Context, p ThreadsProbe) (ThreadsSample, error) {
	f.threads = append(f.threads, p)
	var s ThreadsSample
	const k = 1 << 10
	rest := int64(200*k + 230*k + p.Threads*14*k)
	daemonRest := int64(7 << 20)
	if !p.Daemon {
		rest += 3584 * k
	}
	used := func(n int) int64 { // n threads have served Python
		if n == 0 {
			return 0
		}
		return 224*k + int64(n)*(24+8+12)*k
	}
	proxied := func(threads, pools int) int64 { return int64(threads)*8*k + int64(pools)*24*k }
	s.Child[AtRest] = Memory{Private: rest}
	s.Daemon[AtRest] = Memory{Private: daemonRest}
	seq := min(p.Sequential, p.Threads)
	if p.Daemon {
		s.Child[AfterSequential] = Memory{Private: rest + proxied(seq, min(seq, 1))}
		s.Daemon[AfterSequential] = Memory{Private: daemonRest + used(min(seq, 2))}
	} else {
		s.Child[AfterSequential] = Memory{Private: rest + used(seq)}
	}
	// Status requests one at a time reach every thread in turn, each of
	// which keeps 6 KiB more (mod_status runs deeper).
	var status int64
	if p.Status > 0 {
		status = int64(min(p.Status, p.Threads)) * 6 * k
		s.Child[AfterStatus] = Memory{Private: s.Child[AfterSequential].Private + status}
	}
	// Requests at once: a new pool each but the one the requests before
	// them left, which keeps 16 KiB after its first connection and 18 KiB
	// after its second (24 once it has served many).
	if p.Once > 0 {
		s.Child[AfterOnce] = Memory{Private: s.Child[AfterStatus].Private + int64(p.Once-1)*16*k}
		s.Child[AfterTwice] = Memory{Private: s.Child[AfterStatus].Private + int64(p.Once-1)*18*k}
	}
	// After the load the listener has kept threads × 3/4 of the pools
	// (max_recycled_pools) and freed the others.
	kept := min(seq, 1)
	if p.Load > 0 {
		seq = p.Threads
		kept = seq * 3 / 4
	}
	if p.Daemon {
		s.Child[AfterLoad] = Memory{Private: rest + status + proxied(seq, kept)}
		s.Daemon[AfterLoad] = Memory{Private: daemonRest + used(seq)}
	} else {
		s.Child[AfterLoad] = Memory{Private: rest + used(seq) - int64(seq-kept)*24*k}
	}
	// Under the load a pool per thread, and every thread's request holds
	// 16 KiB more while in progress, returned after the load. The first
	// five seconds' samples come a KiB a pool short per second, then 0, +2
	// or -2 KiB a pool in turn (the last three samples' mean is the level
	// under load).
	for i := 1; i <= int(p.Load/time.Second); i++ {
		short := int64(max(0, 5-i)) * k
		if i > 5 {
			short = int64([]int{0, 2, -2}[i%3]) * k
		}
		m := s.Child[AfterLoad]
		m.Private += int64(seq-kept)*24*k + int64(seq)*16*k - int64(seq-1)*short
		s.ChildLoad = append(s.ChildLoad, m)
	}
	return s, nil
}

func TestCalibrateAndProfileLoads(t *testing.T) {
	fp := &fakeProber{}
	prof, err := Calibrate(context.Background(), fp)
	require.NoError(t, err)
	preloads := []ApacheProbe{{Children: 16, Python: true, App: AppMinimal, Restart: true}, {Children: 8, Python: true, App: AppMinimal, Ballast: 64 << 20, Restart: true},
		{Children: 16, Python: true, App: AppRuntime, Restart: true},
		{Children: 16, Python: true, App: AppMinimal, SubInterpreter: true, Restart: true}}
	graceful := ApacheProbe{Children: 16, Python: true, Restart: true, Graceful: true}
	calls := []ApacheProbe{{Children: 2, Restart: true}, {Children: 16}}
	for range calGracefulRestarts {
		calls = append(calls, graceful)
	}
	for range calRepeats {
		calls = append(calls, preloads...) // in turns
	}
	assert.Equal(t, calls, fp.calls)
	assert.Equal(t, []ThreadsProbe{{Threads: 8, Daemon: true}, {Threads: 40, Daemon: true, Sequential: 50, Status: 50, Once: 30, Load: 8 * time.Second}, {Threads: 40, Load: 8 * time.Second}}, fp.threads)
	assert.Equal(t, scenarios.Size(14<<10), prof.ApacheThreadPrivate, "an idle thread")
	assert.Equal(t, scenarios.Size(230<<10), prof.ApacheListener, "an event child beyond its threads and a prefork child")
	assert.Equal(t, scenarios.Size(8<<10), prof.ApacheThreadServed, "a thread that has served")
	assert.Equal(t, scenarios.Size(6<<10), prof.ApacheThreadStatus, "a thread that has served a status request, beyond that")
	assert.Equal(t, scenarios.Size(24<<10), prof.ConnectionPoolMemory, "a transaction pool")
	assert.Equal(t, scenarios.Size(16<<10), prof.ConnectionPoolFirst, "a transaction pool after its first connection")
	assert.Equal(t, scenarios.Size(2<<10), prof.ConnectionPoolGrowth, "what its second connection added")
	assert.Equal(t, scenarios.Size(16<<10), prof.RequestPoolMemory, "a request in progress")
	assert.Equal(t, scenarios.Size(32<<10), prof.DaemonThreadServed, "what a daemon thread keeps once it has served")
	assert.Equal(t, scenarios.Size(12<<10), prof.PythonThreadMemory, "a thread's state in the interpreter")
	assert.Equal(t, scenarios.Size(224<<10), prof.PythonRequestMemory, "an interpreter's first requests")
	assert.Equal(t, 30*time.Millisecond, prof.SubInterpreterCPU, "a sub-interpreter's CPU over %{GLOBAL}'s")
	assert.Equal(t, scenarios.Size(2<<20), prof.SubInterpreterMemory)
	assert.Equal(t, scenarios.Size(700<<10), prof.RuntimeAppMemory, "the runtime app's anonymous memory over a minimal script's")
	assert.Equal(t, scenarios.Size(500<<10), prof.RuntimeAppText, "the rest of its RSS: file pages")
	assert.Equal(t, 12*time.Millisecond, prof.RuntimeAppCPU, "the runtime app's CPU over a minimal script's")
	assert.Equal(t, scenarios.Size(2<<20), prof.ApacheParentPrivate)
	assert.Equal(t, scenarios.Size(200<<10), prof.ApacheChildPrivate)
	assert.Equal(t, scenarios.Size(5<<20), prof.ApacheSharedText)
	assert.Equal(t, scenarios.Size(3584<<10), prof.PythonInterpreter)
	assert.Equal(t, scenarios.Size(2<<20), prof.PythonSharedText)
	assert.Equal(t, 1750*time.Microsecond, prof.ForkTime, "the parent's CPU per fork in its bursts of 8 or more")
	assert.Equal(t, 2*time.Millisecond, prof.ChildInitCPU)
	assert.Equal(t, 10*time.Millisecond, prof.PythonInitCPU)
	assert.Equal(t, 40*time.Millisecond, prof.RestartCPU, "the restart less its forks, at the startup probes' 1 ms each")
	assert.Equal(t, 500*time.Microsecond, prof.GracefulChildCPU, "a graceful restart's extra per child")
	assert.Equal(t, 0.25, prof.SchedWakePreempt, "4, 0, 8, 4, 0 and 8 of 16 teardowns before the new generation")
	// Their variance, 12.8, is 4.27 times a binomial's (16 × 0.25 × 0.75).
	assert.InDelta(t, (12.8/3-1)/15, prof.SchedWakeTogether, 1e-9)
	assert.Equal(t, 600*time.Microsecond, prof.MemoryTouchCPU, "per MiB, while the host backs it")
	assert.Equal(t, 3100*time.Microsecond, prof.MemoryTouchColdCPU, "per MiB, beyond")
	assert.Equal(t, scenarios.Size(400<<20), prof.MemoryWarm, "20 steps of 20 MiB before the run of dear ones; the lone dear step is noise")
	assert.InDelta(t, float64(8*time.Millisecond), float64(prof.PythonFiniCPU), 1e3, "the teardown less freeing the child's private memory")
	assert.InDelta(t, float64(250*time.Microsecond), float64(prof.ExitFreeCPU), 1e3, "per MiB freed")
	assert.InDelta(t, float64(3*time.Millisecond), float64(prof.SubInterpreterFini), 1e3, "a sub-interpreter's teardown less freeing its memory")
	assert.InDelta(t, float64(4*time.Millisecond), float64(prof.RuntimeAppFiniCPU), 1e3, "the runtime app's modules' teardown")
	assert.InDelta(t, 1.1, prof.CPUSecond, 1e-9)
	assert.Equal(t, 700*time.Microsecond, prof.RequestCPU, "the extra CPU over the extra requests; background excluded")
	assert.Equal(t, 1200*time.Microsecond, prof.RequestCPUDaemon, "the same through a daemon process")
	assert.Equal(t, 80*time.Microsecond, prof.ArrivalJitter)
	require.Len(t, prof.ResponseDelay, 5, "a level per CPU of the responses probe")
	for i, cpu := range calResponseCPU {
		l := prof.ResponseDelay[i]
		assert.Equal(t, time.Duration(1.1*float64(cpu))+700*time.Microsecond, l.Quiet, "at the server: CPU × cpu_second + request_cpu")
		base := time.Millisecond + time.Duration(min(1, float64(cpu)/float64(100*time.Millisecond))*float64(2*time.Millisecond))
		require.Len(t, l.Quantiles, 11)
		assert.Equal(t, base, l.Quantiles[0], "the least extra time")
		assert.Equal(t, base+(calResponses-1)*5*time.Microsecond, l.Quantiles[5], "the median")
		assert.Equal(t, base+(calResponses-1)*10*time.Microsecond, l.Quantiles[10], "the most")
		assert.Equal(t, base+time.Millisecond-500*time.Microsecond, prof.ResponseDelayDaemon[i].Quantiles[0],
			"a daemon process's answer: 1 ms more, of which request_cpu_daemon holds 0.5 ms")
	}
	assert.InDelta(t, float64(2*time.Millisecond), float64(prof.SchedWakeWait), 1e3, "the wake-up lateness over the timer's own, per queued task per core")
	assert.InDelta(t, float64(3*time.Millisecond), float64(prof.SchedWait), 1e3)
	assert.InDelta(t, float64(500*time.Microsecond), float64(prof.SchedRun), float64(60*time.Microsecond), "five forks of 100 µs between waits")
	assert.InDelta(t, 5, prof.SchedMigrate, 0.2, "moves a second per task on the longer queue")
	assert.InDelta(t, 25, prof.SchedMigrateShape, 4, "waits with a CV of 0.2")

	dir := t.TempDir()
	var b strings.Builder
	require.NoError(t, WriteProfile(&b, prof, []string{"test machine"}))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "calibrated.toml"), []byte(b.String()), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "s.toml"), []byte("[host]\nprofile = \"calibrated.toml\"\n[[workload.phase]]\nduration = \"5s\"\nrate = 1\n"), 0o644))
	sc, err := scenarios.Load(filepath.Join(dir, "s.toml"), "")
	require.NoError(t, err, b.String())
	assert.Equal(t, 1.1, sc.Host.CPUSecond)
	assert.Equal(t, 700*time.Microsecond, sc.Host.RequestCPU.Duration)
	assert.Equal(t, 1200*time.Microsecond, sc.Host.RequestCPUDaemon.Duration)
	assert.Equal(t, scenarios.Size(3584<<10), sc.Host.PythonInterpreter)
	assert.Equal(t, 1750*time.Microsecond, sc.Host.ForkTime.Duration)
	assert.Equal(t, 10*time.Millisecond, sc.Host.PythonInitCPU.Duration)
	assert.Equal(t, 3100*time.Microsecond, sc.Host.MemoryTouchColdCPU.Duration)
	assert.Equal(t, scenarios.Size(400<<20), sc.Host.MemoryWarm)
	assert.Equal(t, prof.SchedWait.Round(time.Microsecond), sc.Host.SchedWait.Duration)
	assert.Equal(t, 80*time.Microsecond, sc.Host.ArrivalJitter.Duration)
	assert.Equal(t, prof.ResponseDelay, sc.Host.ResponseDelay, "the levels as written")
	assert.Equal(t, prof.ResponseDelayDaemon, sc.Host.ResponseDelayDaemon)
	assert.Equal(t, 40*time.Millisecond, sc.Host.RestartCPU.Duration)
	assert.Equal(t, 500*time.Microsecond, sc.Host.GracefulChildCPU.Duration)
	assert.Equal(t, 0.25, sc.Host.SchedWakePreempt)
	assert.Equal(t, 0.22, sc.Host.SchedWakeTogether, "as written, to two places")
	assert.Equal(t, scenarios.Size(700<<10), sc.Host.RuntimeAppMemory)
	assert.Equal(t, scenarios.Size(500<<10), sc.Host.RuntimeAppText)
	assert.Equal(t, 12*time.Millisecond, sc.Host.RuntimeAppCPU.Duration)
	assert.Equal(t, prof.ExitFreeCPU.Round(time.Microsecond), sc.Host.ExitFreeCPU.Duration)
	assert.Equal(t, prof.SubInterpreterFini.Round(time.Microsecond), sc.Host.SubInterpreterFiniCPU.Duration)
	assert.Equal(t, prof.RuntimeAppFiniCPU.Round(time.Microsecond), sc.Host.RuntimeAppFiniCPU.Duration)
	assert.Equal(t, 30*time.Millisecond, sc.Host.SubInterpreterCPU.Duration)
	assert.Equal(t, scenarios.Size(2<<20), sc.Host.SubInterpreterMemory)
	assert.Equal(t, scenarios.Size(230<<10), sc.Host.ApacheListenerPrivate)
	assert.Equal(t, scenarios.Size(8<<10), sc.Host.ApacheThreadServed)
	assert.Equal(t, scenarios.Size(24<<10), sc.Host.ConnectionPoolMemory)
	assert.Equal(t, scenarios.Size(32<<10), sc.Host.DaemonThreadServed)
	assert.Equal(t, scenarios.Size(16<<10), sc.Host.ConnectionPoolFirstUse)
	assert.Equal(t, scenarios.Size(2<<10), sc.Host.ConnectionPoolGrowth)
	assert.Equal(t, scenarios.Size(224<<10), sc.Host.PythonRequestMemory)
}

// The preload probes run in turns and each keeps its run of least CPU:
// other load that slowed one run of the runtime app's probe (and another
// of the minimal script's) changes no constant.
func TestCalibrateKeepsEachPreloadProbesLeastCPU(t *testing.T) {
	quiet, err := Calibrate(context.Background(), &fakeProber{})
	require.NoError(t, err)
	// The preload probes come after the small, the large and the
	// graceful probes.
	const first = 2 + calGracefulRestarts
	loaded := &fakeProber{load: func(n int) time.Duration {
		switch n {
		case first + 2, first + 4: // the runtime app's first run, the minimal script's second
			return 20 * time.Millisecond
		}
		return 0
	}}
	prof, err := Calibrate(context.Background(), loaded)
	require.NoError(t, err)
	assert.Equal(t, quiet.RuntimeAppCPU, prof.RuntimeAppCPU)
	assert.Equal(t, quiet.SubInterpreterCPU, prof.SubInterpreterCPU)
	assert.Equal(t, quiet.PythonFiniCPU, prof.PythonFiniCPU)
	assert.Equal(t, 12*time.Millisecond, prof.RuntimeAppCPU)

	always := &fakeProber{load: func(n int) time.Duration {
		if n >= first && (n-first)%4 == 2 { // every run of the runtime app's probe
			return 20 * time.Millisecond
		}
		return 0
	}}
	prof, err = Calibrate(context.Background(), always)
	require.NoError(t, err)
	assert.Equal(t, 32*time.Millisecond, prof.RuntimeAppCPU, "load in every run is measured")
}

// One pair of request runs that measured too little CPU does not set
// request_cpu: it is the median of calRepeats pairs.
func TestRequestCPUIsTheMedianOfPairs(t *testing.T) {
	fp := &fakeProber{lowBusy: true}
	prof, err := Calibrate(context.Background(), fp)
	require.NoError(t, err)
	assert.Equal(t, calRepeats, fp.requests)
	assert.Equal(t, 700*time.Microsecond, prof.RequestCPU)
}

// fork_time counts the bursts of 8 forks or more; a probe whose parent
// never made one is an error that says what it saw.
func TestForkTimeNeedsABurst(t *testing.T) {
	ft, notes, err := deriveForkTime([]ForkBurst{{Forks: 8, CPU: 6 * time.Millisecond}, {Forks: 16, CPU: 12 * time.Millisecond}, {Forks: 2, CPU: 9 * time.Millisecond}}, 400*time.Microsecond, nil)
	require.NoError(t, err)
	assert.Equal(t, 750*time.Microsecond, ft)
	require.Len(t, notes, 1)
	assert.Contains(t, notes[0], "16 forks in 12ms")
	_, _, err = deriveForkTime([]ForkBurst{{Forks: 1, CPU: time.Millisecond}, {Forks: 4, CPU: 3 * time.Millisecond}}, 0, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no burst of 8 forks or more (1 forks in 1ms, 4 forks in 3ms)")
}

// wakeShares reads the counts of teardowns ahead of the new generation as
// the model draws them: a share, and how much each restart's children went
// the same way.
func TestWakeSharesReadsTheRestartsSpread(t *testing.T) {
	for _, c := range []struct {
		counts          []int
		share, together float64
	}{
		{[]int{4, 0, 8}, 0.25, (16.0/3 - 1) / 15},
		{[]int{16, 0, 16, 0}, 0.5, 1},     // all or none: more spread than ρ = 1 even gives is kept at 1
		{[]int{8, 8, 8, 8}, 0.5, 0},       // less spread than children on their own: 0
		{[]int{0, 0, 0}, 0, 1},            // none ever first: nothing to correlate
		{[]int{16, 16}, 1, 1},             // all, always
		{[]int{3, 7, 0}, 10.0 / 48, 0.24}, // this project's VM, 2026-12-05
	} {
		share, together := wakeShares(c.counts, 16)
		assert.InDelta(t, c.share, share, 1e-9, "%v: share", c.counts)
		assert.InDelta(t, c.together, together, 0.005, "%v: together", c.counts)
	}
}
