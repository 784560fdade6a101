package plots

import (
	"fmt"

	"gonum.org/v1/plot"

	"github.com/forkcast/forkcast/results"
)

// memoryFigure stacks total PSS by process kind against the host's RAM and
// RAM+swap: 150 prefork children importing a 30 MB app climb far past a
// 256 MB VPS's RAM line, while daemon mode stays flat under it.
func memoryFigure(run results.Run) *figure {
	s, rows := run.Summary, run.Rows
	f := newFigure("memory")
	x := midTimes(s, rows)
	end := endTime(s, rows)

	p := newPlot(title("Memory in use (PSS) by process kind", s), timeLabel, "PSS (MB)")
	top := stack(p, &f.legend, x, memoryLayers(rows))
	ymax := maxOf(top)
	ymax = max(ymax, addMemoryLimits(p, &f.legend, s, end))
	if swap := column(rows, "swap_mb"); anyNonZero(swap) {
		l := line(xys(x, swap), vermilion, dotted)
		p.Add(l)
		f.legend.Add("swap in use", l)
		ymax = max(ymax, maxOf(swap))
	}
	p.X.Min, p.X.Max = 0, end
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

// addMemoryLimits draws the RAM and RAM+swap lines (when known) and returns
// the highest.
func addMemoryLimits(p *plot.Plot, leg *plot.Legend, s results.Summary, end float64) float64 {
	if s.RAMMB <= 0 {
		return 0
	}
	ram := hline(s.RAMMB, 0, end, black, nil)
	p.Add(ram)
	leg.Add(fmt.Sprintf("RAM (%s MB)", results.FormatFloat(s.RAMMB)), ram)
	if s.SwapMB <= 0 {
		return s.RAMMB
	}
	total := hline(s.RAMMB+s.SwapMB, 0, end, black, dashed)
	p.Add(total)
	leg.Add(fmt.Sprintf("RAM + swap (%s MB)", results.FormatFloat(s.RAMMB+s.SwapMB)), total)
	return s.RAMMB + s.SwapMB
}
