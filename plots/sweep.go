package plots

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// SweepSeries is one line of a sweep figure: a metric's mean at each value
// of the varied key, and its 95% interval as a band around it.
type SweepSeries struct {
	Label  string
	X      []float64 // the varied key's values (category positions 0, 1, … for a category axis)
	Mean   []float64 // NaN: no value at that x (a gap)
	Lo, Hi []float64 // the interval; nil, or NaN where unknown: no band there
}

// SweepFigure is a figure of a sweep: one or more series against the
// varied key. With XTicks the x axis is categories, labelled at 0, 1, ….
type SweepFigure struct {
	Name, Title    string
	XLabel, YLabel string
	XTicks         []string
	LogX, LogY     bool
	Series         []SweepSeries
	BandLabel      string // the legend's name for the bands, e.g. "95% CI of the mean"
}

// bandAlpha is the bands' opacity: overlapping bands stay readable.
const bandAlpha = 70

// SweepLines renders a SweepFigure: each series as a line with a dot at
// each point over its band, in the comparison colours; on a category axis,
// dots with the interval as a whisker, the series side by side.
func SweepLines(sf SweepFigure) (Figure, error) {
	if len(sf.Series) == 0 {
		return Figure{}, fmt.Errorf("plots: sweep figure %s has no series", sf.Name)
	}
	f := newFigure(sf.Name)
	yLabel := sf.YLabel
	if sf.LogY {
		yLabel += " (log scale)"
	}
	p := newPlot(sf.Title, sf.XLabel, yLabel)
	tx := func(v []float64) []float64 { return v }
	if sf.LogX {
		tx = log10Values
	}
	ty := func(v []float64) []float64 { return v }
	if sf.LogY {
		ty = positiveLog10
	}
	var ys [][]float64
	var xs []float64
	for i, s := range sf.Series {
		c := runPalette[i%len(runPalette)]
		fill := translucent(c, bandAlpha)
		x, mean := tx(s.X), ty(s.Mean)
		xs = append(xs, s.X...)
		ys = append(ys, s.Mean)
		if sf.XTicks != nil {
			// Categories: no line between them, the interval as a
			// whisker, the series side by side.
			dodge := (float64(i) - float64(len(sf.Series)-1)/2) * 0.08
			var pts plotter.XYs
			for j := range x {
				if math.IsNaN(mean[j]) {
					continue
				}
				xj := x[j] + dodge
				pts = append(pts, plotter.XY{X: xj, Y: mean[j]})
				if s.Lo != nil && s.Hi != nil {
					lo, hi := ty(clampLo(s.Lo, s.Mean, sf.LogY)), ty(s.Hi)
					if !math.IsNaN(lo[j]) && !math.IsNaN(hi[j]) {
						p.Add(line(plotter.XYs{{X: xj, Y: lo[j]}, {X: xj, Y: hi[j]}}, c, nil))
					}
					ys = append(ys, s.Lo, s.Hi)
				}
			}
			p.Add(dots(pts, c))
			f.legend.Add(s.Label, dots(plotter.XYs{}, c))
			continue
		}
		if s.Lo != nil && s.Hi != nil {
			lo, hi := ty(clampLo(s.Lo, s.Mean, sf.LogY)), ty(s.Hi)
			for _, seg := range definedRuns(bandDefined(lo, hi)) {
				if seg[1]-seg[0] >= 2 {
					p.Add(band(x[seg[0]:seg[1]], lo[seg[0]:seg[1]], hi[seg[0]:seg[1]], fill))
				}
			}
			ys = append(ys, s.Lo, s.Hi)
		}
		for _, seg := range definedRuns(mean) {
			pts := xys(x[seg[0]:seg[1]], mean[seg[0]:seg[1]])
			if len(pts) > 1 {
				p.Add(line(pts, c, nil))
			}
			p.Add(dots(pts, c))
		}
		l := line(plotter.XYs{}, c, nil)
		f.legend.Add(s.Label, l)
	}
	if sf.BandLabel != "" && len(sf.Series) > 0 && sf.Series[0].Lo != nil {
		if sf.XTicks != nil {
			f.legend.Add(sf.BandLabel, line(plotter.XYs{}, grey, nil))
		} else {
			f.legend.Add(sf.BandLabel, band([]float64{0}, []float64{0}, []float64{0}, color.NRGBA{A: bandAlpha}))
		}
	}
	switch {
	case sf.XTicks != nil:
		p.X.Tick.Marker = categoryTicks(sf.XTicks)
		p.X.Min, p.X.Max = -0.5, float64(len(sf.XTicks))-0.5
	case sf.LogX:
		lo, hi := logRange(xs)
		logAxis(&p.X, lo, hi)
	default:
		lo, hi := finiteRange(xs)
		pad := 0.03 * (hi - lo)
		if pad == 0 {
			pad = 0.5
		}
		p.X.Min, p.X.Max = lo-pad, hi+pad
	}
	if sf.LogY {
		lo, hi := logRange(ys...)
		logAxis(&p.Y, lo, hi)
	} else {
		lo, hi := finiteRange(ys...)
		p.Y.Min, p.Y.Max = min(0, lo), hi*1.05
		if p.Y.Max <= p.Y.Min {
			p.Y.Max = p.Y.Min + 1
		}
	}
	f.add(p, 1)
	return f.render()
}

// ParetoPoint is one point of a trade-off figure: the means of two
// metrics, their 95% intervals (NaN: none) and a label.
type ParetoPoint struct {
	X, Y               float64
	XLo, XHi, YLo, YHi float64
	Label              string
	Front              bool // on the Pareto front (no other point is better in both)
}

