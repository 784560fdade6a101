package advise

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sweep"
)

// source writes a scenario file and opens it as the search's source.
func source(t *testing.T, text string, sets ...scenarios.Override) sweep.Source {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.toml")
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	src, err := sweep.OpenSource(p, "", sets)
	require.NoError(t, err)
	return src
}

// saturated is prefork in embedded mode with a cheap, lazily imported app
// whose requests wait 1 s on I/O: 30 connections a second need 30 workers,
// far more than the memory budget allows, so every worker added serves
// more requests and fewer clients give up (client_timeout 5 s).
const saturated = `
name = "saturated"
duration = "40s"
seed = 11
[host]
cpus = 2
ram = "4GiB"
[apache]
mpm = "prefork"
keep_alive = false
[app]
import_cpu = "const(10ms)"
import_memory = "10MiB"
request_cpu = "const(1ms)"
request_wait = "const(1s)"
[workload]
arrivals = "poisson"
client_timeout = "5s"
[[workload.phase]]
duration = "40s"
rate = 30.0
[validate]
replications = 4
`

// The memory budget binds: the answer is the largest MaxRequestWorkers
// whose children all fit, computed here from the memory model
// (docs/model.md §8.2): the shared pages once (Apache's text, libpython's,
// the parent's heap) plus N children of private memory each (Apache's
// own, the interpreter, the sub-interpreter, the app).
func TestAdviseMaxRequestWorkersFitsTheBudgetExactly(t *testing.T) {
	src := source(t, saturated)
	sc, err := src.Load()
	require.NoError(t, err)
	h := sc.Host
	// A prefork child that has served: its worker's kept pool and thread
	// state, and what the interpreter's first requests allocated.
	child := float64(h.ApacheChildPrivate+h.ConnectionPoolMemory+h.PythonThreadMemory+h.PythonInterpreter+h.SubInterpreterMemory+h.PythonRequestMemory+sc.App.ImportMemory) / (1 << 20)
	shared := float64(h.ApacheSharedText+h.PythonSharedText+h.ApacheParentPrivate) / (1 << 20)
	budgetMB := shared + 12.5*child // half a child spare: the boundary is not a rounding question
	want := int(math.Floor((budgetMB - shared) / child))
	require.Equal(t, 12, want)

	g := Goals{MemoryBudget: scenarios.Size(budgetMB * (1 << 20)), Errors: DefaultErrors}
	rep, err := Advise(context.Background(), src, g, Options{Replications: 4})
	require.NoError(t, err)
	got := rep.Recommended.Scenario.Apache
	assert.Equal(t, want, got.MaxRequestWorkers, rep.Recommended.Label)
	assert.Equal(t, want, got.ServerLimit)
	assert.False(t, rep.MeetsGoals, "30 workers' worth of traffic cannot meet the error goal with %d", want)
	assert.Contains(t, rep.Binding, "memory budget")
	assert.InDelta(t, shared+float64(want)*child, rep.Recommended.Judgement.WorstPeakMB, 0.5, "every child spawned, all within the budget")
	// One more child is over the budget: the search saw it and refused it.
	for _, c := range rep.Evaluated {
		if c.Scenario.Apache.MaxRequestWorkers == want+1 && c.Family == "prefork, embedded" {
			assert.False(t, c.Judgement.Memory, "MaxRequestWorkers %d should not fit", want+1)
		}
	}
}

// mmc is an M/M/c queue in daemon mode: Poisson arrivals at 45/s, service
// times exponential with mean 100 ms spent waiting on I/O (no CPU, so the
// GIL does not serialise threads), Apache's workers all started and never
// short, so the daemon group's processes × threads are the c servers.
const mmc = `
name = "mmc"
duration = "120s"
seed = 3
[host]
cpus = 4
ram = "4GiB"
request_cpu = "0s"
[apache]
mpm = "event"
start_servers = 4
server_limit = 4
threads_per_child = 50
max_request_workers = 200
min_spare_threads = 25
max_spare_threads = 250
keep_alive = false
[wsgi]
process_group = "app"
restrict_embedded = true
preload = true
[wsgi.daemon_process.app]
processes = 1
threads = 1
[app]
import_cpu = "const(1ms)"
import_memory = "10MiB"
request_cpu = "const(0s)"
request_wait = "exp(100ms)"
[workload]
arrivals = "poisson"
[[workload.phase]]
duration = "120s"
rate = 45.0
`

// erlangC is the probability that an arrival waits in an M/M/c queue with
// offered load a = λ/μ < c.
func erlangC(c int, a float64) float64 {
	sum, term := 0.0, 1.0
	for k := range c {
		if k > 0 {
			term *= a / float64(k)
		}
		sum += term
	}
	last := term * a / float64(c) * float64(c) / (float64(c) - a)
	return last / (sum + last)
}

// mmcP99 is the 99th percentile of the response time (wait + service) of
// an M/M/c FCFS queue: the wait is 0 with probability 1 − C, else
// exponential with rate cμ − λ; the service exponential with rate μ.
func mmcP99(c int, lambda, mu float64) float64 {
	a := lambda / mu
	if float64(c) <= a {
		return math.Inf(1)
	}
	C, th := erlangC(c, a), float64(c)*mu-lambda
	sf := func(t float64) float64 {
		w := (1 + mu*t) * math.Exp(-mu*t)
		if math.Abs(th-mu) > 1e-9 {
			w = (th*math.Exp(-mu*t) - mu*math.Exp(-th*t)) / (th - mu)
		}
		return (1-C)*math.Exp(-mu*t) + C*w
	}
	lo, hi := 0.0, 100.0
	for range 200 {
		m := (lo + hi) / 2
		if sf(m) > 0.01 {
			lo = m
		} else {
			hi = m
		}
	}
	return lo
}

