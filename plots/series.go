package plots

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/forkcast/forkcast/results"
)

// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
var (
	black     = color.RGBA{0, 0, 0, 255}
	orange    = color.RGBA{230, 159, 0, 255}
	skyBlue   = color.RGBA{86, 180, 233, 255}
	green     = color.RGBA{0, 158, 115, 255}
	yellow    = color.RGBA{240, 228, 66, 255}
	blue      = color.RGBA{0, 114, 178, 255}
	vermilion = color.RGBA{213, 94, 0, 255}
	purple    = color.RGBA{204, 121, 167, 255}
	grey      = color.RGBA{153, 153, 153, 255}
)

// runColors colour the runs of a comparison, in order.
var runColors = []color.Color{blue, vermilion, green, purple, orange, skyBlue, black, yellow}

func runColor(i int) color.Color { return runColors[i%len(runColors)] }

// lighter mixes c with white; f=0 is c, f=1 white.
func lighter(c color.Color, f float64) color.Color {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 { return uint8(float64(v>>8)*(1-f) + 255*f) }
	return color.RGBA{mix(r), mix(g), mix(b), 255}
}

var dashed = []vg.Length{vg.Points(6), vg.Points(3)}
var dotted = []vg.Length{vg.Points(1.5), vg.Points(2.5)}

func newGrid() *plotter.Grid {
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{230}
	g.Horizontal.Color = color.Gray{230}
	return g
}

// column returns a named timeseries.csv column; names are constants here,
// so a missing one is a programming error.
func column(rows []results.Row, name string) []float64 {
	v, err := results.Column(rows, name)
	if err != nil {
		panic(err)
	}
	return v
}

// sum adds columns element by element.
func sum(cols ...[]float64) []float64 {
	out := make([]float64, len(cols[0]))
	for _, c := range cols {
		for i, v := range c {
			out[i] += v
		}
	}
	return out
}

// scale multiplies every value by f.
func scale(v []float64, f float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x * f
	}
	return out
}

