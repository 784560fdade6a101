// Package plotstest makes plausible result runs for tests of figures and
// reports that need a story that does not move when the simulator changes.
// They are hand-made, not simulation output:
//
//   - PreforkSpike: prefork's defaults on a 256 MB VPS. Load jumps from 5 to
//     80 requests/s at 10 s; Apache forks 1, 2, 4, 8, 16, 32 children per
//     second while each new child spends 8 s importing a 30 MB app, up to
//     MaxRequestWorkers=150 (about 4.5 GB of PSS); the backlog fills and
//     latency explodes.
//   - DaemonFlat: the same load against mod_wsgi daemon mode (worker MPM,
//     2 daemon processes): process count and memory stay flat.
//
// The seed adds a few percent of deterministic noise, so replications differ.
package plotstest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/forkcast/forkcast/results"
)

const (
	duration  = 60   // s
	ramMB     = 256  // the VPS
	swapMB    = 512  //
	parentMB  = 12   // Apache parent PSS
	childMB   = 4    // a prefork child before importing the app
	appMB     = 26   // what importing the app adds: 30 MB per child in all
	startKids = 5    // StartServers
	maxKids   = 150  // MaxRequestWorkers
	importS   = 8    // a new child's import time, in whole intervals
	serviceS  = 0.05 // CPU time of one request when nothing is importing
	backlog   = 511  // ListenBacklog
)

// offered is the request rate at second t.
func offered(t int) float64 {
	if t >= 10 && t < 40 {
		return 80
	}
	return 5
}

// PreforkSpike is the prefork story (see the package comment) as written by
// source (results.SourceSimulator or results.SourceRuntime). Runtime output
// has no PSS split by process kind, like a host where smaps is unreadable.
func PreforkSpike(source string, seed uint64) results.Run {
	rng := rand.New(rand.NewPCG(seed, 7))
	var rows []results.Row
	var born []int // second each child was forked; negative for StartServers
	for range startKids {
		born = append(born, -importS-2)
	}
	var queue, spawnRate float64
	var log []results.LogLine
	var s results.Summary
	for t := range duration {
		row := results.Row{TimeS: float64(t)}
		rate := offered(t) * noise(rng)

		// Maintenance: double the spawn rate each second while short of
		// idle children (prefork caps it at 32 per second).
		ready, _, _ := ages(born, t)
		idleBefore := float64(ready) - math.Min(float64(ready), rate*serviceS)
		if t >= 10 && t < 40 && idleBefore < 5 && len(born) < maxKids {
			spawnRate = math.Max(1, math.Min(32, 2*spawnRate))
			n := min(int(spawnRate), maxKids-len(born))
			for range n {
				born = append(born, t)
			}
			row.Spawns = float64(n)
			log = append(log, busyLine(t, n, len(born)-n))
			if len(born) == maxKids {
				log = append(log, maxWorkersLine(t))
			}
		} else {
			spawnRate = 0
		}
		if t >= 45 && len(born) > 15 { // idle children killed one per second
			born = born[:len(born)-1]
			row.Kills = 1
		}
		ready, importing, starting := ages(born, t)

		// Importing children compete for the CPU with requests.
		service := serviceS * (1 + float64(importing)/4)
		capacity := float64(ready) / service
		done := math.Min(rate+queue, capacity)
		queue = math.Max(0, queue+rate-done)
		var refused float64
		if queue > backlog {
			refused, queue = queue-backlog, backlog
		}
		wait := queue / math.Max(capacity, 0.1)
		row.Busy = math.Min(float64(ready), done*service)
		row.Importing = float64(importing)
		row.Starting = float64(starting)
		row.KeepAlive = math.Min(float64(ready)-row.Busy, 0.3*rate)
		row.Closing = 0.05 * row.Busy
		row.Idle = math.Max(0, float64(ready)-row.Busy-row.KeepAlive-row.Closing)
		row.ApacheChildren = float64(len(born))
		row.ListenQueue = queue
		row.Arrivals = rate
		row.Completions = done
		var timedOut float64
		if wait > 20 { // clients give up after 30 s
			timedOut = 0.2 * rate
		}
		row.Failures = refused + timedOut
		s.Requests.Failures.Refused += int64(refused)
		s.Requests.Failures.ClientTimeout += int64(timedOut)
		if done > 0.5 {
			// Clients give up after 30 s, so completed requests took less.
			row.LatencyP50MS = math.Min(20000, 1000*(service+wait)*noise(rng))
			row.LatencyP99MS = math.Min(30000, 4*row.LatencyP50MS+200*float64(importing))
		}
		row.ChildrenPSSMB = childrenPSS(born, t)
		row.ParentPSSMB = parentMB
		row.PSSMB = row.ParentPSSMB + row.ChildrenPSSMB
		row.RSSMB = row.PSSMB * 1.3
		row.SwapMB = math.Min(swapMB, math.Max(0, row.PSSMB-ramMB))
		row.CPUUtil = math.Min(1, done*service/2+float64(importing)/2)
		tally(&s, row)
		rows = append(rows, row)
	}
	s.MPM, s.Mode, s.MaxWorkers = "prefork", "embedded", maxKids
	s.Scenario, s.Variant = "prefork-vps", "defaults"
	s.Imports = startKids + s.Spawns
	log = append(startLog(), log...)
	h := finish(&s, rows, log, source, seed)
	if source == results.SourceRuntime {
		for i := range rows {
			rows[i].ParentPSSMB, rows[i].ChildrenPSSMB = 0, 0
		}
	}
	return results.Run{Summary: s, Rows: rows, Log: log, Latencies: h}
}

