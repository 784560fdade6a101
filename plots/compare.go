package plots

import (
	"fmt"
	"image/color"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/forkcast/forkcast/results"
)

// CompareFigures renders comparison figures of several runs: one panel per
// metric with every run overlaid on shared axes, each run in its own colour
// (RunColors) and labelled by what tells it apart (RunLabels). names are
// where the runs came from (their directories), used when their summaries
// do not tell them apart; nil if unknown.
func CompareFigures(runs []results.Run, names []string) ([]Figure, error) {
	if len(runs) < 2 {
		return nil, fmt.Errorf("plots: a comparison needs at least 2 runs, got %d", len(runs))
	}
	for i, r := range runs {
		if len(r.Rows) == 0 {
			return nil, fmt.Errorf("plots: run %d (%s) has no timeseries rows", i+1, describe(r.Summary))
		}
	}
	c := newComparison(runs, names)
	builders := []func(comparison) *figure{
		compareProcesses,
		compareMemory,
		compareLatency,
		compareLatencyCDF,
		compareQueues,
		compareFailures,
	}
	var figs []Figure
	for _, build := range builders {
		f, err := build(c).render()
		if err != nil {
			return nil, err
		}
		figs = append(figs, f)
	}
	return figs, nil
}

// Compare writes the comparison figures of runs into dir as compare_NAME.png
// and compare_NAME.svg (processes, memory, latency, latency_cdf, queues,
// failures).
func Compare(dir string, runs []results.Run, names []string) error {
	figs, err := CompareFigures(runs, names)
	if err != nil {
		return err
	}
	return write(dir, figs)
}

// comparison is what every comparison figure starts from.
type comparison struct {
	runs   []results.Run
	views  []view
	labels []string
	colors []color.Color
	common string // what the runs share, for the titles
	ax     timeAxis
	end    float64 // the latest end, in the axis' unit
}

func newComparison(runs []results.Run, names []string) comparison {
	c := comparison{runs: runs}
	c.labels, c.common = RunLabels(runs, names)
	c.colors = RunColorsOf(runs, names)
	var endS float64
	for _, r := range runs {
		endS = max(endS, endTime(r.Summary, r.Rows))
	}
	c.ax = newTimeAxis(endS)
	c.end = endS / c.ax.unit
	for _, r := range runs {
		v := newView(r)
		v.ax, v.end = c.ax, c.end // one time axis for all
		c.views = append(c.views, v)
	}
	return c
}

// RunLabels names each run by the fields that differ between the runs —
// scenario, variant and source, then MPM and mode only if those are not
// enough to tell the runs apart — and returns what they share for titles.
// Runs still alike are told apart by their names (directories: the
// shortest distinct trailing parts of the paths), or numbered when there
// are none.
func RunLabels(runs []results.Run, names []string) (labels []string, common string) {
	primary := []func(results.Summary) string{
		func(s results.Summary) string { return s.Scenario },
		func(s results.Summary) string { return s.Variant },
		func(s results.Summary) string { return s.Source },
	}
	secondary := []func(results.Summary) string{
		func(s results.Summary) string { return s.MPM },
		func(s results.Summary) string { return s.Mode },
	}
	labels = make([]string, len(runs))
	var shared []string
	for _, field := range primary {
		shared = appendLabelField(runs, labels, shared, field)
	}
	if !distinct(labels) {
		for _, field := range secondary {
			shared = appendLabelField(runs, labels, shared, field)
		}
	}
	if !distinct(labels) && len(names) == len(runs) {
		short := shortNames(names)
		for i := range labels {
			labels[i] = joinNonEmpty(": ", short[i], labels[i])
		}
	}
	for i := range labels {
		if labels[i] == "" {
			labels[i] = fmt.Sprintf("run %d", i+1)
		}
	}
	return labels, strings.Join(shared, ", ")
}

// shortNames keeps as many trailing path elements of each name as it takes
// to tell them apart.
func shortNames(names []string) []string {
	split := make([][]string, len(names))
	longest := 0
	for i, n := range names {
		split[i] = strings.Split(filepath.ToSlash(filepath.Clean(n)), "/")
		longest = max(longest, len(split[i]))
	}
	out := make([]string, len(names))
	for k := 1; k <= longest; k++ {
		for i, parts := range split {
			out[i] = strings.Join(parts[max(0, len(parts)-k):], "/")
		}
		if distinct(out) {
			break
		}
	}
	return out
}

