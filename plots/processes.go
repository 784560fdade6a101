package plots

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/forkcast/forkcast/results"
)

// processesFigure stacks Apache's worker slots by scoreboard state, with
// MaxRequestWorkers as a line, over a panel of forks and kills per second:
// prefork's snowball shows as spawns doubling while the importing band grows.
func processesFigure(v view) *figure {
	s := v.s
	f := newFigure("processes")
	rows := v.rows(qWorkers, qDaemons)
	x := v.ax.mid(s, rows)

	p := newPlot(title("Apache workers by state", s), "", workersLabel(s.MPM))
	top := stack(p, f, x, []layer{
		{"busy", column(rows, "busy"), blue},
		{"importing the app", column(rows, "importing"), vermilion},
		{"starting", column(rows, "starting"), yellow},
		{"keep-alive", column(rows, "keepalive"), purple},
		{"closing", column(rows, "closing"), skyBlue},
		{"idle", column(rows, "idle"), lighter(green, 0.45)},
	})
	ymax := maxOf(top)
	switch daemons := column(rows, "daemon_processes"); {
	case !anyNonZero(daemons):
	case s.MPM == "prefork":
		// Processes on an axis of processes.
		l := line(xys(x, daemons), brown, dotted)
		l.Width = vg.Points(2)
		p.Add(l)
		f.series("mod_wsgi daemon processes", brown, l)
		ymax = max(ymax, maxOf(daemons))
	default:
		// Not on an axis of threads: say how many there were.
		lo, hi := minOf(daemons), maxOf(daemons)
		n := results.FormatFloat(math.Round(hi*10) / 10)
		if hi-lo >= 0.05 {
			n = results.FormatFloat(math.Round(lo*10)/10) + "–" + n
		}
		f.key("mod_wsgi daemon processes: "+n+" (not threads; not drawn)", textOnly{})
	}
	if s.MaxWorkers > 0 {
		ymax = max(ymax, f.limitAt(p, fmt.Sprintf("MaxRequestWorkers (%d)", s.MaxWorkers), float64(s.MaxWorkers), ymax, v.end, dashed))
	}
	p.X.Min, p.X.Max = 0, v.end
	p.Y.Min, p.Y.Max = 0, max(1, ymax*1.05)
	f.add(p, 0.68)
	f.add(churnPlot(v, f), 0.32)
	return f
}

func workersLabel(mpm string) string {
	if mpm == "prefork" {
		return "Apache children (processes)"
	}
	return "Apache worker threads"
}

// churnPlot shows forks and kills of Apache children per second, as steps
// over each interval, and the OOM killer's kills when there were any.
func churnPlot(v view, f *figure) *plot.Plot {
	s := v.s
	rows := v.rows(qSpawns, qKills)
	p := newPlot("", v.ax.label(), "per second")
	perSecond := 1.0
	if s.IntervalS > 0 {
		perSecond = 1 / s.IntervalS
	}
	spawns := scale(column(rows, "spawns"), perSecond)
	kills := scale(column(rows, "kills"), perSecond)
	fill := line(v.ax.steps(rows, v.end, spawns), orange, nil)
	fill.StepStyle = plotter.PostStep
	fill.FillColor = lighter(orange, 0.6)
	p.Add(fill)
	f.series("children forked /s", orange, fill)
	k := line(v.ax.steps(rows, v.end, kills), grey, nil)
	k.StepStyle = plotter.PostStep
	p.Add(k)
	f.series("idle children killed /s", grey, k)
	ymax := max(maxOf(spawns), maxOf(kills))
	if pts := oomKills(v); len(pts) > 0 {
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			panic(err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: darkRed, Radius: vg.Points(3), Shape: draw.CrossGlyph{}}
		p.Add(sc)
		f.series(fmt.Sprintf("killed by the OOM killer /s (%d in all)", s.OOMKills), darkRed, sc)
		for _, pt := range pts {
			ymax = max(ymax, pt.Y)
		}
	}
	p.X.Min, p.X.Max = 0, v.end
	p.Y.Min, p.Y.Max = 0, max(1, 1.1*ymax)
	return p
}

// oomKills counts the OOM killer's kills from events.log per interval, as
// points at each interval's middle, per second; thinned like rows.
func oomKills(v view) plotter.XYs {
	iv := v.s.IntervalS
	if !(iv > 0) {
		iv = 1
	}
	counts := map[int64]float64{}
	var order []int64
	for _, l := range v.run.Log {
		if !isOOMKill(l) || l.At < 0 {
			continue
		}
		i := int64(math.Floor(l.At.Seconds() / iv))
		if _, seen := counts[i]; !seen {
			order = append(order, i)
		}
		counts[i]++
	}
	slices.Sort(order)
	t := make([]float64, len(order))
	rate := make([]float64, len(order))
	for j, i := range order {
		t[j] = float64(i) * iv
		rate[j] = counts[i] / iv
	}
	var pts plotter.XYs
	for _, j := range thinIndex(t, iv, rate) {
		pts = append(pts, plotter.XY{X: (t[j] + iv/2) / v.ax.unit, Y: rate[j]})
	}
	return pts
}