// DaemonFlat is the same load served by mod_wsgi daemon mode: worker MPM
// with 2 children of 25 threads proxying to 2 daemon processes.
func DaemonFlat(source string, seed uint64) results.Run {
	rng := rand.New(rand.NewPCG(seed, 11))
	var rows []results.Row
	var s results.Summary
	for t := range duration {
		rate := offered(t) * noise(rng)
		latency := 60 * noise(rng)
		row := results.Row{
			TimeS:           float64(t),
			ApacheChildren:  2,
			DaemonProcesses: 2,
			Busy:            rate * latency / 1000,
			KeepAlive:       0.3 * rate,
			DaemonBusy:      rate * serviceS,
			DaemonQueue:     math.Max(0, rate/80-0.9) * 6,
			Arrivals:        rate,
			Completions:     rate,
			LatencyP50MS:    latency,
			LatencyP99MS:    latency * 3.5,
			ParentPSSMB:     parentMB,
			ChildrenPSSMB:   2 * 8,
			DaemonPSSMB:     2 * (childMB + appMB + 10),
			CPUUtil:         rate * serviceS / 2,
		}
		row.Idle = 50 - row.Busy - row.KeepAlive
		row.PSSMB = row.ParentPSSMB + row.ChildrenPSSMB + row.DaemonPSSMB
		row.RSSMB = row.PSSMB * 1.3
		if t == 0 {
			row.Spawns = 2
		}
		tally(&s, row)
		rows = append(rows, row)
	}
	s.MPM, s.Mode, s.MaxWorkers = "worker", "daemon", 150
	s.Scenario, s.Variant = "prefork-vps", "daemon"
	s.DaemonStarts, s.Imports = 2, 2
	h := finish(&s, rows, startLog(), source, seed)
	return results.Run{Summary: s, Rows: rows, Log: startLog(), Latencies: h}
}

// noise is a factor near 1: a few percent of deterministic jitter.
func noise(rng *rand.Rand) float64 { return 1 + 0.04*rng.NormFloat64() }

// ages counts children ready, importing and starting at second t.
func ages(born []int, t int) (ready, importing, starting int) {
	for _, b := range born {
		switch age := t - b; {
		case age < 1:
			starting++
		case age <= importS:
			importing++
		default:
			ready++
		}
	}
	return ready, importing, starting
}

// childrenPSS grows each child's PSS linearly while it imports the app.
func childrenPSS(born []int, t int) float64 {
	var mb float64
	for _, b := range born {
		progress := math.Min(1, math.Max(0, float64(t-b)/importS))
		mb += childMB + appMB*progress
	}
	return mb
}

