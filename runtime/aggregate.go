package runtime

import (
	"math"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

const mb = 1 << 20

// aggregate turns a run's observations into the shared results format: one
// Row per scenario interval (gauges are the mean of the interval's samples,
// counters are totals, latencies are quantiles of requests that completed in
// the interval) and the Summary.
func aggregate(s *scenarios.Scenario, t0 time.Time, sched []Arrival, res *Result, raw []rawLogLine, notes []results.LogLine, fired []time.Duration) results.Run {
	iv := s.Interval.Duration
	n := int((s.Duration.Duration + iv - 1) / iv)
	rows := make([]results.Row, n)
	idx := func(at time.Duration) int {
		if at < 0 {
			return 0
		}
		i := int(at / iv)
		if i >= n {
			return -1
		}
		return i
	}
	for i := range rows {
		rows[i].TimeS = (time.Duration(i) * iv).Seconds()
	}
	tpc := 1
	if s.Apache.Threaded() {
		tpc = s.Apache.ThreadsPerChild
	}

	// Gauges: mean over the interval's samples.
	type acc struct {
		n, nsb                                                int
		children, daemons, importing, daemonBusy, lq, dq, cpu float64
		pss, rss, ppss, cpss, dpss, swap                      float64
		starting, idle, busy, keepalive, closing, parked      float64
	}
	accs := make([]acc, n)
	firstSeen := map[int]time.Duration{} // Apache children
	lastSeen := map[int]time.Duration{}
	daemonSeen := map[int]bool{}
	initialDaemons := 0
	peak := results.Peak{}
	var taken *Scoreboard // the last scoreboard with workers not idle
	for k, sm := range res.Samples {
		for _, p := range sm.Children {
			if _, ok := firstSeen[p.Pid]; !ok {
				// A spawn belongs to the interval its fork happened in (the
				// process's start time), not to the sample that first saw it
				// up to a period later; forks before t=0 count in the first.
				at := sm.At
				if p.Started != 0 {
					at = p.Started
				}
				if k == 0 || at < 0 {
					at = 0
				}
				firstSeen[p.Pid] = at
			}
			lastSeen[p.Pid] = sm.At
		}
		for _, p := range sm.Daemons {
			if !daemonSeen[p.Pid] && k == 0 {
				initialDaemons++
			}
			daemonSeen[p.Pid] = true
		}
		pss, ppss, cpss, dpss := sm.total(func(p ProcInfo) int64 { return p.PSS })
		rss, _, _, _ := sm.total(func(p ProcInfo) int64 { return p.RSS })
		swap, _, _, _ := sm.total(func(p ProcInfo) int64 { return p.Swap })
		peak.ApacheChildren = max(peak.ApacheChildren, len(sm.Children))
		peak.DaemonProcesses = max(peak.DaemonProcesses, len(sm.Daemons))
		peak.Processes = max(peak.Processes, 1+len(sm.Children)+len(sm.Daemons))
		peak.PSSMB = math.Max(peak.PSSMB, float64(pss)/mb)
		peak.RSSMB = math.Max(peak.RSSMB, float64(rss)/mb)
		peak.ListenQueue = max(peak.ListenQueue, sm.ListenQueue)
		peak.DaemonQueue = max(peak.DaemonQueue, sm.DaemonQueue)

		i := idx(sm.At)
		if i < 0 {
			continue
		}
		a := &accs[i]
		a.n++
		a.children += float64(len(sm.Children))
		a.daemons += float64(len(sm.Daemons))
		a.importing += float64(sm.Importing)
		a.daemonBusy += float64(sm.DaemonBusy)
		a.lq += float64(sm.ListenQueue)
		a.dq += float64(max(0, sm.DaemonQueue))
		a.cpu += sm.CPUUtil
		a.pss += float64(pss) / mb
		a.rss += float64(rss) / mb
		a.ppss += float64(ppss) / mb
		a.cpss += float64(cpss) / mb
		a.dpss += float64(dpss) / mb
		a.swap += float64(swap) / mb
		switch {
		case sm.Status != nil:
			a.nsb++
			a.starting += float64(sm.Status.Starting)
			a.idle += float64(sm.Status.Idle)
			a.busy += float64(max(0, sm.Status.Busy-sm.ImportingEmbedded))
			a.keepalive += float64(sm.Status.KeepAlive)
			a.closing += float64(sm.Status.Closing)
			a.parked += float64(sm.Status.Parked)
			if sm.Status.Busy+sm.Status.KeepAlive+sm.Status.Closing > 0 {
				taken = sm.Status
			}
		case sm.Saturated:
			// The status request found no free worker: every worker of
			// every live child is taken, but by what is not known (a
			// prefork child holding a keep-alive connection is taken as
			// surely as one running a request). They are split as the
			// last scoreboard with taken workers split them.
			a.nsb++
			b, k, c := splitTaken(max(0, len(sm.Children)*tpc-sm.ImportingEmbedded), taken)
			a.busy += b
			a.keepalive += k
			a.closing += c
		}
	}
	for i := range rows {
		a, r := accs[i], &rows[i]
		if a.n == 0 {
			if i > 0 { // no sample fell in this interval: carry the previous gauges
				prev := rows[i-1]
				*r = prev
				r.TimeS = (time.Duration(i) * iv).Seconds()
				r.Arrivals, r.Completions, r.Failures, r.Spawns, r.Kills, r.LatencyP50MS, r.LatencyP99MS = 0, 0, 0, 0, 0, 0, 0
			}
			continue
		}
		f := float64(a.n)
		r.ApacheChildren, r.DaemonProcesses = a.children/f, a.daemons/f
		r.Importing, r.DaemonBusy = a.importing/f, a.daemonBusy/f
		r.ListenQueue, r.DaemonQueue, r.CPUUtil = a.lq/f, a.dq/f, a.cpu/f
		r.PSSMB, r.RSSMB, r.ParentPSSMB, r.ChildrenPSSMB, r.DaemonPSSMB, r.SwapMB = a.pss/f, a.rss/f, a.ppss/f, a.cpss/f, a.dpss/f, a.swap/f
		if a.nsb > 0 {
			g := float64(a.nsb)
			r.Starting, r.Idle, r.Busy, r.KeepAlive, r.Closing, r.Parked = a.starting/g, a.idle/g, a.busy/g, a.keepalive/g, a.closing/g, a.parked/g
		}
	}

	// Counters.
	var lastSample time.Duration
	if len(res.Samples) > 0 {
		lastSample = res.Samples[len(res.Samples)-1].At
	}
	var kills int64
	for pid, at := range firstSeen {
		if i := idx(at); i >= 0 {
			rows[i].Spawns++
		}
		if ls := lastSeen[pid]; ls < lastSample {
			kills++
			if i := idx(ls); i >= 0 {
				rows[i].Kills++
			}
		}
	}
	for _, a := range sched {
		if i := idx(a.At); i >= 0 {
			rows[i].Arrivals++
		}
	}
	for _, at := range res.Visits {
		if i := idx(at); i >= 0 {
			rows[i].Arrivals++
		}
	}
	sum := results.Summary{
		Forkcast:   results.Version,
		Source:     results.SourceRuntime,
		Scenario:   s.Name,
		Variant:    s.Variant,
		Seed:       s.Seed,
		DurationS:  s.Duration.Seconds(),
		IntervalS:  iv.Seconds(),
		Start:      t0.UTC().Format(time.RFC3339Nano),
		MPM:        s.Apache.MPM,
		Mode:       Mode(s),
		MaxWorkers: s.Apache.MaxRequestWorkers,
		Peak:       peak,
		Spawns:     int64(len(firstSeen)),
		Kills:      kills,
		LogCounts:  map[string]int64{},
	}
	ram, swap := MachineMemory()
	sum.RAMMB, sum.SwapMB = float64(ram)/mb, float64(swap)/mb
	sum.DaemonStarts = int64(len(daemonSeen))
	sum.DaemonRestarts = int64(len(daemonSeen) - initialDaemons)
	for _, im := range res.Imports {
		if im.Done {
			sum.Imports++
		}
	}

	perRow := make([][]float64, n)
	var all []float64
	hist := results.NewHistogram() // latency.hdr: the same geometry as the simulator's
	for _, r := range res.Requests {
		rq := &sum.Requests
		rq.Offered++
		i := idx(r.End)
		switch r.Outcome {
		case OK:
			rq.Completed++
			ms := float64(r.Latency()) / float64(time.Millisecond)
			all = append(all, ms)
			hist.Record(r.Latency())
			if i >= 0 {
				rows[i].Completions++
				perRow[i] = append(perRow[i], ms)
			}
			continue
		case Unfinished:
			rq.Unfinished++
			continue
		case S408:
			rq.Failures.S408++
		case S503:
			rq.Failures.S503++
		case S504:
			rq.Failures.S504++
		case Refused:
			rq.Failures.Refused++
		case Reset:
			rq.Failures.Reset++
		case ClientTimeout:
			rq.Failures.ClientTimeout++
		default:
			rq.Failures.S500++
		}
		rq.Failed++
		if i >= 0 {
			rows[i].Failures++
		}
	}
	sum.Requests.Offered += res.Dropped // never opened: offered, unfinished
	sum.Requests.Unfinished += res.Dropped
	for i := range rows {
		if len(perRow[i]) > 0 {
			sort.Float64s(perRow[i])
			rows[i].LatencyP50MS = quantile(perRow[i], 0.5)
			rows[i].LatencyP99MS = quantile(perRow[i], 0.99)
		}
	}
	if len(all) > 0 {
		sort.Float64s(all)
		var tot float64
		for _, v := range all {
			tot += v
		}
		sum.Latency = results.Latency{
			P50: quantile(all, 0.5), P90: quantile(all, 0.9), P99: quantile(all, 0.99),
			Max: all[len(all)-1], Mean: tot / float64(len(all)),
		}
	}
	sum.Throughput = float64(sum.Requests.Completed) / s.Duration.Seconds()

	log := logLines(raw, notes, s.Duration.Duration)
	for _, l := range log {
		if m := ahRe.FindString(l.Msg); m != "" {
			sum.LogCounts[m]++
		}
	}
	sum.Restarts = restarts(s, res, fired)
	return results.Run{Summary: sum, Rows: rows, Log: log, Latencies: hist}
}

// quantile of sorted values, by linear interpolation.
func quantile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	x := p * float64(len(sorted)-1)
	i := int(x)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (x-float64(i))*(sorted[i+1]-sorted[i])
}