func maxOf(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

func anyNonZero(v []float64) bool { return maxOf(v) > 0 }

// midTimes returns the middle of each row's interval: rows hold means over
// the interval, so that is where their value belongs.
func midTimes(s results.Summary, rows []results.Row) []float64 {
	t := make([]float64, len(rows))
	for i, r := range rows {
		t[i] = r.TimeS + s.IntervalS/2
	}
	return t
}

// endTime is the end of the run's last interval (or its duration if longer).
func endTime(s results.Summary, rows []results.Row) float64 {
	end := s.DurationS
	if n := len(rows); n > 0 {
		end = max(end, rows[n-1].TimeS+s.IntervalS)
	}
	if end <= 0 {
		end = 1
	}
	return end
}

func xys(x, y []float64) plotter.XYs {
	pts := make(plotter.XYs, len(x))
	for i := range x {
		pts[i] = plotter.XY{X: x[i], Y: y[i]}
	}
	return pts
}

// line is a solid line of width 1.5 pt, or dashed/dotted when dashes is set.
func line(pts plotter.XYer, c color.Color, dashes []vg.Length) *plotter.Line {
	l, err := plotter.NewLine(pts)
	if err != nil {
		panic(err) // only NaN/Inf points fail, and callers never pass them
	}
	l.Color = c
	l.Width = vg.Points(1.5)
	l.Dashes = dashes
	return l
}

// hline is a horizontal line across [x0, x1].
func hline(y, x0, x1 float64, c color.Color, dashes []vg.Length) *plotter.Line {
	return line(plotter.XYs{{X: x0, Y: y}, {X: x1, Y: y}}, c, dashes)
}

// logSegments splits (x, log10 y) into runs of positive y for a log axis,
// which shows a gap where an interval has no value (no request completed).
func logSegments(x, y []float64) []plotter.XYs {
	var segs []plotter.XYs
	var cur plotter.XYs
	for i := range x {
		if y[i] > 0 && !math.IsInf(y[i], 0) && !math.IsNaN(y[i]) {
			cur = append(cur, plotter.XY{X: x[i], Y: math.Log10(y[i])})
			continue
		}
		if len(cur) > 0 {
			segs = append(segs, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		segs = append(segs, cur)
	}
	return segs
}

// segmentLines draws segments in one style; a one-point segment gets a dot.
func segmentLines(p *plot.Plot, segs []plotter.XYs, c color.Color, dashes []vg.Length) {
	for _, s := range segs {
		if len(s) == 1 {
			sc, err := plotter.NewScatter(s)
			if err != nil {
				panic(err)
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(2), Shape: draw.CircleGlyph{}}
			p.Add(sc)
			continue
		}
		p.Add(line(s, c, dashes))
	}
}

// band is the filled area between lo and hi over x.
func band(x, lo, hi []float64, c color.Color) *plotter.Polygon {
	ring := make(plotter.XYs, 0, 2*len(x))
	for i := range x {
		ring = append(ring, plotter.XY{X: x[i], Y: hi[i]})
	}
	for i := len(x) - 1; i >= 0; i-- {
		ring = append(ring, plotter.XY{X: x[i], Y: lo[i]})
	}
	poly, err := plotter.NewPolygon(ring)
	if err != nil {
		panic(err)
	}
	poly.Color = c
	poly.LineStyle.Width = 0
	return poly
}

// layer is one series of a stacked area chart.
type layer struct {
	name   string
	values []float64
	color  color.Color
}

// stack adds layers to p bottom to top as filled bands, and to the legend
// top to bottom so the legend reads in the order the eye sees. It returns
// the top of the stack.
func stack(p *plot.Plot, leg *plot.Legend, x []float64, layers []layer) []float64 {
	bottom := make([]float64, len(x))
	polys := make([]*plotter.Polygon, len(layers))
	for i, l := range layers {
		top := sum(bottom, l.values)
		polys[i] = band(x, bottom, top, l.color)
		p.Add(polys[i])
		bottom = top
	}
	for i := len(layers) - 1; i >= 0; i-- {
		leg.Add(layers[i].name, polys[i])
	}
	return bottom
}

// Log axes: gonum/plot's LogScale misplaces a centred axis label (it centres
// on the arithmetic mean of the range), so log axes here plot log10 of the
// values on a linear axis, with ticks labelled in the original units.

// log10s returns log10 of each value, for a log axis.
func log10s(pts plotter.XYs, axisY bool) plotter.XYs {
	out := make(plotter.XYs, len(pts))
	for i, p := range pts {
		if axisY {
			p.Y = math.Log10(p.Y)
		} else {
			p.X = math.Log10(p.X)
		}
		out[i] = p
	}
	return out
}

// logTicks labels a log10-transformed axis at 1, 2 and 5 times powers of
// ten (only at powers of ten when the axis spans more than three decades),
// with unlabelled minor ticks between.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	wide := hi-lo > 3
	var ticks []plot.Tick
	for e := math.Floor(lo); e <= math.Ceil(hi); e++ {
		decade := math.Pow(10, e)
		for m := 1; m < 10; m++ {
			v := decade * float64(m)
			lv := math.Log10(v)
			if lv < lo-1e-9 || lv > hi+1e-9 {
				continue
			}
			t := plot.Tick{Value: lv}
			if m == 1 || (!wide && (m == 2 || m == 5)) {
				t.Label = results.FormatFloat(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// plainTicks label about six round values (1, 2 or 5 times a power of ten
// apart) without trailing zeros, with unlabelled minor ticks between.
type plainTicks struct{}

func (plainTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: results.FormatFloat(lo)}}
	}
	step := stepUp((hi - lo) / 6)
	minor := step / 5
	if d := math.Pow(10, math.Floor(math.Log10(step))); step/d == 2 {
		minor = step / 4
	}
	var ticks []plot.Tick
	for k := math.Ceil(lo/minor - 1e-9); k*minor <= hi+1e-9*minor; k++ {
		v := k * minor
		t := plot.Tick{Value: v}
		if r := math.Round(v / step); math.Abs(v/step-r) < 1e-9 {
			t.Label = results.FormatFloat(r * step)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// logAxis makes a a log axis over [lo, hi] (in original units) for data
// passed through log10s.
func logAxis(a *plot.Axis, lo, hi float64) {
	a.Tick.Marker = logTicks{}
	a.Min, a.Max = math.Log10(lo), math.Log10(hi)
}

// logRange pads the positive range of values to whole 1-2-5 steps.
func logRange(values ...[]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), 0
	for _, v := range values {
		for _, x := range v {
			if x > 0 {
				lo, hi = min(lo, x), max(hi, x)
			}
		}
	}
	if hi == 0 {
		return 1, 10
	}
	return stepDown(lo), stepUp(hi)
}

// stepDown is the largest 1, 2 or 5 times a power of ten at most x.
func stepDown(x float64) float64 {
	d := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{5, 2, 1} {
		if m*d <= x {
			return m * d
		}
	}
	return d
}

// stepUp is the smallest 1, 2 or 5 times a power of ten at least x.
func stepUp(x float64) float64 {
	d := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*d >= x*(1-1e-12) {
			return m * d
		}
	}
	return 10 * d
}
