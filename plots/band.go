package plots

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/plotter"

	"github.com/forkcast/forkcast/results"
)

// minCIReplications is the fewest replications for which Band draws a 95%
// confidence interval of the mean; with fewer it draws their min–max range.
const minCIReplications = 5

// BandFigures renders validation figures: for processes, memory (PSS) and
// latency p99, the predicted band across replications per interval against
// the measured run as a line. With at least 5 replications the band is the
// 95% confidence interval of the mean, mean ± 1.96·sd/√n; with fewer it is
// the min–max range. Each title says which. Replications are aligned by
// interval index (they share the scenario's interval).
func BandFigures(predicted []results.Run, measured results.Run) ([]Figure, error) {
	if len(predicted) == 0 {
		return nil, fmt.Errorf("plots: a validation band needs at least 1 predicted run")
	}
	for i, r := range predicted {
		if len(r.Rows) == 0 {
			return nil, fmt.Errorf("plots: predicted run %d has no timeseries rows", i+1)
		}
	}
	if len(measured.Rows) == 0 {
		return nil, fmt.Errorf("plots: the measured run has no timeseries rows")
	}
	metrics := []bandMetric{
		{"band_processes", "Processes: Apache children + mod_wsgi daemons", "processes", false,
			func(r results.Row) float64 { return r.ApacheChildren + r.DaemonProcesses }},
		{"band_memory", "Memory in use (total PSS)", "PSS (MB)", false,
			func(r results.Row) float64 { return r.PSSMB }},
		{"band_latency_p99", "Response time p99 per interval", "latency p99 (ms, log scale)", true,
			func(r results.Row) float64 { return r.LatencyP99MS }},
	}
	var figs []Figure
	for _, m := range metrics {
		f, err := bandFigure(m, predicted, measured).render()
		if err != nil {
			return nil, err
		}
		figs = append(figs, f)
	}
	return figs, nil
}

// Band writes the validation figures into dir as band_processes,
// band_memory and band_latency_p99 (.png and .svg).
func Band(dir string, predicted []results.Run, measured results.Run) error {
	figs, err := BandFigures(predicted, measured)
	if err != nil {
		return err
	}
	return write(dir, figs)
}

// bandMetric is one validated quantity.
type bandMetric struct {
	name, what, yLabel string
	log                bool // log axis; intervals without a positive value are gaps
	value              func(results.Row) float64
}

// bandStats are per-interval statistics over replications; NaN where no
// replication has a value.
type bandStats struct {
	mean, lo, hi []float64
}

func bandFigure(m bandMetric, predicted []results.Run, measured results.Run) *figure {
	f := newFigure(m.name)
	n := len(predicted)
	kind := fmt.Sprintf("min–max of %d replications", n)
	if n >= minCIReplications {
		kind = fmt.Sprintf("95%% CI of the mean of %d replications (±1.96·sd/√n)", n)
	}
	p := newPlot(m.what+"\npredicted band: "+kind, timeLabel, m.yLabel)
	ps := predicted[0].Summary
	stats := replicationStats(predicted, m)
	x := midTimes(ps, predicted[0].Rows[:len(stats.mean)])
	mx := midTimes(measured.Summary, measured.Rows)
	mv := make([]float64, len(measured.Rows))
	for i, r := range measured.Rows {
		mv[i] = m.value(r)
	}

	bandColor := lighter(blue, 0.65)
	var ymax float64
	for _, seg := range definedRuns(stats.mean) {
		lo, hi, mean := stats.lo[seg[0]:seg[1]], stats.hi[seg[0]:seg[1]], stats.mean[seg[0]:seg[1]]
		xs := x[seg[0]:seg[1]]
		if m.log {
			lo, hi, mean = log10Values(lo), log10Values(hi), log10Values(mean)
		}
		p.Add(band(xs, lo, hi, bandColor))
		segmentLines(p, []plotter.XYs{xys(xs, mean)}, blue, nil)
		ymax = max(ymax, maxOf(stats.hi[seg[0]:seg[1]]))
	}
	f.legend.Add(fmt.Sprintf("predicted mean (%s)", ps.Source), line(plotter.XYs{}, blue, nil))
	f.legend.Add("predicted band", band([]float64{0}, []float64{0}, []float64{0}, bandColor))
	measuredLabel := "measured"
	if measured.Summary.Source != "" {
		measuredLabel += " (" + measured.Summary.Source + ")"
	}
	if m.log {
		segmentLines(p, logSegments(mx, mv), black, nil)
		lo, hi := logRange(stats.lo, stats.hi, mv)
		logAxis(&p.Y, lo, hi)
	} else {
		p.Add(line(xys(mx, mv), black, nil))
		p.Y.Min, p.Y.Max = 0, max(1, 1.05*max(ymax, maxOf(mv)))
	}
	f.legend.Add(measuredLabel, line(plotter.XYs{}, black, nil))
	p.X.Min, p.X.Max = 0, max(endTime(ps, predicted[0].Rows), endTime(measured.Summary, measured.Rows))
	f.add(p, 1)
	return f
}

// replicationStats computes the band per interval over the first k rows,
// k being the shortest replication. For log metrics only positive values
// count, and the CI's lower end is clamped to the smallest value seen.
func replicationStats(runs []results.Run, m bandMetric) bandStats {
	k := len(runs[0].Rows)
	for _, r := range runs[1:] {
		k = min(k, len(r.Rows))
	}
	st := bandStats{mean: make([]float64, k), lo: make([]float64, k), hi: make([]float64, k)}
	for i := range k {
		var vals []float64
		for _, r := range runs {
			v := m.value(r.Rows[i])
			if !m.log || v > 0 {
				vals = append(vals, v)
			}
		}
		st.mean[i], st.lo[i], st.hi[i] = intervalBand(vals, len(runs) >= minCIReplications)
		if m.log && st.lo[i] <= 0 {
			st.lo[i] = minOf(vals)
		}
	}
	return st
}

// intervalBand returns the mean and the band's ends: mean ± 1.96·sd/√n when
// ci is set and there are 2 or more values, else min and max. No values
// gives NaNs.
func intervalBand(vals []float64, ci bool) (mean, lo, hi float64) {
	n := float64(len(vals))
	if n == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	for _, v := range vals {
		mean += v
	}
	mean /= n
	if !ci || n < 2 {
		return mean, minOf(vals), maxOf(vals)
	}
	var ss float64
	for _, v := range vals {
		ss += (v - mean) * (v - mean)
	}
	half := 1.96 * math.Sqrt(ss/(n-1)) / math.Sqrt(n)
	return mean, mean - half, mean + half
}

func minOf(v []float64) float64 {
	m := math.Inf(1)
	for _, x := range v {
		m = min(m, x)
	}
	return m
}

// definedRuns returns [start, end) index ranges where v is not NaN.
func definedRuns(v []float64) [][2]int {
	var runs [][2]int
	start := -1
	for i, x := range v {
		switch {
		case !math.IsNaN(x) && start < 0:
			start = i
		case math.IsNaN(x) && start >= 0:
			runs = append(runs, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		runs = append(runs, [2]int{start, len(v)})
	}
	return runs
}

func log10Values(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Log10(x)
	}
	return out
}
