package plots

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/forkcast/forkcast/results"
)

// processesFigure stacks Apache's worker slots by scoreboard state, with
// MaxRequestWorkers as a line, over a panel of forks and kills per second:
// prefork's snowball shows as spawns doubling while the importing band grows.
func processesFigure(run results.Run) *figure {
	s, rows := run.Summary, run.Rows
	f := newFigure("processes")
	x := midTimes(s, rows)
	end := endTime(s, rows)

	p := newPlot(title("Apache workers by state", s), "", workersLabel(s.MPM))
	top := stack(p, &f.legend, x, []layer{
		{"busy", column(rows, "busy"), blue},
		{"importing the app", column(rows, "importing"), vermilion},
		{"starting", column(rows, "starting"), yellow},
		{"keep-alive", column(rows, "keepalive"), purple},
		{"closing", column(rows, "closing"), grey},
		{"idle", column(rows, "idle"), lighter(green, 0.35)},
	})
	ymax := maxOf(top)
	if s.MaxWorkers > 0 {
		l := hline(float64(s.MaxWorkers), 0, end, black, dashed)
		p.Add(l)
		f.legend.Add(fmt.Sprintf("MaxRequestWorkers (%d)", s.MaxWorkers), l)
		ymax = max(ymax, float64(s.MaxWorkers))
	}
	if daemons := column(rows, "daemon_processes"); anyNonZero(daemons) {
		l := line(xys(x, daemons), black, dotted)
		p.Add(l)
		f.legend.Add("mod_wsgi daemon processes", l)
		ymax = max(ymax, maxOf(daemons))
	}
	p.X.Min, p.X.Max = 0, end
	p.Y.Min, p.Y.Max = 0, max(1, ymax*1.05)
	f.add(p, 0.68)
	f.add(churnPlot(s, rows, &f.legend, end), 0.32)
	return f
}

func workersLabel(mpm string) string {
	if mpm == "prefork" {
		return "Apache children (processes)"
	}
	return "Apache worker threads"
}

// churnPlot shows forks and kills of Apache children per second, as steps
// over each interval.
func churnPlot(s results.Summary, rows []results.Row, leg *plot.Legend, end float64) *plot.Plot {
	p := newPlot("", timeLabel, "per second")
	perSecond := 1.0
	if s.IntervalS > 0 {
		perSecond = 1 / s.IntervalS
	}
	spawns := scale(column(rows, "spawns"), perSecond)
	kills := scale(column(rows, "kills"), perSecond)
	fill := line(steps(rows, end, spawns), vermilion, nil)
	fill.StepStyle = plotter.PostStep
	fill.FillColor = lighter(vermilion, 0.6)
	p.Add(fill)
	leg.Add("children forked /s", fill)
	k := line(steps(rows, end, kills), black, nil)
	k.StepStyle = plotter.PostStep
	p.Add(k)
	leg.Add("children killed /s", k)
	p.X.Min, p.X.Max = 0, end
	p.Y.Min, p.Y.Max = 0, max(1, 1.1*max(maxOf(spawns), maxOf(kills)))
	return p
}

// steps places each interval's value at the interval's start and repeats the
// last value at end, for a PostStep line covering every interval.
func steps(rows []results.Row, end float64, v []float64) plotter.XYs {
	pts := make(plotter.XYs, 0, len(rows)+1)
	for i, r := range rows {
		pts = append(pts, plotter.XY{X: r.TimeS, Y: v[i]})
	}
	if n := len(v); n > 0 {
		pts = append(pts, plotter.XY{X: end, Y: v[n-1]})
	}
	return pts
}
