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
// the measured run as a line, and the latency distribution of the
// replications pooled (exactly, from latency.hdr) against the measured one.
// With at least 5 replications the band is the 95% confidence interval of
// the mean, mean ± 1.96·sd/√n; with fewer it is the min–max range. Each
// title says which. Replications are aligned by interval index (they share
// the scenario's interval).
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
	f, err := bandLatencyCDF(predicted, measured)
	if err != nil {
		return nil, err
	}
	fig, err := f.render()
	if err != nil {
		return nil, err
	}
	return append(figs, fig), nil
}

// Band writes the validation figures into dir as band_processes,
// band_memory, band_latency_p99 and band_latency_cdf (.png and .svg).
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
	ps := predicted[0].Summary
	endS := max(endTime(ps, predicted[0].Rows), endTime(measured.Summary, measured.Rows))
	ax := newTimeAxis(endS)
	p := newPlot(m.what+"\npredicted band: "+kind, ax.label(), m.yLabel)
	stats := replicationStats(predicted, m)
	rows := predicted[0].Rows[:len(stats.mean)]
	t := make([]float64, len(rows))
	for i, r := range rows {
		t[i] = r.TimeS
	}
	keep := thinIndex(t, ps.IntervalS, stats.mean, stats.lo, stats.hi)
	stats = bandStats{pick(stats.mean, keep), pick(stats.lo, keep), pick(stats.hi, keep)}
	x := pick(ax.mid(ps, rows), keep)

	mrows := thinRows(measured.Summary, measured.Rows, m.value)
	mx := ax.mid(measured.Summary, mrows)
	mv := make([]float64, len(mrows))
	for i, r := range mrows {
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
	f.series(fmt.Sprintf("predicted mean (%s)", ps.Source), blue, line(plotter.XYs{}, blue, nil))
	f.series("predicted band", bandColor, band([]float64{0}, []float64{0}, []float64{0}, bandColor))
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
	f.series(measuredLabel, black, line(plotter.XYs{}, black, nil))
	p.X.Min, p.X.Max = 0, endS/ax.unit
	f.add(p, 1)
	return f
}

// pick returns v at the indices idx.
func pick(v []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for i, j := range idx {
		out[i] = v[j]
	}
	return out
}

// bandLatencyCDF draws each replication's latency distribution, their
// exact pool (results.MergeHistograms) and the measured distribution.
// Runs without latency.hdr contribute only their summary's quantiles.
func bandLatencyCDF(predicted []results.Run, measured results.Run) (*figure, error) {
	f := newFigure("band_latency_cdf")
	p := newPlot(fmt.Sprintf("Latency distribution: %d replications pooled against the measured run", len(predicted)),
		"latency (ms, log scale)", "fraction of completed requests ≤ latency")
	var xs []float64
	var hs []*results.Histogram
	for _, r := range predicted {
		if r.Latencies != nil && r.Latencies.Count() > 0 {
			hs = append(hs, r.Latencies)
		}
	}
	replColor := lighter(blue, 0.6)
	if len(hs) == len(predicted) {
		for _, h := range hs {
			pts := cdfPoints(h)
			p.Add(line(log10s(pts, false), replColor, nil))
			xs = append(xs, pts[0].X, pts[len(pts)-1].X)
		}
		f.series("each replication", replColor, line(plotter.XYs{}, replColor, nil))
		pool, err := results.MergeHistograms(hs...)
		if err != nil {
			return nil, err
		}
		l := line(log10s(cdfPoints(pool), false), blue, nil)
		p.Add(l)
		f.series(fmt.Sprintf("predicted: %d replications pooled (%d requests)", len(hs), pool.Count()), blue, l)
	} else {
		var marks plotter.XYs
		for _, r := range predicted {
			marks = append(marks, quantileMarks(r.Summary, r.Latencies)...)
		}
		if len(marks) > 0 {
			sc := marksScatter(marks, blue)
			p.Add(sc)
			f.series("predicted p50/p90/p99/max (not every replication has latency.hdr)", blue, sc)
			for _, m := range marks {
				xs = append(xs, m.X)
			}
		}
	}
	mh := measured.Latencies
	switch {
	case noneCompleted(measured.Summary):
		noteIn(p, "measured: "+noneCompletedNote(measured.Summary))
	case mh != nil && mh.Count() > 0:
		pts := cdfPoints(mh)
		l := line(log10s(pts, false), black, nil)
		p.Add(l)
		f.series(fmt.Sprintf("measured (%d requests)", mh.Count()), black, l)
		xs = append(xs, pts[0].X, pts[len(pts)-1].X)
	default:
		marks := quantileMarks(measured.Summary, nil)
		sc := marksScatter(marks, black)
		p.Add(sc)
		f.series("measured p50/p90/p99/max (no latency.hdr)", black, sc)
		for _, m := range marks {
			xs = append(xs, m.X)
		}
	}
	lo, hi := logRange(xs)
	logAxis(&p.X, stepDown(lo/1.5), stepUp(hi*1.5))
	p.Y.Min, p.Y.Max = 0, 1.05
	f.add(p, 1)
	return f, nil
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
