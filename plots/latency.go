package plots

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/forkcast/forkcast/results"
)

// latencyFigure shows p50 and p99 of requests completed in each interval on
// a log axis (gaps where nothing completed), over a panel of completions
// and failures per second.
func latencyFigure(run results.Run) *figure {
	s, rows := run.Summary, run.Rows
	f := newFigure("latency")
	x := midTimes(s, rows)
	end := endTime(s, rows)

	p := newPlot(title("Response time of completed requests", s), "", "latency (ms, log scale)")
	p50 := column(rows, "latency_p50_ms")
	p99 := column(rows, "latency_p99_ms")
	segmentLines(p, logSegments(x, p99), vermilion, nil)
	segmentLines(p, logSegments(x, p50), blue, nil)
	f.legend.Add("p99 per interval", line(plotter.XYs{}, vermilion, nil))
	f.legend.Add("p50 per interval", line(plotter.XYs{}, blue, nil))
	lo, hi := logRange(p50, p99)
	logAxis(&p.Y, lo, hi)
	p.X.Min, p.X.Max = 0, end
	f.add(p, 0.65)
	f.add(throughputPlot(s, rows, &f.legend, end), 0.35)
	return f
}

// throughputPlot shows completed and failed requests per second.
func throughputPlot(s results.Summary, rows []results.Row, leg *plot.Legend, end float64) *plot.Plot {
	p := newPlot("", timeLabel, "requests /s")
	perSecond := 1.0
	if s.IntervalS > 0 {
		perSecond = 1 / s.IntervalS
	}
	done := scale(column(rows, "completions"), perSecond)
	failed := scale(column(rows, "failures"), perSecond)
	d := line(steps(rows, end, done), green, nil)
	d.StepStyle = plotter.PostStep
	p.Add(d)
	leg.Add("completed /s", d)
	fl := line(steps(rows, end, failed), vermilion, nil)
	fl.StepStyle = plotter.PostStep
	fl.FillColor = lighter(vermilion, 0.6)
	p.Add(fl)
	leg.Add("failed /s", fl)
	p.X.Min, p.X.Max = 0, end
	p.Y.Min, p.Y.Max = 0, max(1, 1.1*max(maxOf(done), maxOf(failed)))
	return p
}

// latencyCDFFigure draws an approximate CDF of response times over the
// whole run. The result format keeps only p50 and p99 per interval, so each
// interval is modelled as a log-normal through its p50 and p99, and the
// intervals are mixed weighted by their completions. The run's exact p50
// and p99 from summary.json are marked to show how close that comes.
func latencyCDFFigure(run results.Run) *figure {
	s, rows := run.Summary, run.Rows
	f := newFigure("latency_cdf")
	p := newPlot(title("Latency distribution over the run", s),
		"latency (ms, log scale)",
		"fraction of requests ≤ latency\n(approx.: interval p50/p99, weighted by completions)")
	comps := latencyComponents(rows)
	lo, hi := logRange(column(rows, "latency_p50_ms"), column(rows, "latency_p99_ms"),
		[]float64{s.Latency.P50, s.Latency.P99})
	lo, hi = stepDown(lo/2), stepUp(hi*1.5) // room for both tails
	if len(comps) > 0 {
		l := line(log10s(cdfPoints(comps, lo, hi), false), blue, nil)
		p.Add(l)
		f.legend.Add("approximate CDF", l)
	}
	if exact := exactQuantiles(s.Latency); len(exact) > 0 {
		sc, err := plotter.NewScatter(log10s(exact, false))
		if err != nil {
			panic(err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: vermilion, Radius: vg.Points(4), Shape: draw.CrossGlyph{}}
		p.Add(sc)
		f.legend.Add("summary p50/p90/p99 (exact)", sc)
	}
	logAxis(&p.X, lo, hi)
	p.Y.Min, p.Y.Max = 0, 1
	f.add(p, 1)
	return f
}

// lognormal is one interval's latency model: ln(latency) ~ N(mu, sigma²),
// weighted by its completions.
type lognormal struct{ mu, sigma, weight float64 }

// z99 is the standard normal's 99th percentile.
const z99 = 2.3263478740408408

func latencyComponents(rows []results.Row) []lognormal {
	var out []lognormal
	for _, r := range rows {
		if r.Completions <= 0 || r.LatencyP50MS <= 0 {
			continue
		}
		p99 := max(r.LatencyP99MS, r.LatencyP50MS)
		sigma := max(math.Log(p99/r.LatencyP50MS)/z99, 1e-3)
		out = append(out, lognormal{math.Log(r.LatencyP50MS), sigma, r.Completions})
	}
	return out
}

// cdfPoints evaluates the mixture's CDF at 200 log-spaced points in [lo, hi].
func cdfPoints(comps []lognormal, lo, hi float64) plotter.XYs {
	const n = 200
	var total float64
	for _, c := range comps {
		total += c.weight
	}
	pts := make(plotter.XYs, n)
	for i := range pts {
		x := lo * math.Pow(hi/lo, float64(i)/(n-1))
		var f float64
		for _, c := range comps {
			z := (math.Log(x) - c.mu) / c.sigma
			f += c.weight * 0.5 * math.Erfc(-z/math.Sqrt2)
		}
		pts[i] = plotter.XY{X: x, Y: f / total}
	}
	return pts
}

func exactQuantiles(l results.Latency) plotter.XYs {
	var pts plotter.XYs
	for _, q := range []struct{ v, p float64 }{{l.P50, 0.5}, {l.P90, 0.9}, {l.P99, 0.99}} {
		if q.v > 0 {
			pts = append(pts, plotter.XY{X: q.v, Y: q.p})
		}
	}
	return pts
}