func TestErlangCByHand(t *testing.T) {
	// Known values: C(2, 1) = 1/3; one server is M/M/1, C = ρ.
	assert.InDelta(t, 1.0/3, erlangC(2, 1), 1e-12)
	assert.InDelta(t, 0.7, erlangC(1, 0.7), 1e-12)
	// M/M/1: the response time is exponential with rate μ − λ.
	assert.InDelta(t, math.Log(100)/(10-7), mmcP99(1, 7, 10), 1e-9)
}

// Daemon sizing: the recommended processes × threads is the smallest c
// whose M/M/c p99 (Erlang C) meets the goal, at a moderate load and at a
// heavier one where c − 1 misses the goal by only 12%.
func TestAdviseDaemonSizingMatchesErlangC(t *testing.T) {
	const mu = 10.0
	for _, tc := range []struct {
		lambda float64
		goal   time.Duration
		margin float64 // how far the neighbours' p99 lie from the goal, at least
	}{
		{45, 700 * time.Millisecond, 1.25},
		{90, 556 * time.Millisecond, 1.1},
	} {
		want := 1
		for mmcP99(want, tc.lambda, mu) > tc.goal.Seconds() {
			want++
		}
		// The goal is clear of both neighbours, so that the answer is the
		// queue's, not the noise's.
		require.Less(t, mmcP99(want, tc.lambda, mu)*tc.margin, tc.goal.Seconds())
		require.Greater(t, mmcP99(want-1, tc.lambda, mu), tc.margin*tc.goal.Seconds())

		src := source(t, mmc, scenarios.Override{Key: "workload.phase[0].rate", Value: fmt.Sprint(tc.lambda)})
		rep, err := Advise(context.Background(), src, Goals{MemoryBudget: 3 << 30, P99: tc.goal, Errors: DefaultErrors}, Options{Replications: 5})
		require.NoError(t, err)
		require.True(t, rep.MeetsGoals, rep.Binding)
		d := rep.Recommended.Scenario.WSGI.DaemonProcesses["app"]
		assert.Equal(t, want, d.Processes*d.Threads, "λ = %v: %s (Erlang C: c = %d, p99 %.0f ms; c−1: %.0f ms)", tc.lambda,
			rep.Recommended.Label, want, 1000*mmcP99(want, tc.lambda, mu), 1000*mmcP99(want-1, tc.lambda, mu))
		// (c) and the recommendation meets the goals on replications the
		// search never ran.
		assert.True(t, rep.Verified.Meets(), "λ = %v, fresh replications: %s", tc.lambda, rep.Verified.Why)
		assert.NotEqual(t, rep.Seeds[0], rep.VerifySeeds[0])
	}
}

// A short prefork spike: the recommendation meets the goals on fresh
// replications, and the output does not depend on the number of workers.
func TestAdviseVerifiesAndIgnoresJobs(t *testing.T) {
	src, err := sweep.OpenSource("prefork-spike", "", []scenarios.Override{{Key: "duration", Value: `"90s"`}})
	require.NoError(t, err)
	g := Goals{MemoryBudget: 2 << 30, P99: 5 * time.Second, Errors: DefaultErrors}
	var views [][]byte
	for _, jobs := range []int{1, 2} {
		rep, err := Advise(context.Background(), src, g, Options{Replications: 4, Sweep: sweep.Options{Jobs: jobs}})
		require.NoError(t, err)
		require.True(t, rep.MeetsGoals, rep.Binding)
		assert.True(t, rep.Verified.Meets(), "fresh replications: %s", rep.Verified.Why)
		// Debian's 150 children snowball past the p99 goal.
		for _, a := range rep.Alternatives {
			if a.Family == "Debian" {
				assert.False(t, a.Judgement.Meets())
				assert.Contains(t, a.Judgement.Why, "p99")
			}
		}
		js, err := json.Marshal(rep.jsonView("prefork"))
		require.NoError(t, err)
		views = append(views, js)
	}
	assert.Equal(t, string(views[0]), string(views[1]), "--jobs 1 and 2 give the same advice")
}

func TestGoalsRefuseImpossibleBudgets(t *testing.T) {
	sc, err := scenarios.LoadBuiltin("prefork-spike", "")
	require.NoError(t, err)
	need, _ := MinimumMemory(sc, false)
	for _, g := range []Goals{{MemoryBudget: 0}, {MemoryBudget: -1}, {MemoryBudget: need - 1}, {MemoryBudget: need, Errors: 2}} {
		assert.Error(t, g.Check(sc, false), "%+v", g)
	}
	assert.NoError(t, Goals{MemoryBudget: need}.Check(sc, false))
	err = Goals{MemoryBudget: 10 * scenarios.MiB}.Check(sc, false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "impossible")
	assert.Contains(t, err.Error(), fmt.Sprintf("needs %.1f MB", need.MiBs()))
}

func TestGeometricGrid(t *testing.T) {
	assert.Equal(t, []int{1, 2, 3, 6, 11, 20, 35, 64}, geometric(1, 64, 8))
	assert.Equal(t, []int{1, 2, 3}, geometric(1, 3, 8))
	assert.Equal(t, []int{5}, geometric(5, 5, 8))
}
