package models

import (
	"math"
	"sort"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/sim"
)

// stats collects a run's time series and summary in memory that does not
// grow with the run's length (one row per interval).
type stats struct {
	s       *server
	statusG [numStatus]*sim.Gauge // workers by status, in live children
	importing, parked, children, daemons, daemonBusy,
	listenQueue, daemonQueue *sim.Gauge
	pss, rss, parentPSS, childPSS, daePSS, swap *sim.Gauge

	arrivals, offered, completed, spawns, kills, recycled          int64
	onBoundary                                                     int64 // arrivals at the instant the current row ends
	daemonStarts, daemonRestarts, oomKills, imports, hung          int64
	failures                                                       results.Failures
	prevArrivals, prevCompleted, prevFailed, prevSpawns, prevKills int64

	latency, window *sim.Quantiles
	logCounts       map[string]int64 // log lines by AH number
	tick            *sim.Timer
	interval        sim.Time
	end             sim.Time
	last            sim.Time
	peakProcesses   float64
	restarts        restartStats
}

func newStats(s *server) *stats {
	g := func() *sim.Gauge { return sim.NewGauge(0, 0) }
	st := &stats{s: s, importing: g(), parked: g(), children: g(), daemons: g(), daemonBusy: g(),
		listenQueue: g(), daemonQueue: g(), pss: g(), rss: g(), parentPSS: g(), childPSS: g(), daePSS: g(), swap: g(),
		latency: sim.NewQuantiles(3), window: sim.NewQuantiles(2), logCounts: map[string]int64{}}
	for i := range st.statusG {
		st.statusG[i] = g()
	}
	return st
}

// addProcesses records n more (or fewer) Apache children or daemons.
func (st *stats) addProcesses(g *sim.Gauge, n float64) {
	now := st.s.sim.Now()
	g.Add(now, n)
	st.peakProcesses = math.Max(st.peakProcesses, 1+st.children.Value()+st.daemons.Value())
}

func (st *stats) status(s Status, d float64) { st.statusG[s].Add(st.s.sim.Now(), d) }

// move records a worker's change of status, from one to another.
func (st *stats) move(from, to Status) {
	now := st.s.sim.Now()
	st.statusG[from].Add(now, -1)
	st.statusG[to].Add(now, 1)
}

// arrive counts a client's connection. Rows are [start, start+interval):
// one that arrives at the very instant the current row ends (constant
// pacing, a replayed log's whole seconds) belongs to the next row, even if
// it fires before the row closes.
func (st *stats) arrive() {
	st.arrivals++
	if st.tick == nil {
		return
	}
	if at, ok := st.tick.When(); ok && at == st.s.sim.Now() {
		st.onBoundary++
	}
}

func (st *stats) memory(m snapshot) {
	now := st.s.sim.Now()
	st.pss.Set(now, m.pss/mib)
	st.restarts.pss(now, m.pss/mib)
	st.rss.Set(now, m.rss/mib)
	st.parentPSS.Set(now, m.parentPSS/mib)
	st.childPSS.Set(now, m.childPSS/mib)
	st.daePSS.Set(now, m.daePSS/mib)
	st.swap.Set(now, m.swap/mib)
}

// held is memory for a change of one process's private bytes while the
// host does not swap (memory.hold): only the totals, and that process
// kind's, moved.
func (st *stats) held(kind procKind, m *snapshot) {
	now := st.s.sim.Now()
	st.pss.Set(now, m.pss/mib)
	st.restarts.pss(now, m.pss/mib)
	st.rss.Set(now, m.rss/mib)
	switch kind {
	case kindParent:
		st.parentPSS.Set(now, m.parentPSS/mib)
	case kindChild:
		st.childPSS.Set(now, m.childPSS/mib)
	case kindDaemon:
		st.daePSS.Set(now, m.daePSS/mib)
	}
}

