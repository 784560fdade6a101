package plots

import (
	"fmt"
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/forkcast/forkcast/results"
)

// CompareFigures renders comparison figures of several runs: one panel per
// metric with every run overlaid on shared axes, each run in its own colour
// and labelled by what tells it apart (scenario, variant or source).
func CompareFigures(runs []results.Run) ([]Figure, error) {
	if len(runs) < 2 {
		return nil, fmt.Errorf("plots: a comparison needs at least 2 runs, got %d", len(runs))
	}
	for i, r := range runs {
		if len(r.Rows) == 0 {
			return nil, fmt.Errorf("plots: run %d (%s) has no timeseries rows", i+1, describe(r.Summary))
		}
	}
	labels, common := runLabels(runs)
	builders := []func([]results.Run, []string, string) *figure{
		compareProcesses,
		compareMemory,
		compareLatency,
		compareQueues,
		compareFailures,
	}
	var figs []Figure
	for _, build := range builders {
		f, err := build(runs, labels, common).render()
		if err != nil {
			return nil, err
		}
		figs = append(figs, f)
	}
	return figs, nil
}

// Compare writes the comparison figures of runs into dir as compare_NAME.png
// and compare_NAME.svg (processes, memory, latency, queues, failures).
func Compare(dir string, runs []results.Run) error {
	figs, err := CompareFigures(runs)
	if err != nil {
		return err
	}
	return write(dir, figs)
}

