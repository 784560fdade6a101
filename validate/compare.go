package validate

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

// Estimate is a metric's prediction over the replications: their mean and,
// with 2 or more, two 95% intervals. [Lo, Hi] is the t-interval of the
// mean, mean ± t(0.975, n−1)·s/√n: how well the replications pin the mean
// down. [RunLo, RunHi] is the prediction interval for one more run,
// mean ± t(0.975, n−1)·s·√(1+1/n), widened to the range of the
// replications where they reach beyond it: where the model expects a
// single run to land. The t-interval assumes a bell, and a bistable outcome
// (6 children or 8, a burst a tick sees or misses) is not one; the range of
// n exchangeable runs is itself a prediction interval for one more, with
// coverage (n−1)/(n+1) (90% for 20) whatever their distribution. A
// measurement is a single run, so it is judged by the second.
type Estimate struct {
	Mean   float64   `json:"mean"`
	Lo     *float64  `json:"lo,omitempty"`
	Hi     *float64  `json:"hi,omitempty"`
	RunLo  *float64  `json:"run_lo,omitempty"`
	RunHi  *float64  `json:"run_hi,omitempty"`
	N      int       `json:"n"`
	Values []float64 `json:"values"` // one per replication, in seed order
}

// NewEstimate computes the mean and the 95% intervals of vals.
func NewEstimate(vals []float64) Estimate {
	e := Estimate{N: len(vals), Values: slices.Clone(vals)}
	if len(vals) == 0 {
		return e
	}
	e.Mean = stat.Mean(vals, nil)
	if len(vals) >= 2 {
		n := float64(len(vals))
		t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile(0.975)
		s := stat.StdDev(vals, nil)
		half := t * s / math.Sqrt(n)
		lo, hi := e.Mean-half, e.Mean+half
		e.Lo, e.Hi = &lo, &hi
		half = t * s * math.Sqrt(1+1/n)
		runLo, runHi := min(e.Mean-half, slices.Min(vals)), max(e.Mean+half, slices.Max(vals))
		if slices.Min(vals) >= 0 {
			// Every metric here is a latency, a size, a count or a time
			// after an event: no run can go below zero, whatever the
			// t-interval of a bimodal outcome says.
			lo, runLo = max(lo, 0), max(runLo, 0)
			e.Lo = &lo
		}
		e.RunLo, e.RunHi = &runLo, &runHi
	}
	return e
}

// Metric is one metric of a validation.
type Metric struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Unit        string   `json:"unit"`
	Predicted   Estimate `json:"predicted"`
	Measured    float64  `json:"measured"`
	// AbsError is |predicted mean − measured| for values; for curves
	// (Def.Curve) it is the mean absolute error between the replications'
	// mean curve and the measured curve, row by row, while Predicted and
	// Measured are the curves' mean levels.
	AbsError  float64 `json:"abs_error"`
	RelError  float64 `json:"rel_error"` // AbsError / max(|Measured|, floor); 0 when both are 0
	Kind      string  `json:"tolerance_kind"`
	Tolerance float64 `json:"tolerance"`
	Pass      bool    `json:"pass"` // within tolerance, or measured inside the one-run prediction interval
	// InRunInterval: the measurement lies inside the prediction interval
	// for one run (Estimate.RunLo, RunHi); with 2+ replications, for values.
	InRunInterval *bool `json:"measured_in_run_interval,omitempty"`
	// RunsLikeMeasured counts the replications whose own value, or own
	// curve, is within tolerance of the measured one: the odds the model
	// gives the outcome the real server had. A bistable outcome (a
	// doubling burst that a tick sees or misses, a fourth child forked or
	// not) has a mean like no single run, real or simulated. For values
	// it is reported, not judged (they pass inside their interval).
	RunsLikeMeasured *int `json:"replications_like_measured,omitempty"`
	// Rank places the measured value among the replications' values
	// (values, with 2 or more replications).
	Rank *Rank  `json:"measured_rank,omitempty"`
	Note string `json:"note,omitempty"`
}