// complete records a request first sent at start that completed now.
func (st *stats) complete(start sim.Time) {
	latency := st.s.sim.Now() - start
	st.completed++
	st.latency.Record(latency)
	st.window.Record(latency)
	st.attempt(start, true)
}

// fail records a request first sent at start that failed now.
func (st *stats) fail(cause int, start sim.Time) {
	st.attempt(start, false)
	f := &st.failures
	switch cause {
	case 408:
		f.S408++
	case 500:
		f.S500++
	case 503:
		f.S503++
	case 504:
		f.S504++
	case causeRefused:
		f.Refused++
	case causeReset:
		f.Reset++
	case causeClientTimeout:
		f.ClientTimeout++
	default:
		f.S500++
	}
}

// start begins the rows at the load's start. The gauges' averages start
// there too; the counters do not, so the first row counts the children
// forked while Apache started, as runtime mode's first sample sees them.
func (st *stats) start(at, end sim.Time) {
	st.end = end
	st.last = at
	st.restarts.init(st.s, at, end)
	for _, g := range st.gauges() {
		g.Window(at)
	}
	st.interval = sim.Time(st.s.sc.Interval.Duration)
	st.tick = st.s.sim.NewTimer(st.row)
	st.tick.ResetAt(min(at+st.interval, end))
}

func (st *stats) gauges() []*sim.Gauge {
	gs := []*sim.Gauge{st.importing, st.parked, st.children, st.daemons, st.daemonBusy,
		st.listenQueue, st.daemonQueue, st.pss, st.rss, st.parentPSS, st.childPSS, st.daePSS, st.swap, st.s.cpu.Busy()}
	return append(gs, st.statusG[:]...)
}

// row closes the current interval.
func (st *stats) row() {
	s := st.s
	now := s.sim.Now()
	s.mem.changed() // bring copy-on-write erosion up to date
	mean := func(g *sim.Gauge) float64 { m, _ := g.Window(now); return m }
	var r results.Row
	r.TimeS = st.s.at(st.last).Seconds()
	r.ApacheChildren = mean(st.children)
	r.DaemonProcesses = mean(st.daemons)
	r.Starting = mean(st.statusG[Starting])
	r.Idle = mean(st.statusG[Ready])
	busy := mean(st.statusG[BusyRead]) + mean(st.statusG[BusyWrite])
	r.Importing = mean(st.importing)
	r.Busy = math.Max(busy-r.Importing, 0)
	r.KeepAlive = mean(st.statusG[BusyKeepalive])
	r.Closing = mean(st.statusG[Closing])
	mean(st.statusG[Dead])
	mean(st.statusG[Graceful])
	r.Parked = mean(st.parked)
	r.DaemonBusy = mean(st.daemonBusy)
	r.ListenQueue = mean(st.listenQueue)
	r.DaemonQueue = mean(st.daemonQueue)
	r.PSSMB = mean(st.pss)
	r.RSSMB = mean(st.rss)
	r.ParentPSSMB = mean(st.parentPSS)
	r.ChildrenPSSMB = mean(st.childPSS)
	r.DaemonPSSMB = mean(st.daePSS)
	r.SwapMB = mean(st.swap)
	r.CPUUtil = mean(s.cpu.Busy()) / float64(s.sc.Host.CPUs)
	failed := st.failures.Total()
	r.Arrivals = float64(st.arrivals - st.prevArrivals - st.onBoundary)
	r.Completions = float64(st.completed - st.prevCompleted)
	r.Failures = float64(failed - st.prevFailed)
	r.Spawns = float64(st.spawns - st.prevSpawns)
	r.Kills = float64(st.kills - st.prevKills)
	st.prevArrivals, st.prevCompleted, st.prevFailed, st.prevSpawns, st.prevKills = st.arrivals-st.onBoundary, st.completed, failed, st.spawns, st.kills
	st.onBoundary = 0
	if st.window.Count() > 0 {
		r.LatencyP50MS = ms(st.window.Quantile(0.5))
		r.LatencyP99MS = ms(st.window.Quantile(0.99))
	}
	st.window.Reset()
	s.emit(s.sink.Row(r))
	if p, ok := s.sink.(ProgressSink); ok {
		p.Progress(s.at(now).Duration(), s.sc.Duration.Duration)
	}
	st.last = now
	if now < st.end {
		st.tick.ResetAt(min(now+st.interval, st.end))
	}
}