// runLabels names each run by the fields that differ between the runs —
// scenario, variant and source, then MPM and mode only if those are not
// enough to tell the runs apart — and returns what they share for the
// titles. Runs that differ in none of them are numbered.
func runLabels(runs []results.Run) (labels []string, common string) {
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
	for i := range labels {
		if labels[i] == "" {
			labels[i] = fmt.Sprintf("run %d", i+1)
		}
	}
	return labels, strings.Join(shared, ", ")
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

// compareEnd is the latest end time over runs, so all share one time axis.
func compareEnd(runs []results.Run) float64 {
	var end float64
	for _, r := range runs {
		end = max(end, endTime(r.Summary, r.Rows))
	}
	return end
}

// compareLines overlays one column-derived series per run and returns the
// largest value.
func compareLines(p *plot.Plot, leg *plot.Legend, runs []results.Run, labels []string,
	series func(results.Run) []float64) float64 {
	var ymax float64
	for i, r := range runs {
		v := series(r)
		l := line(xys(midTimes(r.Summary, r.Rows), v), runColor(i), nil)
		p.Add(l)
		leg.Add(labels[i], l)
		ymax = max(ymax, maxOf(v))
	}
	return ymax
}

func compareProcesses(runs []results.Run, labels []string, common string) *figure {
	f := newFigure("compare_processes")
	p := newPlot(compareTitle("Processes: Apache children + mod_wsgi daemons", common), timeLabel, "processes")
	ymax := compareLines(p, &f.legend, runs, labels, func(r results.Run) []float64 {
		return sum(column(r.Rows, "apache_children"), column(r.Rows, "daemon_processes"))
	})
	p.X.Min, p.X.Max = 0, compareEnd(runs)
	p.Y.Min, p.Y.Max = 0, max(1, ymax*1.05)
	f.add(p, 1)
	return f
}

func compareMemory(runs []results.Run, labels []string, common string) *figure {
	f := newFigure("compare_memory")
	p := newPlot(compareTitle("Memory in use (total PSS)", common), timeLabel, "PSS (MB)")
	end := compareEnd(runs)
	ymax := compareLines(p, &f.legend, runs, labels, func(r results.Run) []float64 {
		return column(r.Rows, "pss_mb")
	})
	seen := map[float64]bool{}
	for i, r := range runs {
		ram := r.Summary.RAMMB
		if ram <= 0 || seen[ram] {
			continue
		}
		seen[ram] = true
		c := color.Color(black)
		if len(runs) > 1 && !sameRAM(runs) {
			c = runColor(i)
		}
		l := hline(ram, 0, end, c, dashed)
		p.Add(l)
		f.legend.Add(fmt.Sprintf("RAM (%s MB)", results.FormatFloat(ram)), l)
		ymax = max(ymax, ram)
	}
	p.X.Min, p.X.Max = 0, end
	p.Y.Min, p.Y.Max = 0, max(1, ymax*1.05)
	f.add(p, 1)
	return f
}

func sameRAM(runs []results.Run) bool {
	for _, r := range runs[1:] {
		if r.Summary.RAMMB != runs[0].Summary.RAMMB {
			return false
		}
	}
	return true
}

// compareLatency overlays p99 (solid) and p50 (dashed) per run on a log axis.
func compareLatency(runs []results.Run, labels []string, common string) *figure {
	f := newFigure("compare_latency")
	p := newPlot(compareTitle("Response time: p99 solid, p50 dashed", common), timeLabel, "latency (ms, log scale)")
	var all [][]float64
	for i, r := range runs {
		x := midTimes(r.Summary, r.Rows)
		p50 := column(r.Rows, "latency_p50_ms")
		p99 := column(r.Rows, "latency_p99_ms")
		segmentLines(p, logSegments(x, p99), runColor(i), nil)
		segmentLines(p, logSegments(x, p50), runColor(i), dashed)
		f.legend.Add(labels[i], line(plotter.XYs{}, runColor(i), nil))
		all = append(all, p50, p99)
	}
	f.legend.Add("p99", line(plotter.XYs{}, grey, nil))
	f.legend.Add("p50", line(plotter.XYs{}, grey, dashed))
	lo, hi := logRange(all...)
	logAxis(&p.Y, lo, hi)
	p.X.Min, p.X.Max = 0, compareEnd(runs)
	f.add(p, 1)
	return f
}

// compareQueues overlays the listen backlog (solid) and daemon queue (dashed).
func compareQueues(runs []results.Run, labels []string, common string) *figure {
	f := newFigure("compare_queues")
	p := newPlot(compareTitle("Waiting: listen backlog solid, daemon queue dashed", common), timeLabel,
		"waiting (connections or requests)")
	var ymax float64
	for i, r := range runs {
		x := midTimes(r.Summary, r.Rows)
		listen := column(r.Rows, "listen_queue")
		daemon := column(r.Rows, "daemon_queue")
		l := line(xys(x, listen), runColor(i), nil)
		p.Add(l)
		f.legend.Add(labels[i], l)
		if anyNonZero(daemon) || r.Summary.Mode != "embedded" {
			p.Add(line(xys(x, daemon), runColor(i), dashed))
		}
		ymax = max(ymax, maxOf(listen), maxOf(daemon))
	}
	f.legend.Add("listen backlog", line(plotter.XYs{}, grey, nil))
	f.legend.Add("daemon queue", line(plotter.XYs{}, grey, dashed))
	p.X.Min, p.X.Max = 0, compareEnd(runs)
	p.Y.Min, p.Y.Max = 0, max(1, ymax*1.05)
	f.add(p, 1)
	return f
}

// compareFailures groups the failure-cause bars of each run side by side.
func compareFailures(runs []results.Run, labels []string, common string) *figure {
	f := newFigure("compare_failures")
	p := newPlot(compareTitle("Failed requests by cause", common), "cause", "failed requests")
	width := vg.Inch * vg.Length(min(0.4, 0.6/float64(len(runs))))
	var ymax float64
	for i, r := range runs {
		counts := failureCounts(r.Summary.Requests.Failures)
		bars, err := plotter.NewBarChart(counts, width)
		if err != nil {
			panic(err)
		}
		bars.Color = runColor(i)
		bars.LineStyle.Width = 0
		bars.Offset = width * vg.Length(float64(i)-float64(len(runs)-1)/2)
		p.Add(bars)
		f.legend.Add(fmt.Sprintf("%s (%d failed)", labels[i], r.Summary.Requests.Failed), bars)
		ymax = max(ymax, maxOf(counts))
	}
	p.NominalX(failureCauses...)
	p.X.Min, p.X.Max = -0.6, float64(len(failureCauses))-0.4
	p.Y.Min, p.Y.Max = 0, max(1, ymax*1.1)
	f.add(p, 1)
	return f
}