// appendLabelField adds field to each run's label if the runs differ in
// it, or to shared if they all have the same non-empty value.
func appendLabelField(runs []results.Run, labels, shared []string, field func(results.Summary) string) []string {
	first := field(runs[0].Summary)
	same := true
	for _, r := range runs[1:] {
		same = same && field(r.Summary) == first
	}
	if same {
		if first != "" {
			shared = append(shared, first)
		}
		return shared
	}
	for i, r := range runs {
		labels[i] = joinNonEmpty(" / ", labels[i], orDash(field(r.Summary)))
	}
	return shared
}

func distinct(labels []string) bool {
	seen := map[string]bool{}
	for _, l := range labels {
		if l == "" || seen[l] {
			return false
		}
		seen[l] = true
	}
	return true
}

func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}

func orDash(s string) string {
	if s == "" {
		return "base"
	}
	return s
}

func compareTitle(what, common string) string {
	if common == "" {
		return what + "\ncomparison"
	}
	return what + "\ncomparison: " + common
}

// compareLines overlays one series per run and returns the largest value.
func compareLines(c comparison, p *plot.Plot, f *figure, q quantity) float64 {
	var ymax float64
	for i, v := range c.views {
		rows := v.rows(q)
		vals := make([]float64, len(rows))
		for j, r := range rows {
			vals[j] = q(r)
		}
		l := line(xys(v.ax.mid(v.s, rows), vals), c.colors[i], nil)
		p.Add(l)
		f.series(c.labels[i], c.colors[i], l)
		ymax = max(ymax, maxOf(vals))
	}
	return ymax
}

func compareProcesses(c comparison) *figure {
	f := newFigure("compare_processes")
	p := newPlot(compareTitle("Processes: Apache children + mod_wsgi daemons", c.common), c.ax.label(), "processes")
	ymax := compareLines(c, p, f, qProcesses)
	p.X.Min, p.X.Max = 0, c.end
	p.Y.Min, p.Y.Max = 0, max(1, ymax*1.05)
	f.add(p, 1)
	return f
}

// limitDashes tell apart the RAM lines of runs on different hosts.
var limitDashes = [][]vg.Length{nil, dashed, dotted, {vg.Points(8), vg.Points(3), vg.Points(2), vg.Points(3)}}

func compareMemory(c comparison) *figure {
	f := newFigure("compare_memory")
	p := newPlot(compareTitle("Memory in use (total PSS)", c.common), c.ax.label(), "PSS (MB)")
	ymax := compareLines(c, p, f, qPSS)
	var rams []float64
	for _, r := range c.runs {
		if ram := r.Summary.RAMMB; ram > 0 && !contains(rams, ram) {
			rams = append(rams, ram)
		}
	}
	top := ymax
	for k, ram := range rams {
		name := fmt.Sprintf("RAM (%s MB)", results.FormatFloat(ram))
		if len(rams) > 1 {
			var of []string
			for i, r := range c.runs {
				if r.Summary.RAMMB == ram {
					of = append(of, c.labels[i])
				}
			}
			name = fmt.Sprintf("RAM of %s (%s MB)", of[0], results.FormatFloat(ram))
			if len(of) > 1 {
				name = fmt.Sprintf("RAM of %d runs (%s MB)", len(of), results.FormatFloat(ram))
			}
		}
		ymax = max(ymax, f.limitAt(p, name, ram, top, c.end, limitDashes[k%len(limitDashes)]))
	}
	p.X.Min, p.X.Max = 0, c.end
	p.Y.Min, p.Y.Max = 0, max(1, ymax*1.05)
	f.add(p, 1)
	return f
}

func contains(v []float64, x float64) bool {
	for _, y := range v {
		if y == x {
			return true
		}
	}
	return false
}

// labelOf is a run's legend label, saying when it has no latency to show.
func (c comparison) labelOf(i int) string {
	if noneCompleted(c.runs[i].Summary) {
		return c.labels[i] + " (none completed)"
	}
	return c.labels[i]
}

// compareLatency overlays p99 (solid) and p50 (dashed) per run on a log axis.
func compareLatency(c comparison) *figure {
	f := newFigure("compare_latency")
	p := newPlot(compareTitle("Response time: p99 solid, p50 dashed", c.common), c.ax.label(), "latency (ms, log scale)")
	var all [][]float64
	for i, v := range c.views {
		rows := v.rows(qP50, qP99, qP50Done, qP99Done)
		x := v.ax.mid(v.s, rows)
		p50 := column(rows, "latency_p50_ms")
		p99 := column(rows, "latency_p99_ms")
		segmentLines(p, logSegments(x, p99), c.colors[i], nil)
		segmentLines(p, logSegments(x, p50), c.colors[i], dashed)
		f.series(c.labelOf(i), c.colors[i], line(plotter.XYs{}, c.colors[i], nil))
		all = append(all, p50, p99)
	}
	f.key("p99", line(plotter.XYs{}, keyColor, nil))
	f.key("p50", line(plotter.XYs{}, keyColor, dashed))
	lo, hi := logRange(all...)
	logAxis(&p.Y, lo, hi)
	p.X.Min, p.X.Max = 0, c.end
	f.add(p, 1)
	return f
}