func ms(t sim.Time) float64 { return float64(t) / float64(sim.Millisecond) }

func (st *stats) finish() {
	if st.tick != nil && st.last < st.end {
		st.row()
	}
}

// summary builds summary.json's content.
func (st *stats) summary() results.Summary {
	s := st.s
	sc := s.sc
	sum := results.Summary{
		Forkcast:       results.Version,
		Source:         results.SourceSimulator,
		Scenario:       sc.Name,
		Variant:        sc.Variant,
		Seed:           sc.Seed,
		Replication:    sc.Replication,
		DurationS:      sc.Duration.Seconds(),
		IntervalS:      sc.Interval.Seconds(),
		Start:          results.SimulatorEpoch.Format("2006-01-02T15:04:05Z07:00"),
		MPM:            sc.Apache.MPM,
		Mode:           s.mode(),
		RAMMB:          float64(sc.Host.RAM) / mib,
		SwapMB:         float64(sc.Host.Swap) / mib,
		MaxWorkers:     s.cfg.maxRequestWorkers,
		Spawns:         st.spawns,
		Kills:          st.kills,
		Recycled:       st.recycled,
		DaemonStarts:   st.daemonStarts,
		DaemonRestarts: st.daemonRestarts,
		OOMKills:       st.oomKills,
		Imports:        st.imports,
		Hung:           st.hung,
		LogCounts:      map[string]int64{},
	}
	sum.Peak.ApacheChildren = int(st.children.Max())
	sum.Peak.DaemonProcesses = int(st.daemons.Max())
	sum.Peak.Processes = int(st.peakProcesses)
	sum.Peak.PSSMB = round2(st.pss.Max())
	sum.Peak.RSSMB = round2(st.rss.Max())
	sum.Peak.ListenQueue = int(st.listenQueue.Max())
	sum.Peak.DaemonQueue = int(st.daemonQueue.Max())
	if st.latency.Count() > 0 {
		sum.Latency = results.Latency{
			P50:  round2(ms(st.latency.Quantile(0.5))),
			P90:  round2(ms(st.latency.Quantile(0.9))),
			P99:  round2(ms(st.latency.Quantile(0.99))),
			Max:  round2(ms(st.latency.Max())),
			Mean: round2(st.latency.Mean() / float64(sim.Millisecond)),
		}
	}
	failed := st.failures.Total()
	sum.Requests = results.Requests{
		Offered:    st.offered,
		Completed:  st.completed,
		Failed:     failed,
		Unfinished: st.offered - st.completed - failed,
		Failures:   st.failures,
	}
	if d := sc.Duration.Seconds(); d > 0 {
		sum.Throughput = round2(float64(st.completed) / d)
	}
	for k, n := range st.logCounts {
		sum.LogCounts[k] = n
	}
	sum.Restarts = st.restarts.summary(s)
	return sum
}

// latencies is every completed request's response time (latency.hdr).
func (st *stats) latencies() *results.Histogram { return results.HistogramOf(st.latency.HDR()) }

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// mode names how requests are served: embedded, daemon or mixed.
func (s *server) mode() string {
	embedded, daemon := false, false
	groups := []string{s.sc.WSGI.ProcessGroup}
	for _, p := range s.sc.WSGI.RoutePrefixes() {
		groups = append(groups, s.sc.WSGI.Routes[p])
	}
	sort.Strings(groups)
	for _, g := range groups {
		if _, ok := s.daemons[g]; ok {
			daemon = true
		} else {
			embedded = true
		}
	}
	switch {
	case daemon && embedded:
		return "mixed"
	case daemon:
		return "daemon"
	}
	return "embedded"
}