// Timeline is the aligned spawn timeline: children born per second in each
// interval of the surge's first 10 s. [PredictedLo, PredictedHi] is each
// interval's 95% interval of the mean, [PredictedRunLo, PredictedRunHi]
// its prediction interval for one run (Estimate); Close counts the
// intervals whose measured births are within one child a second of the
// predicted mean or inside the one-run interval.
type Timeline struct {
	TimeS          []float64 `json:"time_s"` // interval starts, seconds since the surge started
	PredictedMean  []float64 `json:"predicted_mean"`
	PredictedLo    []float64 `json:"predicted_lo,omitempty"`
	PredictedHi    []float64 `json:"predicted_hi,omitempty"`
	PredictedRunLo []float64 `json:"predicted_run_lo,omitempty"`
	PredictedRunHi []float64 `json:"predicted_run_hi,omitempty"`
	Measured       []float64 `json:"measured"`
	Close          int       `json:"close"`
}

// Report is a validation: validation.json.
type Report struct {
	Scenario      string   `json:"scenario"`
	Variant       string   `json:"variant,omitempty"`
	Replications  int      `json:"replications"`
	Seed          uint64   `json:"seed"` // of the measured run and of every replication
	IntervalS     float64  `json:"interval_s"`
	Rows          int      `json:"rows"` // rows compared (the shortest run's)
	Surge         Surge    `json:"surge"`
	Metrics       []Metric `json:"metrics"`
	NotApplicable []string `json:"not_applicable,omitempty"` // metrics left out, and why
	// MAPE is the median over the reported metrics of their relative error,
	// in percent: the one figure users quote.
	MAPE   float64  `json:"median_abs_pct_error"`
	Pass   bool     `json:"pass"`
	Failed []string `json:"failed,omitempty"`
	// Coverage is how many measured values fell inside their one-run
	// prediction interval: whether the replications' spread covers what
	// varies in reality.
	Coverage      Coverage `json:"coverage"`
	SpawnTimeline Timeline `json:"spawn_timeline"`
	// Self is the model judged against itself (SelfCheck); none with
	// fewer than 3 replications.
	Self *SelfCheck `json:"self_check,omitempty"`
	// MeasuredTickPhaseS is where the Apache parent's tick stood when the
	// measured run's load started (results.Measurement.TickPhaseS); 0 when
	// the measurement does not say. The replications draw theirs.
	MeasuredTickPhaseS float64 `json:"measured_tick_phase_s,omitempty"`
}

// Coverage counts the value metrics (not curves) that have a one-run 95%
// prediction interval, and how many measured values fell inside it. A
// model whose replications vary what really varies covers about 95%; one
// whose bands are too narrow covers less. MeanWidth is the intervals'
// mean width relative to the predicted mean (each metric's floor below),
// so that bands wide enough to cover anything show too. Ranks is where
// the measured values fell among the replications (Rank, Ranks).
type Coverage struct {
	Inside    int      `json:"inside"`
	Total     int      `json:"total"`
	Share     float64  `json:"share"`
	MeanWidth float64  `json:"mean_relative_width"`
	Outside   []string `json:"outside,omitempty"`
	Ranks     Ranks    `json:"ranks"`
}

// Add counts r's metrics into c; a suite adds several reports, naming the
// metrics outside with prefix (e.g. "keepalive-idle[on].").
func (c *Coverage) Add(r *Report, prefix string) {
	var width float64
	if c.Total > 0 {
		width = c.MeanWidth * float64(c.Total)
	}
	for _, m := range r.Metrics {
		if m.Rank != nil {
			c.Ranks.Add(*m.Rank)
		}
		if m.InRunInterval == nil {
			continue
		}
		c.Total++
		if *m.InRunInterval {
			c.Inside++
		} else {
			c.Outside = append(c.Outside, prefix+m.Name)
		}
		floor := 0.0
		if d, ok := defByName(m.Name); ok {
			floor = d.Floor
		}
		width += (*m.Predicted.RunHi - *m.Predicted.RunLo) / math.Max(math.Abs(m.Predicted.Mean), floor)
	}
	if c.Total > 0 {
		c.Share = float64(c.Inside) / float64(c.Total)
		c.MeanWidth = width / float64(c.Total)
	}
}

