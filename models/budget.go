package models

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/forkcast/forkcast/scenarios"
)

// An Estimate is what a simulation of a scenario will cost, computed from
// the scenario alone before anything runs: upper bounds of the work (the
// clients, requests and retries its traffic can make, the processes and
// threads its configuration can hold, the rows it writes) and of the time
// and memory that work takes on a 2-core machine of this project's class.
// The constants below were measured with the benchmarks in bench_test.go
// (events per request, events per second, bytes per object) and are
// deliberately pessimistic: an estimate may be several times the real cost,
// never a fraction of it.
type Estimate struct {
	Connections float64 // client connections the traffic opens
	Requests    float64 // requests those connections carry
	Attempts    float64 // request attempts, every retry included, at worst
	Clients     float64 // clients in flight at once, at worst
	Rows        float64 // timeseries.csv rows
	Processes   float64 // Apache children and mod_wsgi daemons the configuration can hold at once
	Threads     float64 // worker threads in them
	Ticks       float64 // maintenance passes of the parent
	Spawns      float64 // processes forked, at worst

	Wall   time.Duration // wall time of the run, at worst
	Memory float64       // bytes of memory the run holds, at worst

	// Drivers name, for each of Wall and Memory, the scenario keys that
	// make them large, biggest term first.
	WallDrivers, MemoryDrivers []string
}

// Costs, measured (bench_test.go, 2-core VM, 2026-12) and rounded to the
// pessimistic side.
const (
	eventsPerAttempt = 12    // engine events per request attempt (measured ~4-6)
	eventsPerSecond  = 1.5e6 // engine events per wall second in the full model (measured ~3.5e6)
	scanPerSecond    = 1e8   // slot and thread visits per wall second in maintenance
	memPerSecond     = 5e7   // process visits per wall second when memory is re-measured
	bytesPerClient   = 2048  // a client in flight with its connection and request
	bytesPerProcess  = 4096  // a child or daemon: its scoreboard, memory and timers
	bytesPerThread   = 768   // a worker or daemon thread with its timers and closures
	bytesPerRow      = 512   // a timeseries row held until the run ends
	baseMemory       = 64 << 20
)

// EstimateCost returns the cost of simulating sc (resolved, as loaded).
func EstimateCost(sc *scenarios.Scenario) Estimate {
	eff, _ := sc.Effective()
	e := Estimate{}
	dur := eff.Duration.Seconds()
	w := &eff.Workload

	// Traffic: ∫ λ(t) dt over the run, and the highest rate.
	var peakRate float64
	e.Connections, peakRate = traffic(w.Phases, dur)
	perConn := math.Max(w.RequestsPerConnection.Mean(), 1)
	e.Requests = e.Connections * perConn

	// Retries: each attempt after the first waits retry_delay and costs at
	// least Apache's own CPU, so a request makes at most this many.
	minAttempt := w.RetryDelay.Seconds() + math.Max(eff.Host.RequestCPU.Seconds(), 1e-6)
	e.Attempts = e.Requests * (1 + math.Min(float64(w.Retries), dur/minAttempt))

	// Clients in flight: arrivals over the longest a client can stay.
	stay := dur
	if ct := w.ClientTimeout.Seconds(); ct > 0 {
		stay = math.Min(dur, (ct+w.RetryDelay.Seconds())*(1+float64(w.Retries))+w.IdleAfterLast.Seconds()+
			perConn*(w.ThinkTime.Mean()+ct))
	}
	e.Clients = math.Min(e.Connections, peakRate*stay+1)

	// Server: every slot the configuration allows, and the daemons.
	a := eff.Apache
	slots := float64(a.MaxProcesses())
	if a.MPM == "event" {
		slots = float64(a.ServerLimit)
	}
	tpc := 1.0
	if a.Threaded() {
		tpc = float64(a.ThreadsPerChild)
	}
	e.Processes = slots
	e.Threads = slots * tpc
	for _, n := range eff.WSGI.DaemonNames() {
		d := eff.WSGI.DaemonProcesses[n]
		e.Processes += float64(d.Processes)
		e.Threads += float64(d.Processes) * float64(d.Threads+3)
	}
	e.Rows = math.Ceil(dur / eff.Interval.Seconds())
	e.Ticks = dur + float64(len(eff.Events))

	// Processes forked: every slot once, then at most MAX_SPAWN_RATE a
	// tick, or one per connection (MaxConnectionsPerChild 1).
	e.Spawns = e.Processes + math.Min(maxSpawnRate*e.Ticks, e.Connections)
	// Memory is re-measured over every process at each change: a fork, a
	// Python start, each import step, a request that grows, a row.
	changes := e.Spawns*(4+importSteps) + e.Rows
	if eff.App.RequestMemoryGrowth > 0 {
		changes += e.Attempts
	}

	// Time: engine events, maintenance scans, memory re-measurements, rows.
	terms := []struct {
		keys string
		secs float64
	}{
		{trafficKeys(sc, "workload.retries"), (e.Attempts*eventsPerAttempt + e.Spawns*20) / eventsPerSecond},
		{"duration, apache.max_request_workers, apache.server_limit, apache.threads_per_child (maintenance scans every slot and thread each second)", e.Ticks * e.Threads / scanPerSecond},
		{"duration, apache.max_request_workers, apache.start_servers, wsgi.daemon_process.*.processes (every process is re-measured when memory changes)", changes * e.Processes / memPerSecond},
		{"interval (timeseries rows)", e.Rows * (4/eventsPerSecond + 2e-6)},
	}
	secs := 0.0
	for _, tm := range terms {
		secs += tm.secs
	}
	e.Wall = time.Duration(math.Min(secs, 1e9) * float64(time.Second))
	e.WallDrivers = drivers(terms)

	mem := []struct {
		keys string
		secs float64 // bytes, reusing the shape
	}{
		{trafficKeys(sc, "workload.client_timeout"), e.Clients * bytesPerClient},
		{"apache.max_request_workers, apache.server_limit, wsgi.daemon_process.*.processes", e.Processes * bytesPerProcess},
		{"apache.threads_per_child, wsgi.daemon_process.*.threads", e.Threads * bytesPerThread},
		{"interval (timeseries rows)", e.Rows * bytesPerRow},
	}
	e.Memory = baseMemory
	for _, m := range mem {
		e.Memory += m.secs
	}
	e.MemoryDrivers = drivers(mem)
	return e
}

