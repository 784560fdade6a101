package plots

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// pointLabels names points next to them without letting two names
// overlap: each group is placed in order (the first group has priority),
// each name above-right of its point, else below-right, above-left,
// below-left, else left out — a name printed over another names neither
// point.
type pointLabels struct {
	groups []labelGroup
}

type labelGroup struct {
	xys    plotter.XYs
	labels []string
	style  text.Style
}

func (l *pointLabels) add(xys plotter.XYs, labels []string, size vg.Length, c color.Color) {
	st := text.Style{Font: sansFont(size), Color: c, Handler: plot.DefaultTextHandler}
	l.groups = append(l.groups, labelGroup{xys: xys, labels: labels, style: st})
}

// placedLabel is a name and where it is drawn.
type placedLabel struct {
	name  string
	style text.Style
	box   vg.Rectangle
}

// layout places the names; at maps a data point to the canvas, inside
// reports whether a point is on it.
func (l *pointLabels) layout(at func(plotter.XY) vg.Point, inside func(vg.Point) bool) []placedLabel {
	var placed []placedLabel
	free := func(r vg.Rectangle) bool {
		for _, p := range placed {
			q := p.box
			if r.Min.X < q.Max.X && q.Min.X < r.Max.X && r.Min.Y < q.Max.Y && q.Min.Y < r.Max.Y {
				return false
			}
		}
		return true
	}
	gap := vg.Points(3)
	for _, g := range l.groups {
		for i, xy := range g.xys {
			name := g.labels[i]
			w, h := g.style.Width(name), g.style.Height(name)
			pt := at(xy)
			right, left := pt.X+gap+vg.Points(1), pt.X-gap-w
			for _, min := range []vg.Point{{X: right, Y: pt.Y + gap}, {X: right, Y: pt.Y - gap - h}, {X: left, Y: pt.Y + gap}, {X: left, Y: pt.Y - gap - h}} {
				r := vg.Rectangle{Min: min, Max: vg.Point{X: min.X + w, Y: min.Y + h}}
				if free(r) && inside(r.Min) {
					placed = append(placed, placedLabel{name: name, style: g.style, box: r})
					break
				}
			}
		}
	}
	return placed
}

// Plot implements plot.Plotter.
func (l *pointLabels) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	at := func(xy plotter.XY) vg.Point { return vg.Point{X: trX(xy.X), Y: trY(xy.Y)} }
	for _, p := range l.layout(at, c.Contains) {
		c.FillText(p.style, p.box.Min, p.name)
	}
}