// tally accumulates a row into the summary's totals (but failures) and peaks.
func tally(s *results.Summary, r results.Row) {
	s.Peak.ApacheChildren = max(s.Peak.ApacheChildren, int(r.ApacheChildren))
	s.Peak.DaemonProcesses = max(s.Peak.DaemonProcesses, int(r.DaemonProcesses))
	s.Peak.Processes = max(s.Peak.Processes, int(r.ApacheChildren+r.DaemonProcesses)+1)
	s.Peak.PSSMB = math.Max(s.Peak.PSSMB, r.PSSMB)
	s.Peak.RSSMB = math.Max(s.Peak.RSSMB, r.RSSMB)
	s.Peak.ListenQueue = max(s.Peak.ListenQueue, int(r.ListenQueue))
	s.Peak.DaemonQueue = max(s.Peak.DaemonQueue, int(r.DaemonQueue))
	s.Requests.Offered += int64(r.Arrivals)
	s.Spawns += int64(r.Spawns)
	s.Kills += int64(r.Kills)
}

// finish fills what every run's summary has: identity, the latency
// histogram (each interval's completions drawn from a log-normal through
// its p50 and p99) and its quantiles, request totals that add up, and
// throughput.
func finish(s *results.Summary, rows []results.Row, log []results.LogLine, source string, seed uint64) *results.Histogram {
	s.Forkcast, s.Source, s.Seed = results.Version, source, seed
	s.DurationS, s.IntervalS = duration, 1
	s.RAMMB, s.SwapMB = ramMB, swapMB
	s.Start = results.SimulatorEpoch.Format(time.RFC3339)
	if source == results.SourceRuntime {
		s.Start = "2025-03-01T12:00:00Z"
	}
	rng := rand.New(rand.NewPCG(seed, 13))
	h := results.NewHistogram()
	for _, r := range rows {
		n := int64(r.Completions)
		if n == 0 || r.LatencyP50MS <= 0 {
			continue
		}
		sigma := math.Max(math.Log(r.LatencyP99MS/r.LatencyP50MS)/2.326, 0.01)
		for range n {
			ms := r.LatencyP50MS * math.Exp(sigma*rng.NormFloat64())
			h.Record(time.Duration(ms * float64(time.Millisecond)))
		}
	}
	s.Latency = results.Latency{P50: h.QuantileMS(0.5), P90: h.QuantileMS(0.9), P99: h.QuantileMS(0.99), Max: h.MaxMS(), Mean: h.MeanMS()}
	q := &s.Requests
	q.Completed = h.Count()
	q.Failed = q.Failures.Total()
	if q.Unfinished = q.Offered - q.Completed - q.Failed; q.Unfinished < 0 {
		q.Offered -= q.Unfinished
		q.Unfinished = 0
	}
	s.Throughput = float64(q.Completed) / duration
	s.LogCounts = map[string]int64{}
	for _, l := range log {
		s.LogCounts[l.Msg[:7]]++ // every fixture message starts with its AH number
	}
	return h
}

func startLog() []results.LogLine {
	return []results.LogLine{{
		Module: "mpm_prefork", Level: "notice", PID: 1,
		Msg: "AH00163: Apache/2.4.62 (Debian) mod_wsgi/4.9.4 Python/3.11 configured -- resuming normal operations",
	}}
}

func busyLine(t, spawning, total int) results.LogLine {
	return results.LogLine{
		At: time.Duration(t) * time.Second, Module: "mpm_prefork", Level: "info", PID: 1,
		Msg: fmt.Sprintf("AH00162: server seems busy, (you may need to increase StartServers, or Min/MaxSpareServers), spawning %d children, there are 0 idle, and %d total children", spawning, total),
	}
}

func maxWorkersLine(t int) results.LogLine {
	return results.LogLine{
		At: time.Duration(t) * time.Second, Module: "mpm_prefork", Level: "error", PID: 1,
		Msg: "AH00161: server reached MaxRequestWorkers setting, consider raising the MaxRequestWorkers setting",
	}
}