func defByName(name string) (Def, bool) {
	for _, d := range Defs {
		if d.Name == name {
			return d, true
		}
	}
	return Def{}, false
}

// Tolerances returns the defaults with the scenario's [validate] tolerance
// over them; an unknown name is an error listing the metrics.
func Tolerances(sc *scenarios.Scenario) (map[string]float64, error) {
	tol := DefaultTolerances()
	var unknown []string
	for k, v := range sc.Validate.Tolerance {
		if _, ok := tol[k]; !ok {
			unknown = append(unknown, k)
			continue
		}
		tol[k] = v
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("validate.tolerance: unknown metric %v; the metrics are %v", unknown, Names())
	}
	return tol, nil
}

// Compare computes every metric of predicted (replications of the
// simulator, in seed order) against one measured run of the same scenario.
// The tolerances are Tolerances(sc). With 3 or more replications it also
// judges the model against itself (Report.Self).
func Compare(sc *scenarios.Scenario, predicted []results.Run, measured results.Run) (*Report, error) {
	if len(predicted) == 0 {
		return nil, errors.New("validate: no predicted runs")
	}
	tol, err := Tolerances(sc)
	if err != nil {
		return nil, err
	}
	surge := FindSurge(sc)
	a, err := newAlign(surge, sc.Duration.Seconds(), append(slices.Clone(predicted), measured))
	if err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	rep := judge(sc, tol, surge, a, predicted, measured)
	if m := measured.Summary.Measurement; m != nil {
		rep.MeasuredTickPhaseS = m.TickPhaseS
	}
	if len(predicted) >= 3 {
		rep.Self = selfCheck(sc, tol, surge, a, predicted)
	}
	return rep, nil
}

// judge is Compare on runs aligned by a.
func judge(sc *scenarios.Scenario, tol map[string]float64, surge Surge, a align, predicted []results.Run, measured results.Run) *Report {
	rep := &Report{
		Scenario: sc.Name, Variant: sc.Variant, Replications: len(predicted), Seed: measured.Summary.Seed,
		IntervalS: a.interval, Rows: a.rows, Surge: surge, Pass: true,
	}
	var pctErrs []float64
	for _, d := range Defs {
		m, ok, why := compute(d, predicted, measured, a)
		if !ok {
			rep.NotApplicable = append(rep.NotApplicable, d.Name+": "+why)
			continue
		}
		m.Kind, m.Tolerance = d.Kind, tol[d.Name]
		// A metric passes when the measurement is within tolerance of the
		// predicted mean, or inside the 95% prediction interval for one
		// run: a value the model predicts as a plausible single run does
		// not show it wrong, even where the replications spread wider than
		// the tolerance. A measured curve passes the same way when it is
		// within tolerance of some replication's own curve: a path the
		// model gives.
		if d.Curve {
			m.RunsLikeMeasured = runsLike(d, predicted, measured, a, m.Tolerance)
			if !within(m, d.Kind, m.Tolerance) && *m.RunsLikeMeasured > 0 {
				m.Note = fmt.Sprintf("the measured curve is like %d of %d replications' own curves (not like their mean): a path the model gives, not its most common one",
					*m.RunsLikeMeasured, len(predicted))
			}
		} else if len(predicted) >= 2 {
			// The odds the model gives the measured outcome: a bistable
			// one (6 children or 8) has a mean like no single run.
			m.RunsLikeMeasured = valuesLike(d, m.Predicted.Values, m.Measured, m.Tolerance)
		}
		m.Pass = within(m, d.Kind, m.Tolerance) || (m.InRunInterval != nil && *m.InRunInterval) ||
			(d.Curve && *m.RunsLikeMeasured > 0)
		if !m.Pass {
			rep.Pass = false
			rep.Failed = append(rep.Failed, d.Name)
		}
		pctErrs = append(pctErrs, 100*m.RelError)
		rep.Metrics = append(rep.Metrics, m)
	}
	rep.MAPE = median(pctErrs)
	rep.Coverage.Add(rep, "")
	rep.SpawnTimeline = timeline(predicted, measured, a)
	return rep
}

