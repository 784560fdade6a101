package plots

import (
	"hash/fnv"
	"image/color"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/forkcast/forkcast/results"
)

// Okabe–Ito colours (distinguishable with the common colour-vision
// deficiencies), and a few darker ones for figures that need more.
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
	brown     = color.RGBA{140, 86, 40, 255}
	darkRed   = color.RGBA{160, 20, 40, 255}
	olive     = color.RGBA{150, 140, 0, 255}
)

// limitColor draws configured limits (MaxRequestWorkers, RAM): lines that
// are not data, told apart by their dashes and labels. No data series uses it.
var limitColor = black

// keyColor draws legend keys for line styles (p99 solid, p50 dashed): they
// stand for no series of their own.
var keyColor = grey

// runPalette colours the runs of a comparison.
var runPalette = []color.Color{blue, vermilion, green, purple, orange, skyBlue, brown, olive}

// RunColorsOf gives each run of a comparison its colour, a function of
// what the run is — its scenario, variant and source, and its name
// (directory) only when those do not tell the runs apart — so a variant
// keeps its colour in `compare`, `plot` and the report, whatever the order
// of the runs and however the legend labels it (see RunColors).
func RunColorsOf(runs []results.Run, names []string) []color.Color {
	keys := make([]string, len(runs))
	for i, r := range runs {
		s := r.Summary
		keys[i] = s.Scenario + "\x00" + s.Variant + "\x00" + s.Source
	}
	if !distinct(keys) && len(names) == len(runs) {
		short := shortNames(names)
		for i := range keys {
			keys[i] += "\x00" + short[i]
		}
	}
	return RunColors(keys)
}

// RunColors gives each key its colour: a function of the key itself
// (FNV-1a into runPalette), whatever the order of the keys. Should two
// keys of one comparison land on the same colour, the later key in sorted
// order takes the next free one; beyond len(runPalette) keys, colours
// repeat.
func RunColors(labels []string) []color.Color {
	sorted := slices.Clone(labels)
	sort.Strings(sorted)
	taken := map[int]bool{}
	byLabel := map[string]color.Color{}
	for _, l := range sorted {
		if _, done := byLabel[l]; done {
			continue
		}
		h := fnv.New32a()
		h.Write([]byte(l))
		i := int(h.Sum32() % uint32(len(runPalette)))
		for k := 0; k < len(runPalette) && taken[i]; k++ {
			i = (i + 1) % len(runPalette)
		}
		if len(taken) < len(runPalette) {
			taken[i] = true
		}
		byLabel[l] = runPalette[i]
	}
	out := make([]color.Color, len(labels))
	for i, l := range labels {
		out[i] = byLabel[l]
	}
	return out
}

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

// timeAxis is the unit of a figure's time axis: seconds, minutes or hours,
// as the run's length suggests, so a day-long run reads 0–24 h, not
// 0–86400 s.
type timeAxis struct {
	unit float64 // seconds per unit
	name string  // s, min or h
}

func newTimeAxis(endS float64) timeAxis {
	switch {
	case endS <= 15*60:
		return timeAxis{1, "s"}
	case endS <= 5*3600:
		return timeAxis{60, "min"}
	}
	return timeAxis{3600, "h"}
}

func (a timeAxis) label() string { return "time since the load started (" + a.name + ")" }

// mid returns the middle of each row's interval in the axis' unit: rows
// hold means over the interval, so that is where their value belongs.
func (a timeAxis) mid(s results.Summary, rows []results.Row) []float64 {
	t := make([]float64, len(rows))
	for i, r := range rows {
		t[i] = (r.TimeS + s.IntervalS/2) / a.unit
	}
	return t
}

// steps places each interval's value at the interval's start and repeats
// the last value at end (in the axis' unit), for a PostStep line covering
// every interval.
func (a timeAxis) steps(rows []results.Row, end float64, v []float64) plotter.XYs {
	pts := make(plotter.XYs, 0, len(rows)+1)
	for i, r := range rows {
		pts = append(pts, plotter.XY{X: r.TimeS / a.unit, Y: v[i]})
	}
	if n := len(v); n > 0 {
		pts = append(pts, plotter.XY{X: end, Y: v[n-1]})
	}
	return pts
}

// endTime is the end of the run's last interval (or its duration if
// longer), in seconds.
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
		panic(err) // only NaN/Inf points fail: the readers reject them (results.CheckRow)
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
func stack(p *plot.Plot, f *figure, x []float64, layers []layer) []float64 {
	bottom := make([]float64, len(x))
	polys := make([]*plotter.Polygon, len(layers))
	for i, l := range layers {
		top := sum(bottom, l.values)
		polys[i] = band(x, bottom, top, l.color)
		p.Add(polys[i])
		bottom = top
	}
	for i := len(layers) - 1; i >= 0; i-- {
		f.series(layers[i].name, layers[i].color, polys[i])
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