// maxParetoLabels is the most points a trade-off figure labels all of;
// with more, only the front's are.
const maxParetoLabels = 16

// Pareto renders a trade-off figure: every point with its intervals as
// error bars, the front's points joined as a staircase and labelled (the
// others too, in grey, when there are at most maxParetoLabels points).
// Points with a NaN coordinate are left out.
func Pareto(name, title, xLabel, yLabel string, logY bool, pts []ParetoPoint) (Figure, error) {
	f := newFigure(name)
	yl := yLabel
	if logY {
		yl += " (log scale)"
	}
	p := newPlot(title, xLabel, yl)
	ty := func(y float64) float64 {
		if logY {
			return math.Log10(y)
		}
		return y
	}
	var xs, ys []float64
	var all, front, others plotter.XYs
	var labels, otherLabels []string
	for _, pt := range pts {
		if math.IsNaN(pt.X) || math.IsNaN(pt.Y) || (logY && pt.Y <= 0) {
			continue
		}
		xs = append(xs, pt.X, pt.XLo, pt.XHi)
		ys = append(ys, pt.Y, pt.YLo, pt.YHi)
		xy := plotter.XY{X: pt.X, Y: ty(pt.Y)}
		if !math.IsNaN(pt.XLo) && !math.IsNaN(pt.XHi) {
			p.Add(line(plotter.XYs{{X: pt.XLo, Y: xy.Y}, {X: pt.XHi, Y: xy.Y}}, grey, nil))
		}
		if !math.IsNaN(pt.YLo) && !math.IsNaN(pt.YHi) && (!logY || pt.YLo > 0) {
			p.Add(line(plotter.XYs{{X: pt.X, Y: ty(pt.YLo)}, {X: pt.X, Y: ty(pt.YHi)}}, grey, nil))
		}
		all = append(all, xy)
		if pt.Front {
			front = append(front, xy)
			labels = append(labels, pt.Label)
		} else {
			others = append(others, xy)
			otherLabels = append(otherLabels, pt.Label)
		}
	}
	if len(all) == 0 {
		return Figure{}, fmt.Errorf("plots: %s: no point has both values", name)
	}
	p.Add(dots(all, grey))
	f.legend.Add("point (mean)", dots(plotter.XYs{}, grey))
	f.legend.Add("95% CI of the mean", line(plotter.XYs{}, grey, nil))
	if len(front) > 0 {
		if len(front) > 1 {
			st := line(front, vermilion, nil)
			st.StepStyle = plotter.PostStep
			p.Add(st)
		}
		p.Add(dots(front, vermilion))
		f.legend.Add("Pareto front", line(plotter.XYs{}, vermilion, nil))
	}
	// The front's names first; the others' only where they fit.
	names := &pointLabels{}
	names.add(front, labels, 8, vermilion)
	if len(all) <= maxParetoLabels {
		names.add(others, otherLabels, 7, grey)
	}
	p.Add(names)
	lo, hi := finiteRange(xs)
	pad := 0.05 * (hi - lo)
	if pad == 0 {
		pad = max(1, 0.05*math.Abs(hi))
	}
	p.X.Min, p.X.Max = lo-pad, hi+3*pad // room for the labels on the right
	if logY {
		lo, hi := logRange(ys)
		logAxis(&p.Y, lo, hi)
	} else {
		lo, hi := finiteRange(ys)
		p.Y.Min, p.Y.Max = min(0, lo), max(hi*1.08, lo+1)
	}
	f.add(p, 1)
	return f.render()
}

// translucent is c with opacity a (0–255).
func translucent(c color.Color, a uint8) color.NRGBA {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}

// dots is a scatter of small filled circles.
func dots(pts plotter.XYs, c color.Color) *plotter.Scatter {
	s, err := plotter.NewScatter(pts)
	if err != nil {
		panic(err) // callers pass finite points only
	}
	s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(2.2), Shape: draw.CircleGlyph{}}
	return s
}

// categoryTicks label positions 0, 1, … with the categories.
type categoryTicks []string

func (c categoryTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for i, l := range c {
		if float64(i) >= lo && float64(i) <= hi {
			ticks = append(ticks, plot.Tick{Value: float64(i), Label: l})
		}
	}
	return ticks
}

// finiteRange is the smallest and largest finite value; 0, 1 without any.
func finiteRange(vs ...[]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		for _, x := range v {
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				lo, hi = min(lo, x), max(hi, x)
			}
		}
	}
	if lo > hi {
		return 0, 1
	}
	return lo, hi
}

// positiveLog10 is log10 of each value, NaN for values that are not positive.
func positiveLog10(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.NaN()
		if x > 0 {
			out[i] = math.Log10(x)
		}
	}
	return out
}

// clampLo keeps a band's lower end positive on a log axis: an interval
// reaching down to zero or below is drawn from half the mean.
func clampLo(lo, mean []float64, log bool) []float64 {
	if !log {
		return lo
	}
	out := make([]float64, len(lo))
	for i, x := range lo {
		out[i] = x
		if !(x > 0) && mean[i] > 0 {
			out[i] = mean[i] / 2
		}
	}
	return out
}

// bandDefined is NaN where either end of the band is NaN, for definedRuns.
func bandDefined(lo, hi []float64) []float64 {
	out := make([]float64, len(lo))
	for i := range lo {
		out[i] = lo[i] + hi[i]
	}
	return out
}