// SelfCheck is the model judged against itself: each replication in turn
// taken as the measurement and judged against the others by the rules a
// measurement is judged by. If the real server were one more draw of the
// model, a measured run would fare as these do; so a metric the
// replications themselves miss now and then (a two-way outcome whose
// branches lie further apart than its tolerance, where the measured
// branch is the rarer one) can be missed by a faultless model, and a
// suite of many such metrics passes whole only some of the time. It is
// the yardstick for a run's misses: Misses per replication is what a run
// misses on average, Passed/Runs how often one passes every metric.
type SelfCheck struct {
	Runs   int            `json:"runs"`             // replications judged, each against the other Runs−1
	Passed int            `json:"passed"`           // those within tolerance or interval on every metric
	Misses map[string]int `json:"misses,omitempty"` // by metric, the replications outside both
}

func selfCheck(sc *scenarios.Scenario, tol map[string]float64, surge Surge, a align, predicted []results.Run) *SelfCheck {
	self := &SelfCheck{Runs: len(predicted)}
	others := make([]results.Run, 0, len(predicted)-1)
	for i, p := range predicted {
		others = append(append(others[:0], predicted[:i]...), predicted[i+1:]...)
		r := judge(sc, tol, surge, a, others, p)
		if r.Pass {
			self.Passed++
			continue
		}
		if self.Misses == nil {
			self.Misses = map[string]int{}
		}
		for _, name := range r.Failed {
			self.Misses[name]++
		}
	}
	return self
}

// ExpectedMisses is how many metrics a run drawn from the model misses on
// average.
func (c *SelfCheck) ExpectedMisses() float64 {
	n := 0
	for _, k := range c.Misses {
		n += k
	}
	return float64(n) / float64(c.Runs)
}

// PassShare is the share of the model's own runs that pass every metric.
func (c *SelfCheck) PassShare() float64 { return float64(c.Passed) / float64(c.Runs) }

// within applies a tolerance; an error equal to the tolerance passes (a
// relative slack of 1e-9 absorbs rounding).
func within(m Metric, kind string, tol float64) bool {
	e := m.RelError
	if kind == Absolute {
		e = m.AbsError
	}
	return e <= tol*(1+1e-9)+1e-12
}

// relError is abs / max(|measured|, floor), and 0 when both values are 0.
func relError(abs, measured, floor float64) float64 {
	if abs == 0 {
		return 0
	}
	return abs / math.Max(math.Abs(measured), floor)
}