// compareLatencyCDF overlays each run's latency distribution (latency.hdr),
// or only its summary's quantiles when it has none.
func compareLatencyCDF(c comparison) *figure {
	f := newFigure("compare_latency_cdf")
	p := newPlot(compareTitle("Latency distribution over the run", c.common), "latency (ms, log scale)",
		"fraction of completed requests ≤ latency")
	var xs []float64
	for i, r := range c.runs {
		h := r.Latencies
		label := c.labelOf(i)
		switch {
		case noneCompleted(r.Summary):
			f.series(label, c.colors[i], line(plotter.XYs{}, c.colors[i], nil))
		case h != nil && h.Count() > 0:
			pts := cdfPoints(h)
			l := line(log10s(pts, false), c.colors[i], nil)
			p.Add(l)
			f.series(label, c.colors[i], l)
			xs = append(xs, pts[0].X, pts[len(pts)-1].X)
		default:
			marks := quantileMarks(r.Summary, nil)
			sc := marksScatter(marks, c.colors[i])
			p.Add(sc)
			f.series(label+": p50/p90/p99/max only (no latency.hdr)", c.colors[i], sc)
			for _, m := range marks {
				xs = append(xs, m.X)
			}
		}
	}
	lo, hi := logRange(xs)
	logAxis(&p.X, stepDown(lo/1.5), stepUp(hi*1.5))
	p.Y.Min, p.Y.Max = 0, 1.05
	f.add(p, 1)
	return f
}

// compareQueues overlays the listen backlog (solid) and daemon queue (dashed).
func compareQueues(c comparison) *figure {
	f := newFigure("compare_queues")
	p := newPlot(compareTitle("Waiting: listen backlog solid, daemon queue dashed", c.common), c.ax.label(),
		"waiting (connections or requests)")
	var ymax float64
	for i, v := range c.views {
		rows := v.rows(qListen, qDaemonWait)
		x := v.ax.mid(v.s, rows)
		listen := column(rows, "listen_queue")
		daemon := column(rows, "daemon_queue")
		l := line(xys(x, listen), c.colors[i], nil)
		p.Add(l)
		f.series(c.labels[i], c.colors[i], l)
		if anyNonZero(daemon) || v.s.Mode != "embedded" {
			p.Add(line(xys(x, daemon), c.colors[i], dashed))
		}
		ymax = max(ymax, maxOf(listen), maxOf(daemon))
	}
	f.key("listen backlog", line(plotter.XYs{}, keyColor, nil))
	f.key("daemon queue", line(plotter.XYs{}, keyColor, dashed))
	p.X.Min, p.X.Max = 0, c.end
	p.Y.Min, p.Y.Max = 0, max(1, ymax*1.05)
	f.add(p, 1)
	return f
}

// compareFailures groups the failure-cause bars of each run side by side.
func compareFailures(c comparison) *figure {
	f := newFigure("compare_failures")
	p := newPlot(compareTitle("Failed requests by cause", c.common), "cause", "failed requests")
	width := vg.Inch * vg.Length(min(0.4, 0.6/float64(len(c.runs))))
	var ymax float64
	for i, r := range c.runs {
		counts := failureCounts(r.Summary.Requests.Failures)
		bars, err := plotter.NewBarChart(counts, width)
		if err != nil {
			panic(err)
		}
		bars.Color = c.colors[i]
		bars.LineStyle.Width = 0
		bars.Offset = width * vg.Length(float64(i)-float64(len(c.runs)-1)/2)
		p.Add(bars)
		f.series(fmt.Sprintf("%s (%d failed)", c.labels[i], r.Summary.Requests.Failed), c.colors[i], bars)
		ymax = max(ymax, maxOf(counts))
	}
	if ymax == 0 {
		noteIn(p, "no request failed in any run")
	}
	p.NominalX(failureCauses...)
	p.X.Min, p.X.Max = -0.6, float64(len(failureCauses))-0.4
	p.Y.Min, p.Y.Max = 0, max(1, ymax*1.1)
	f.add(p, 1)
	return f
}
