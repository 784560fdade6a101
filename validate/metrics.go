package validate

import (
	"math"

	"github.com/forkcast/forkcast/results"
)

// Kinds of tolerance.
const (
	Relative = "relative" // the relative error must be within the tolerance
	Absolute = "absolute" // the absolute error, in the metric's unit, must be
)

// SpawnWindow is how long after the surge starts the spawn timeline runs.
const SpawnWindowS = 10.0

// SteadyFraction is the final part of a run whose mean is its steady state.
const SteadyFraction = 0.2

// RecoverBand is how close to the pre-surge level the Apache children must
// be for the server to have recovered: a fraction of the level, and at least
// RecoverBandMin processes (so a level of 2 is not held to ±0.2).
const (
	RecoverBand    = 0.10
	RecoverBandMin = 0.5
	PreSurgeS      = 5.0 // the pre-surge level is the mean over up to this long before the surge
)

// A Def defines one metric: its name (the key of validate.tolerance), what
// it measures, its unit, the kind and default of its tolerance, and the
// floor under the measured value when computing a relative error, so that
// errors near 0 stay finite: rel = |predicted − measured| / max(|measured|,
// Floor). Metrics whose predicted and measured values are both 0 are exact.
type Def struct {
	Name        string
	Description string
	Unit        string
	Kind        string  // Relative or Absolute
	Tolerance   float64 // the default
	Floor       float64
	Curve       bool // the error is a curve's mean absolute error, not a difference of values
	// Resolution: runtime mode measures the value rounded down to this
	// step, so a measurement up to one step below the one-run interval is
	// inside it (0: measured as exactly as predicted).
	Resolution float64
	// NA says why the metric does not apply when value reports false; ""
	// for the surge metrics' reason.
	NA string

	value func(r results.Run, a align) (float64, bool) // scalar metrics: the value of one run, false if not applicable
	curve func(r results.Run, a align) []float64       // curve metrics: the aligned curve
}

// clockTick is Linux's USER_HZ step of a process's start time, in seconds.
const clockTick = 0.01

