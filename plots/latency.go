package plots

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/forkcast/forkcast/results"
)

// latencyFigure shows p50 and p99 of requests completed in each interval on
// a log axis (gaps where nothing completed), over a panel of completions
// and failures per second. A run where nothing completed says so.
func latencyFigure(v view) *figure {
	s := v.s
	f := newFigure("latency")
	rows := v.rows(qP50, qP99, qP50Done, qP99Done)
	x := v.ax.mid(s, rows)

	p := newPlot(title("Response time of completed requests", s), "", "latency (ms, log scale)")
	p50 := column(rows, "latency_p50_ms")
	p99 := column(rows, "latency_p99_ms")
	lo, hi := logRange(p50, p99)
	logAxis(&p.Y, lo, hi)
	if noneCompleted(s) {
		noteIn(p, noneCompletedNote(s))
		p.Y.Tick.Marker = plot.ConstantTicks(nil) // a scale of nothing would read as values
	} else {
		segmentLines(p, logSegments(x, p99), vermilion, nil)
		segmentLines(p, logSegments(x, p50), blue, nil)
		f.series("p99 per interval", vermilion, line(plotter.XYs{}, vermilion, nil))
		f.series("p50 per interval", blue, line(plotter.XYs{}, blue, nil))
	}
	p.X.Min, p.X.Max = 0, v.end
	f.add(p, 0.65)
	f.add(throughputPlot(v, f), 0.35)
	return f
}

// throughputPlot shows completed and failed requests per second.
func throughputPlot(v view, f *figure) *plot.Plot {
	s := v.s
	rows := v.rows(qCompleted, qFailed)
	p := newPlot("", v.ax.label(), "requests /s")
	perSecond := 1.0
	if s.IntervalS > 0 {
		perSecond = 1 / s.IntervalS
	}
	done := scale(column(rows, "completions"), perSecond)
	failed := scale(column(rows, "failures"), perSecond)
	d := line(v.ax.steps(rows, v.end, done), green, nil)
	d.StepStyle = plotter.PostStep
	p.Add(d)
	f.series("completed /s", green, d)
	fl := line(v.ax.steps(rows, v.end, failed), purple, nil)
	fl.StepStyle = plotter.PostStep
	fl.FillColor = lighter(purple, 0.6)
	p.Add(fl)
	f.series("failed /s", purple, fl)
	p.X.Min, p.X.Max = 0, v.end
	p.Y.Min, p.Y.Max = 0, max(1, 1.1*max(maxOf(done), maxOf(failed)))
	return p
}

// latencyCDFFigure draws the distribution of response times over the whole
// run from latency.hdr, exact to the histogram's 0.1%, with p50, p90, p99
// and the maximum marked. A directory written before forkcast kept the
// histogram has only summary.json's quantiles, and the figure shows just
// those, saying so: a curve rebuilt from per-interval p50/p99 would look
// exact and is not.
func latencyCDFFigure(v view) *figure {
	s := v.s
	f := newFigure("latency_cdf")
	h := v.run.Latencies
	p := newPlot(title(cdfTitle(s), s), "latency (ms, log scale)", "fraction of completed requests ≤ latency")
	marks := quantileMarks(s, h)
	var xs []float64
	for _, m := range marks {
		xs = append(xs, m.X)
	}
	switch {
	case noneCompleted(s):
		noteIn(p, noneCompletedNote(s))
		defer func() { p.X.Tick.Marker = plot.ConstantTicks(nil) }() // after logAxis sets it
	case h != nil && h.Count() > 0:
		pts := cdfPoints(h)
		l := line(log10s(pts, false), blue, nil)
		p.Add(l)
		f.series("completed requests (latency.hdr)", blue, l)
		xs = append(xs, pts[0].X, pts[len(pts)-1].X)
	default:
		noteIn(p, "no latency.hdr in this result directory (written before forkcast kept one):\nonly summary.json's quantiles are known")
	}
	if len(marks) > 0 {
		sc := marksScatter(marks, vermilion)
		p.Add(sc)
		p.Add(markLabels(marks)...)
		f.series("p50, p90, p99, max", vermilion, sc)
	}
	lo, hi := logRange(xs)
	logAxis(&p.X, stepDown(lo/1.5), stepUp(hi*1.5))
	p.Y.Min, p.Y.Max = 0, 1.05
	f.add(p, 1)
	return f
}

// cdfTitle says whose response times the distribution holds: completed
// requests only, not the failed or unfinished ones.
func cdfTitle(s results.Summary) string {
	q := s.Requests
	// Two lines: the legend sits right of the plot, and the title is
	// centred over the plot alone, so one long line ran off the left edge.
	t := fmt.Sprintf("Latency distribution over the run\n%d completed requests", q.Completed)
	switch {
	case q.Failed > 0 && q.Unfinished > 0:
		t += fmt.Sprintf(", not the %d failed and %d unfinished", q.Failed, q.Unfinished)
	case q.Failed > 0:
		t += fmt.Sprintf(", not the %d failed", q.Failed)
	case q.Unfinished > 0:
		t += fmt.Sprintf(", not the %d unfinished", q.Unfinished)
	}
	return t
}