var ahRe = regexp.MustCompile(`^AH\d{5}`)

// wsgiKeep selects the mod_wsgi info lines worth keeping: process starts,
// deaths, restarts and timeouts, not the per-interpreter chatter.
var wsgiKeep = regexp.MustCompile(`(?i)died|restart|timeout|expired|shutdown|stopping process|starting process|exit|limit|queue`)

// logLines keeps Apache's own lines from the error log up to the end of the
// run (not the shutdown that follows), plus forkcast's notes, in time order.
func logLines(raw []rawLogLine, notes []results.LogLine, end time.Duration) []results.LogLine {
	var out []results.LogLine
	for _, l := range raw {
		if l.At > end {
			continue // Apache's own shutdown, after the run
		}
		if l.Module == "wsgi" && (l.Level == "info" || l.Level == "debug") && !wsgiKeep.MatchString(l.Msg) {
			continue
		}
		if strings.HasPrefix(l.Level, "trace") || l.Level == "debug" {
			continue
		}
		out = append(out, results.LogLine{At: l.At, Module: l.Module, Level: l.Level, PID: l.PID, Msg: l.Msg})
	}
	out = append(out, notes...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out
}

// splitTaken splits n taken workers into busy, keep-alive and closing ones
// as the scoreboard last split them; all busy without one.
func splitTaken(n int, last *Scoreboard) (busy, keepalive, closing float64) {
	if last == nil {
		return float64(n), 0, 0
	}
	all := float64(last.Busy + last.KeepAlive + last.Closing)
	f := float64(n) / all
	return float64(last.Busy) * f, float64(last.KeepAlive) * f, float64(last.Closing) * f
}