// Defs are the metrics, in report order. Their names are
// scenarios.ValidationMetrics (a test checks).
var Defs = []Def{
	{Name: "spawn_timeline", Description: "Apache children born per second in the first 10 s of the surge (curve MAE)", Unit: "/s",
		Kind: Relative, Tolerance: 0.5, Floor: 1, Curve: true, curve: spawnCurve},
	{Name: "processes_mae", Description: "processes (Apache children + daemons) over the whole run (curve MAE)", Unit: "proc",
		Kind: Relative, Tolerance: 0.2, Floor: 1, Curve: true, curve: processCurve},
	{Name: "peak_processes", Description: "peak processes (largest interval mean)", Unit: "proc",
		Kind: Relative, Tolerance: 0.15, Floor: 1, value: func(r results.Run, a align) (float64, bool) { return maxOf(processCurve(r, a)), true }},
	{Name: "steady_processes", Description: "steady processes (mean over the last 20% of the run)", Unit: "proc",
		Kind: Relative, Tolerance: 0.2, Floor: 1, value: func(r results.Run, a align) (float64, bool) { return steady(r, a, processes), true }},
	{Name: "peak_pss", Description: "peak total PSS (largest interval mean)", Unit: "MB",
		Kind: Relative, Tolerance: 0.15, Floor: 1, value: func(r results.Run, a align) (float64, bool) { return maxOf(pssCurve(r, a)), true }},
	{Name: "steady_pss", Description: "steady total PSS (mean over the last 20% of the run)", Unit: "MB",
		Kind: Relative, Tolerance: 0.15, Floor: 1, value: func(r results.Run, a align) (float64, bool) { return steady(r, a, pss), true }},
	{Name: "pss_mae", Description: "total PSS over the whole run (curve MAE)", Unit: "MB",
		Kind: Relative, Tolerance: 0.15, Floor: 1, Curve: true, curve: pssCurve},
	{Name: "latency_p50", Description: "response time p50 of completed requests", Unit: "ms",
		Kind: Relative, Tolerance: 0.25, Floor: 1, value: latencyQuantile(0.5, func(l results.Latency) float64 { return l.P50 })},
	{Name: "latency_p90", Description: "response time p90", Unit: "ms",
		Kind: Relative, Tolerance: 0.3, Floor: 1, value: latencyQuantile(0.9, func(l results.Latency) float64 { return l.P90 })},
	{Name: "latency_p99", Description: "response time p99", Unit: "ms",
		Kind: Relative, Tolerance: 0.5, Floor: 1, value: latencyQuantile(0.99, func(l results.Latency) float64 { return l.P99 })},
	{Name: "throughput", Description: "completed requests per second", Unit: "/s",
		Kind: Relative, Tolerance: 0.1, Floor: 0.1, value: throughput},
	failureDef("408", func(f results.Failures) int64 { return f.S408 }),
	failureDef("500", func(f results.Failures) int64 { return f.S500 }),
	failureDef("503", func(f results.Failures) int64 { return f.S503 }),
	failureDef("504", func(f results.Failures) int64 { return f.S504 }),
	failureDef("refused", func(f results.Failures) int64 { return f.Refused }),
	failureDef("reset", func(f results.Failures) int64 { return f.Reset }),
	failureDef("client_timeout", func(f results.Failures) int64 { return f.ClientTimeout }),
	{Name: "recover_time", Description: "seconds from the surge's end until the Apache children are back within 10% of the pre-surge level", Unit: "s",
		Kind: Absolute, Tolerance: 5, Floor: 1, value: recoverTime},
	// Restarts (summary.json's restarts; docs/model.md §2.6). The birth
	// times are held to one sampling interval of runtime mode (100 ms);
	// runtime mode reads them from /proc/PID/stat's start time, in clock
	// ticks (10 ms: USER_HZ), rounded down.
	{Name: "restart_child_birth", Description: "seconds from each restart command to the first Apache child forked after it (mean over the events)", Unit: "s",
		Kind: Absolute, Tolerance: 0.1, Floor: 0.1, Resolution: clockTick, NA: "no event was followed by a new Apache child",
		value: restartMean(func(r results.Restart) *float64 { return r.FirstChildS })},
	{Name: "restart_daemon_birth", Description: "seconds from each restart command to the first mod_wsgi daemon forked after it (mean over the events)", Unit: "s",
		Kind: Absolute, Tolerance: 0.1, Floor: 0.1, Resolution: clockTick, NA: "no event was followed by a new daemon process",
		value: restartMean(func(r results.Restart) *float64 { return r.FirstDaemonS })},
	{Name: "restart_failures", Description: "whether any request failed in a restart's window: 1 some, 0 none (the predicted mean is the share of replications with some)", Unit: "",
		Kind: Absolute, Tolerance: 0.5, Floor: 1, NA: "the scenario has no [[event]]", value: restartFailures},
	{Name: "restart_window_p99", Description: "p99 response time of the requests in flight during each restart's window (mean over the events)", Unit: "ms",
		Kind: Relative, Tolerance: 0.3, Floor: 1, NA: "the scenario has no [[event]]",
		value: restartMean(func(r results.Restart) *float64 { return &r.WindowP99MS })},
}

// restartMean is the mean over a run's restarts of f, skipping those where
// f is nil; not applicable when none has it.
func restartMean(f func(results.Restart) *float64) func(results.Run, align) (float64, bool) {
	return func(r results.Run, _ align) (float64, bool) {
		var sum float64
		n := 0
		for _, rs := range r.Summary.Restarts {
			if v := f(rs); v != nil {
				sum += *v
				n++
			}
		}
		if n == 0 {
			return 0, false
		}
		return sum / float64(n), true
	}
}

// restartFailures is 1 when a request failed in some restart's window, 0
// when none did: the failure class, none or some. With an absolute
// tolerance of 0.5, the measured class must be the majority of the
// replications'.
func restartFailures(r results.Run, _ align) (float64, bool) {
	if len(r.Summary.Restarts) == 0 {
		return 0, false
	}
	for _, rs := range r.Summary.Restarts {
		if rs.Failed > 0 {
			return 1, true
		}
	}
	return 0, true
}

// latencyQuantile is a latency metric: the quantile of the run's exact
// distribution (latency.hdr) when every run compared has one — then both
// sides are read by one definition, HdrHistogram's, at 0.1% — and else
// summary.json's value (the simulator's histogram quantile, runtime mode's
// interpolation between exact values), which Compare notes.
func latencyQuantile(q float64, fromSummary func(results.Latency) float64) func(results.Run, align) (float64, bool) {
	return func(r results.Run, a align) (float64, bool) {
		if a.histograms {
			return r.Latencies.QuantileMS(q), true
		}
		return fromSummary(r.Summary.Latency), true
	}
}