func compute(d Def, predicted []results.Run, measured results.Run, a align) (Metric, bool, string) {
	m := Metric{Name: d.Name, Description: d.Description, Unit: d.Unit}
	if d.Curve {
		mc := d.curve(measured, a)
		curves := make([][]float64, len(predicted))
		levels := make([]float64, len(predicted))
		for i, p := range predicted {
			curves[i] = d.curve(p, a)
			levels[i] = stat.Mean(curves[i], nil)
		}
		mean := make([]float64, len(mc))
		var sum float64
		for j := range mc {
			for _, c := range curves {
				mean[j] += c[j]
			}
			mean[j] /= float64(len(curves))
			sum += math.Abs(mean[j] - mc[j])
		}
		m.Predicted = NewEstimate(levels)
		m.Measured = stat.Mean(mc, nil)
		m.AbsError = sum / float64(len(mc))
		m.RelError = relError(m.AbsError, m.Measured, d.Floor)
		return m, true, ""
	}
	mv, ok := d.value(measured, a)
	if !ok {
		if d.NA != "" {
			return m, false, d.NA
		}
		return m, false, "the scenario has no pre-surge period or no surge end inside the run"
	}
	vals := make([]float64, len(predicted))
	for i, p := range predicted {
		vals[i], _ = d.value(p, a)
	}
	m.Predicted = NewEstimate(vals)
	m.Measured = mv
	m.AbsError = math.Abs(m.Predicted.Mean - mv)
	m.RelError = relError(m.AbsError, mv, d.Floor)
	if m.Predicted.RunLo != nil {
		in := *m.Predicted.RunLo-d.Resolution <= mv && mv <= *m.Predicted.RunHi
		m.InRunInterval = &in
		m.Rank = rankOf(vals, mv, d.Resolution)
	}
	if strings.HasPrefix(d.Name, "latency_") && !a.histograms {
		m.Note = "from summary.json: not every run has latency.hdr"
	}
	if d.Name == "recover_time" {
		n := 0
		for _, p := range predicted {
			if !recovered(p, a) {
				n++
			}
		}
		switch {
		case !recovered(measured, a) && n > 0:
			m.Note = fmt.Sprintf("censored: the measured run and %d of %d replications had not recovered by the end", n, len(predicted))
		case !recovered(measured, a):
			m.Note = "censored: the measured run had not recovered by the end"
		case n > 0:
			m.Note = fmt.Sprintf("censored: %d of %d replications had not recovered by the end", n, len(predicted))
		}
	}
	return m, true, ""
}

// runsLike counts the replications whose curve is within tol of the
// measured curve, by the curve's own error (MAE relative to the measured
// curve's level, Def.Floor).
func runsLike(d Def, predicted []results.Run, measured results.Run, a align, tol float64) *int {
	mc := d.curve(measured, a)
	level := stat.Mean(mc, nil)
	n := 0
	for _, p := range predicted {
		pc := d.curve(p, a)
		var sum float64
		for j := range mc {
			sum += math.Abs(pc[j] - mc[j])
		}
		abs := sum / float64(len(mc))
		if within(Metric{AbsError: abs, RelError: relError(abs, level, d.Floor)}, d.Kind, tol) {
			n++
		}
	}
	return &n
}

// valuesLike counts the replications whose value is within tol of the
// measured value, as a metric's error is judged.
func valuesLike(d Def, vals []float64, measured, tol float64) *int {
	n := 0
	for _, v := range vals {
		abs := math.Abs(v - measured)
		if within(Metric{AbsError: abs, RelError: relError(abs, measured, d.Floor)}, d.Kind, tol) {
			n++
		}
	}
	return &n
}

func timeline(predicted []results.Run, measured results.Run, a align) Timeline {
	var tl Timeline
	mc := spawnCurve(measured, a)
	tl.Measured = mc
	for j := range mc {
		tl.TimeS = append(tl.TimeS, float64(j)*a.interval)
		vals := make([]float64, len(predicted))
		for i, p := range predicted {
			vals[i] = spawnCurve(p, a)[j]
		}
		e := NewEstimate(vals)
		tl.PredictedMean = append(tl.PredictedMean, e.Mean)
		close := math.Abs(mc[j]-e.Mean) <= 1+1e-9 // one child a second
		if e.Lo != nil {
			tl.PredictedLo = append(tl.PredictedLo, *e.Lo)
			tl.PredictedHi = append(tl.PredictedHi, *e.Hi)
			tl.PredictedRunLo = append(tl.PredictedRunLo, *e.RunLo)
			tl.PredictedRunHi = append(tl.PredictedRunHi, *e.RunHi)
			close = close || (*e.RunLo-1e-9 <= mc[j] && mc[j] <= *e.RunHi+1e-9)
		}
		if close {
			tl.Close++
		}
	}
	return tl
}

// median of v; 0 for none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