// traffic returns ∫₀^dur λ(t) dt of the phases (the last one continuing
// to the end of the run, as workload.Profile plays them) and the highest
// rate. A sine's integral is bounded by its mean plus what one half period
// above the mean can add.
func traffic(phases []scenarios.Phase, dur float64) (total, peak float64) {
	start := 0.0
	for i, p := range phases {
		pd := p.Duration.Seconds()
		u1 := pd // how far into the phase the run goes
		if i == len(phases)-1 || start+pd > dur {
			u1 = math.Max(dur-start, 0)
		}
		switch p.Shape {
		case "ramp":
			lin := math.Min(u1, pd)
			total += p.Rate * lin
			if pd > 0 {
				total += (p.To - p.Rate) * lin * lin / (2 * pd)
			}
			total += p.To * math.Max(u1-pd, 0)
			peak = math.Max(peak, math.Max(p.Rate, p.To))
		case "sine":
			total += p.Rate*u1 + p.Amplitude*p.Period.Seconds()/math.Pi
			peak = math.Max(peak, p.Rate+p.Amplitude)
		default:
			total += p.Rate * u1
			peak = math.Max(peak, p.Rate)
		}
		start += pd
		if start >= dur {
			break
		}
	}
	return total, peak
}

// trafficKeys names the keys that make the traffic large.
func trafficKeys(sc *scenarios.Scenario, extra string) string {
	keys := []string{"duration"}
	for i := range sc.Workload.Phases {
		keys = append(keys, fmt.Sprintf("workload.phase[%d].rate", i))
	}
	return strings.Join(append(keys, "workload.requests_per_connection", extra), ", ")
}

// drivers orders the terms' keys by their share, largest first, keeping
// those that make at least a tenth of the total.
func drivers(terms []struct {
	keys string
	secs float64
}) []string {
	total := 0.0
	for _, t := range terms {
		total += t.secs
	}
	var out []string
	used := make([]bool, len(terms))
	for range terms {
		best := -1
		for i, t := range terms {
			if !used[i] && (best < 0 || t.secs > terms[best].secs) {
				best = i
			}
		}
		used[best] = true
		if terms[best].secs >= total/10 && terms[best].secs > 0 {
			out = append(out, terms[best].keys)
		}
	}
	return out
}

// Limits are what a run may cost before it is refused: sized for this
// project's class of machine (2 cores, 24 GiB of RAM) with room to spare
// for everything else the machine does.
type Limits struct {
	Wall   time.Duration
	Memory float64 // bytes
}

// DefaultLimits: a quarter of an hour, and 4 GiB.
var DefaultLimits = Limits{Wall: 15 * time.Minute, Memory: 4 << 30}

// A BudgetError is a run refused before it starts: its estimate passes a
// limit. The command reports it as a refusal (exit 2), with the estimate
// and the keys that drive it.
type BudgetError struct {
	What     string // "time" or "memory"
	Estimate string
	Limit    string
	Drivers  []string
	Scenario string
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("refusing to simulate %s: it would take %s of %s, more than the limit of %s; driven by %s (lower them, or pass --force to run anyway)",
		e.Scenario, e.Estimate, e.What, e.Limit, strings.Join(e.Drivers, "; "))
}

// Check returns a *BudgetError if the estimate passes a limit.
func (e Estimate) Check(sc *scenarios.Scenario, l Limits) error {
	if e.Wall > l.Wall {
		return &BudgetError{What: "time", Estimate: "about " + roundDuration(e.Wall), Limit: roundDuration(l.Wall), Drivers: e.WallDrivers, Scenario: sc.Name}
	}
	if e.Memory > l.Memory {
		return &BudgetError{What: "memory", Estimate: fmt.Sprintf("about %.1f GiB", e.Memory/(1<<30)), Limit: fmt.Sprintf("%.1f GiB", l.Memory/(1<<30)), Drivers: e.MemoryDrivers, Scenario: sc.Name}
	}
	return nil
}

// String summarises the estimate in one line.
func (e Estimate) String() string {
	return fmt.Sprintf("~%.3g connections, ~%.3g requests (%.3g attempts at worst), up to %.3g clients at once, %.0f processes, %.0f threads, %.0f rows; at worst %s and %.0f MiB",
		e.Connections, e.Requests, e.Attempts, e.Clients, e.Processes, e.Threads, e.Rows, roundDuration(e.Wall), e.Memory/(1<<20))
}

func roundDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%.0f days", d.Hours()/24)
	case d >= time.Hour:
		return fmt.Sprintf("%.1f h", d.Hours())
	case d >= time.Minute:
		return fmt.Sprintf("%.0f min", d.Minutes())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}