// cdfPoints is the histogram's CDF as a line from 0 at its lowest value:
// each bucket rises to its cumulative fraction at its upper end.
func cdfPoints(h *results.Histogram) plotter.XYs {
	cdf := h.CDF()
	pts := make(plotter.XYs, 0, len(cdf)+1)
	pts = append(pts, plotter.XY{X: cdf[0].MS / 1.001, Y: 0})
	for _, c := range cdf {
		pts = append(pts, plotter.XY{X: c.MS, Y: c.Fraction})
	}
	return thinCDF(pts)
}

// cdfColumns is how many equal columns of log10 latency the CDF's points
// span is cut into for drawing: the figure's data area is under 1000
// pixels wide and its axis spans at least the points, so a column is at
// most half a pixel wide.
const cdfColumns = 2000

// thinCDF keeps, of each column's run of consecutive points, the first and
// the last: the CDF rises monotonically, so the straight line between them
// strays from the points left out by less than the column's width, and the
// lines between columns join real consecutive points. An hour at 500
// requests/s has 12 700 buckets (3 significant digits over 5 decades),
// which took longer to rasterise than any other figure.
func thinCDF(pts plotter.XYs) plotter.XYs {
	if len(pts) < 3 {
		return pts
	}
	step := (math.Log10(pts[len(pts)-1].X) - math.Log10(pts[0].X)) / cdfColumns
	out := make(plotter.XYs, 0, min(len(pts), 2*cdfColumns+2))
	start, startX := 0, math.Log10(pts[0].X)
	for i := 1; i <= len(pts); i++ {
		var x float64
		if i < len(pts) {
			x = math.Log10(pts[i].X)
			if x-startX < step {
				continue
			}
		}
		out = append(out, pts[start])
		if i-1 > start {
			out = append(out, pts[i-1])
		}
		start, startX = i, x
	}
	return out
}

// quantileMarks are p50, p90, p99 and the maximum: from the histogram when
// there is one, else from the summary.
func quantileMarks(s results.Summary, h *results.Histogram) plotter.XYs {
	l := s.Latency
	if h != nil && h.Count() > 0 {
		l = results.Latency{P50: h.QuantileMS(0.5), P90: h.QuantileMS(0.9), P99: h.QuantileMS(0.99), Max: h.MaxMS()}
	}
	var pts plotter.XYs
	for _, q := range []struct{ v, p float64 }{{l.P50, 0.5}, {l.P90, 0.9}, {l.P99, 0.99}, {l.Max, 1}} {
		if q.v > 0 {
			pts = append(pts, plotter.XY{X: q.v, Y: q.p})
		}
	}
	return pts
}

// marksScatter draws quantile marks as crosses.
func marksScatter(marks plotter.XYs, c color.Color) *plotter.Scatter {
	sc, err := plotter.NewScatter(log10s(marks, false))
	if err != nil {
		panic(err)
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(4), Shape: draw.CrossGlyph{}}
	return sc
}

// markLabels writes each mark's quantile and value beside it: to the left
// of p50, p90 and p99 (p99 below its mark, clear of the maximum's), to the
// right of the maximum.
func markLabels(marks plotter.XYs) []plot.Plotter {
	names := map[float64]string{0.5: "p50", 0.9: "p90", 0.99: "p99", 1: "max"}
	var out []plot.Plotter
	for _, m := range marks {
		l, err := plotter.NewLabels(plotter.XYLabels{
			XYs:    log10s(plotter.XYs{m}, false),
			Labels: []string{names[m.Y] + " " + durationText(m.X)},
		})
		if err != nil {
			panic(err)
		}
		sty := &l.TextStyle[0]
		sty.Font = sansFont(9)
		sty.XAlign, sty.YAlign = draw.XRight, draw.YCenter
		l.Offset = vg.Point{X: -vg.Points(7)}
		switch m.Y {
		case 0.99:
			sty.YAlign = draw.YTop
			l.Offset.Y = -vg.Points(2)
		case 1:
			sty.XAlign = draw.XLeft
			l.Offset.X = vg.Points(7)
		}
		out = append(out, l)
	}
	return out
}

// durationText writes a latency in ms as people read it: 45 ms, 3.68 s.
func durationText(ms float64) string {
	switch {
	case ms >= 10000:
		return fmt.Sprintf("%.1f s", ms/1000)
	case ms >= 1000:
		return fmt.Sprintf("%.2f s", ms/1000)
	case ms >= 10:
		return fmt.Sprintf("%.0f ms", ms)
	}
	return fmt.Sprintf("%.2g ms", ms)
}
