package plots

import (
	"fmt"

	"gonum.org/v1/plot"

	"github.com/forkcast/forkcast/results"
)

// memoryFigure stacks total PSS by process kind against the host's RAM and
// RAM+swap: 150 prefork children importing a 30 MB app climb far past a
// 256 MB VPS's RAM line, while daemon mode stays flat under it.
func memoryFigure(v view) *figure {
	s := v.s
	f := newFigure("memory")
	rows := v.rows(qPSS, qSplit, qSwap)
	x := v.ax.mid(s, rows)

	p := newPlot(title("Memory in use (PSS) by process kind", s), v.ax.label(), "PSS (MB)")
	top := stack(p, f, x, memoryLayers(rows))
	ymax := maxOf(top)
	if swap := column(rows, "swap_mb"); anyNonZero(swap) {
		l := line(xys(x, swap), purple, dotted)
		p.Add(l)
		f.series("swap in use", purple, l)
		ymax = max(ymax, maxOf(swap))
	}
	ymax = max(ymax, addMemoryLimits(p, f, s, ymax, v.end))
	p.X.Min, p.X.Max = 0, v.end
	p.Y.Min, p.Y.Max = 0, max(1, ymax*1.05)
	f.add(p, 1)
	return f
}

// memoryLayers splits PSS by process kind; a run that did not record the
// split (all three zero) is drawn as one total layer.
func memoryLayers(rows []results.Row) []layer {
	parent := column(rows, "parent_pss_mb")
	children := column(rows, "children_pss_mb")
	daemons := column(rows, "daemon_pss_mb")
	if !anyNonZero(sum(parent, children, daemons)) {
		return []layer{{"total PSS (no split by kind)", column(rows, "pss_mb"), lighter(blue, 0.3)}}
	}
	layers := []layer{{"Apache parent", parent, grey}}
	if anyNonZero(daemons) {
		layers = append(layers, layer{"mod_wsgi daemon processes", daemons, lighter(blue, 0.2)})
	}
	return append(layers, layer{"Apache children", children, lighter(vermilion, 0.2)})
}

// addMemoryLimits draws the RAM and RAM+swap lines (when known, and not
// far above the data) and returns the highest drawn.
func addMemoryLimits(p *plot.Plot, f *figure, s results.Summary, top, end float64) float64 {
	if s.RAMMB <= 0 {
		return 0
	}
	y := f.limitAt(p, fmt.Sprintf("RAM (%s MB)", results.FormatFloat(s.RAMMB)), s.RAMMB, top, end, nil)
	if s.SwapMB <= 0 {
		return y
	}
	return max(y, f.limitAt(p, fmt.Sprintf("RAM + swap (%s MB)", results.FormatFloat(s.RAMMB+s.SwapMB)), s.RAMMB+s.SwapMB, top, end, dashed))
}
