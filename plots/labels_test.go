package plots

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Names of points close together never print over each other: the second
// goes below its point, the third and fourth to its left, a fifth that
// fits nowhere is left out, and the front's names are placed before the
// others'.
func TestPointLabelsNeverOverlap(t *testing.T) {
	var l pointLabels
	l.add(plotter.XYs{{X: 0, Y: 0}, {X: 0, Y: 0}}, []string{"prefork 3 (start 3)", "prefork 4 (start 4)"}, 8, vermilion)
	l.add(plotter.XYs{{X: 0, Y: 0}, {X: 0, Y: 0}, {X: 0, Y: 0}, {X: 500, Y: 0}}, []string{"prefork 5", "prefork 6", "mod_wsgi-express", "far away"}, 7, grey)
	at := func(xy plotter.XY) vg.Point { return vg.Point{X: vg.Length(xy.X), Y: vg.Length(xy.Y) + 100} }
	placed := l.layout(at, func(vg.Point) bool { return true })
	var names []string
	for i, p := range placed {
		names = append(names, p.name)
		for _, q := range placed[:i] {
			overlap := p.box.Min.X < q.box.Max.X && q.box.Min.X < p.box.Max.X && p.box.Min.Y < q.box.Max.Y && q.box.Min.Y < p.box.Max.Y
			assert.False(t, overlap, "%q over %q", p.name, q.name)
		}
	}
	assert.Equal(t, []string{"prefork 3 (start 3)", "prefork 4 (start 4)", "prefork 5", "prefork 6", "far away"}, names)
	assert.Less(t, placed[1].box.Min.Y, vg.Length(100), "the second name goes below its point")
}
