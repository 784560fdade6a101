package models

import (
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
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

	// Traffic: every population's and observer's (the workload without
	// populations is one open population of [workload]'s phases).
	loads := trafficOf(&eff)
	for _, t := range loads {
		e.Connections += t.connections
		e.Requests += t.requests
		e.Attempts += t.attempts
		e.Clients += t.clients
	}

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
		{trafficKeys(loads, "retries"), (e.Attempts*eventsPerAttempt + e.Spawns*20) / eventsPerSecond},
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
		{trafficKeys(loads, "client_timeout"), e.Clients * bytesPerClient},
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

// trafficKeys names the keys that make the traffic large: those of the
// populations (or observers) that carry at least a tenth of the requests —
// their rates or users, requests per connection and extra (a client key).
func trafficKeys(loads []load, extra string) string {
	total := 0.0
	for _, l := range loads {
		total += l.requests
	}
	keys := []string{"duration"}
	for _, l := range loads {
		if l.requests >= total/10 {
			keys = append(keys, l.keys...)
			keys = append(keys, l.client+".requests_per_connection", l.client+"."+extra)
		}
	}
	return strings.Join(keys, ", ")
}

// load is one population's share of an Estimate, with the keys that set it
// (extra: where a client key of the population goes).
type load struct {
	connections, requests, attempts, clients float64
	keys                                     []string
	client                                   string // the table its client keys are in
}

// trafficOf bounds the traffic of sc's populations and observers (sc
// effective). An open population: ∫ λ(t) dt of its phases over its
// window, its clients in flight the highest rate over the longest a client
// can stay. A closed one: each user's request takes at least its think
// time and its own CPU (Apache's and the app's mean), and all of them
// together at most the cores' worth of that CPU. A replay: at most a line
// of its log per 40 bytes (the shortest plausible line), times multiply.
func trafficOf(sc *scenarios.Scenario) []load {
	dur := sc.Duration.Seconds()
	w := &sc.Workload
	cpu := math.Max(sc.Host.RequestCPU.Seconds()+sc.App.RequestCPU.Mean(), 1e-6)
	var out []load
	add := func(table string, keys []string, cl *scenarios.Client, window float64, connections, peakRate float64, users int) {
		perConn := math.Max(cl.RequestsPerConnection.Mean(), 1)
		l := load{connections: connections, requests: connections * perConn, keys: keys, client: table}
		if users > 0 {
			cycle := cl.ThinkTime.Mean() + cpu
			l.requests = math.Min(float64(users)*window/cycle, float64(sc.Host.CPUs)*window/cpu) + float64(users)
			l.connections = l.requests/perConn + float64(users)
		}
		// Retries: each attempt after the first waits retry_delay and
		// costs at least Apache's own CPU, so a request makes at most
		// this many.
		minAttempt := cl.RetryDelay.Seconds() + math.Max(sc.Host.RequestCPU.Seconds(), 1e-6)
		l.attempts = l.requests * (1 + math.Min(float64(cl.Retries), dur/minAttempt))
		// Clients in flight: arrivals over the longest a client can stay.
		stay := dur
		if ct := cl.ClientTimeout.Seconds(); ct > 0 {
			stay = math.Min(dur, (ct+cl.RetryDelay.Seconds())*(1+float64(cl.Retries))+cl.IdleAfterLast.Seconds()+
				perConn*(cl.ThinkTime.Mean()+ct))
		}
		l.clients = math.Min(l.connections, peakRate*stay+1)
		if users > 0 {
			l.clients = float64(users)
		}
		out = append(out, l)
	}
	if len(w.Populations) == 0 {
		total, peak := traffic(w.Phases, dur)
		var keys []string
		for i := range w.Phases {
			keys = append(keys, fmt.Sprintf("workload.phase[%d].rate", i))
		}
		add("workload", keys, &w.Client, dur, total, peak, 0)
	}
	for _, t := range []struct {
		table string
		ps    map[string]*scenarios.Population
	}{{"workload.population", w.Populations}, {"workload.observer", w.Observers}} {
		for _, n := range slices.Sorted(maps.Keys(t.ps)) {
			p, key := t.ps[n], t.table+"."+n
			from := math.Min(p.Start.Seconds(), dur)
			to := dur
			if s := p.Stop.Seconds(); s > 0 {
				to = math.Min(s, dur)
			}
			window := math.Max(to-from, 0)
			switch p.Kind {
			case "open":
				total, peak := traffic(p.Phases, window)
				var keys []string
				for i := range p.Phases {
					keys = append(keys, fmt.Sprintf("%s.phase[%d].rate", key, i))
				}
				add(key, keys, &p.Client, window, total, peak, 0)
			case "closed":
				add(key, []string{key + ".users", key + ".think_time"}, &p.Client, window, 0, 0, p.Users)
			case "replay":
				lines := 0.0
				if p.Log != "" {
					path := p.Log
					if !filepath.IsAbs(path) && sc.Source != "" {
						path = filepath.Join(filepath.Dir(sc.Source), path)
					}
					if st, err := os.Stat(path); err == nil {
						lines = float64(st.Size()) / 40
					}
				}
				n := lines * math.Max(p.Multiply, 1)
				add(key, []string{key + ".log", key + ".multiply"}, &p.Client, window, n, n/math.Max(window, 1), 0)
			}
		}
	}
	return out
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