// failureDef is the share of offered requests that failed with one cause,
// with an absolute tolerance in that share (0.02: 2 percentage points), so
// that it means the same for 100 and 100 000 requests and near 0.
func failureDef(cause string, count func(results.Failures) int64) Def {
	return Def{Name: "failures_" + cause, Description: "share of offered requests failed: " + cause, Unit: "share",
		Kind: Absolute, Tolerance: 0.02, Floor: 0.01,
		value: func(r results.Run, _ align) (float64, bool) {
			q := r.Summary.Requests
			return float64(count(q.Failures)) / math.Max(1, float64(q.Offered)), true
		}}
}

// Names returns the metric names in report order.
func Names() []string {
	out := make([]string, len(Defs))
	for i, d := range Defs {
		out[i] = d.Name
	}
	return out
}

// DefaultTolerances returns every metric's default tolerance.
func DefaultTolerances() map[string]float64 {
	out := map[string]float64{}
	for _, d := range Defs {
		out[d.Name] = d.Tolerance
	}
	return out
}

func processes(r results.Row) float64 { return r.ApacheChildren + r.DaemonProcesses }
func pss(r results.Row) float64       { return r.PSSMB }

// processCurve and pssCurve are the run's curves over the aligned rows.
func processCurve(r results.Run, a align) []float64 { return column(r, a, processes) }
func pssCurve(r results.Run, a align) []float64     { return column(r, a, pss) }

func column(r results.Run, a align, f func(results.Row) float64) []float64 {
	out := make([]float64, a.rows)
	for i := range out {
		out[i] = f(r.Rows[i])
	}
	return out
}

// spawnCurve is children born per second in the rows of the spawn window.
func spawnCurve(r results.Run, a align) []float64 {
	out := make([]float64, 0, a.spawnRows)
	for i := a.surgeRow; i < a.surgeRow+a.spawnRows; i++ {
		out = append(out, r.Rows[i].Spawns/a.interval)
	}
	return out
}

// steady is the mean of f over the rows starting in the last 20% of the run.
func steady(r results.Run, a align, f func(results.Row) float64) float64 {
	var sum float64
	n := 0
	for i := a.steadyRow; i < a.rows; i++ {
		sum += f(r.Rows[i])
		n++
	}
	if n == 0 {
		return f(r.Rows[a.rows-1])
	}
	return sum / float64(n)
}

// recoverTime: the surge ends at a.surgeEnd; the pre-surge level L is the
// mean of Apache children over the rows in the PreSurgeS seconds before the
// surge starts. The time to recover is the start of the first row at or after
// the surge's end whose mean of Apache children is within max(10% of L, 0.5)
// of L, minus the surge's end (so 0 when the children never left the band).
// A run that does not recover by its end gets the time to its end (a
// censored value; see Metric.Note). Not applicable without a pre-surge period
// or a surge end inside the run.
func recoverTime(r results.Run, a align) (float64, bool) {
	if !a.recoverApplies {
		return 0, false
	}
	var level float64
	for i := a.preRow; i < a.surgeRow; i++ {
		level += r.Rows[i].ApacheChildren
	}
	level /= float64(a.surgeRow - a.preRow)
	band := math.Max(RecoverBand*level, RecoverBandMin)
	for i := a.endRow; i < a.rows; i++ {
		if math.Abs(r.Rows[i].ApacheChildren-level) <= band {
			return math.Max(0, r.Rows[i].TimeS-a.surgeEnd), true
		}
	}
	return float64(a.rows)*a.interval - a.surgeEnd, true
}

// recovered reports whether recoverTime's value for r is a real recovery
// rather than the censored time to the end of the run.
func recovered(r results.Run, a align) bool {
	v, ok := recoverTime(r, a)
	return ok && v < float64(a.rows)*a.interval-a.surgeEnd
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	if math.IsInf(m, -1) {
		return 0
	}
	return m
}

// throughput is the completed requests over the load's duration, from the
// count rather than summary.json's throughput_rps, which the simulator
// rounds to 0.01/s: 3.56 against a measured 3.5625 is the same 57 requests
// in 16 s, not a difference.
func throughput(r results.Run, _ align) (float64, bool) {
	if d := r.Summary.DurationS; d > 0 {
		return float64(r.Summary.Requests.Completed) / d, true
	}
	return r.Summary.Throughput, true
}
