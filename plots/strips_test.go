package plots

import (
	"bytes"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/plot/vg"
)

// The PNG canvas strokes long lines in strips: the figure's pixels must be
// exactly those vgimg and gg draw from the whole line.
func TestStripsDrawTheSamePixelsAsTheWholeLine(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	noisy := func(n int, x0, x1 vg.Length) vg.Path {
		var p vg.Path
		for i := range n {
			x := x0 + (x1-x0)*vg.Length(i)/vg.Length(n-1)
			y := 150 + 40*vg.Length(rng.NormFloat64())
			if i == 0 {
				p.Move(vg.Point{X: x, Y: y})
			} else {
				p.Line(vg.Point{X: x, Y: y})
			}
		}
		return p
	}
	// A step line, as PostStep draws a rate: flat stretches, vertical
	// steps, points repeated, and runs at 0.
	steps := func(n int) vg.Path {
		var p vg.Path
		p.Move(vg.Point{X: 60, Y: 80})
		y := vg.Length(80)
		for i := 1; i < n; i++ {
			x := 60 + 480*vg.Length(i)/vg.Length(n)
			p.Line(vg.Point{X: x, Y: y})
			p.Line(vg.Point{X: x, Y: y}) // repeated
			if rng.IntN(3) == 0 {
				y = 80 + vg.Length(rng.IntN(4))*20
			}
			p.Line(vg.Point{X: x, Y: y})
		}
		return p
	}
	backwards := noisy(600, 500, 100) // x decreasing: drawn whole
	cases := []struct {
		name  string
		path  vg.Path
		width vg.Length
		color color.Color
	}{
		{"noisy line across the figure", noisy(1200, 50, 560), vg.Points(1.5), vermilion},
		{"noisy line past both edges", noisy(1000, -40, 700), vg.Points(1.5), blue},
		{"thin line", noisy(800, 80, 500), vg.Points(0.5), green},
		{"thick line", noisy(800, 80, 500), vg.Points(6), purple},
		{"translucent line", noisy(800, 80, 500), vg.Points(3), color.NRGBA{R: 200, G: 30, B: 30, A: 90}},
		{"step line", steps(800), vg.Points(1.5), orange},
		{"backwards line", backwards, vg.Points(1.5), black},
		{"vertical line", vg.Path{{Type: vg.MoveComp, Pos: vg.Point{X: 300, Y: 10}}, {Type: vg.LineComp, Pos: vg.Point{X: 300, Y: 300}}}, vg.Points(2), grey},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			whole, strips := newFastPNG(newImage()), newFastPNG(newImage())
			for _, c := range []*fastPNG{whole, strips} {
				c.SetLineWidth(tc.width)
				c.SetColor(tc.color)
			}
			whole.Canvas.Stroke(tc.path) // vgimg's own
			strips.Stroke(tc.path)
			a, b := whole.img.Pix, strips.img.Pix
			if !bytes.Equal(a, b) {
				differ := 0
				for i := range a {
					if a[i] != b[i] {
						differ++
					}
				}
				t.Fatalf("%d of %d bytes differ", differ, len(a))
			}
			if bytes.Count(a, []byte{0xff}) == len(a) {
				t.Fatal("nothing drawn")
			}
		})
	}
}

// The PNG canvas fills polygons of many points in strips: the figure's
// pixels must be exactly those vgimg and gg fill from the whole polygon.
func TestStripsFillTheSamePixelsAsTheWholePolygon(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	// A band between two noisy lines, as a stacked area.
	band := func(n int, x0, x1 vg.Length) vg.Path {
		var p vg.Path
		lo := make([]vg.Length, n)
		for i := range n {
			x := x0 + (x1-x0)*vg.Length(i)/vg.Length(n-1)
			lo[i] = 100 + 20*vg.Length(rng.NormFloat64())
			y := lo[i] + 30 + 30*vg.Length(rng.Float64())
			if i == 0 {
				p.Move(vg.Point{X: x, Y: y})
			} else {
				p.Line(vg.Point{X: x, Y: y})
			}
		}
		for i := n - 1; i >= 0; i-- {
			p.Line(vg.Point{X: x0 + (x1-x0)*vg.Length(i)/vg.Length(n-1), Y: lo[i]})
		}
		p.Close()
		return p
	}
	// A star that crosses itself, its edges going every way.
	star := func(n int) vg.Path {
		var p vg.Path
		for i := range n {
			a := float64(i) * 2 * math.Pi * 0.37
			r := 100 + 150*rng.Float64()
			pt := vg.Point{X: 300 + vg.Length(r*math.Cos(a)), Y: 160 + vg.Length(0.6*r*math.Sin(a))}
			if i == 0 {
				p.Move(pt)
			} else {
				p.Line(pt)
			}
		}
		p.Close()
		return p
	}
	cases := []struct {
		name  string
		path  vg.Path
		color color.Color
	}{
		{"band across the figure", band(1200, 50, 560), skyBlue},
		{"band past both edges", band(800, -40, 700), green},
		{"translucent band", band(600, 80, 500), color.NRGBA{R: 30, G: 30, B: 200, A: 100}},
		{"star", star(400), vermilion},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			whole, strips := newFastPNG(newImage()), newFastPNG(newImage())
			for _, c := range []*fastPNG{whole, strips} {
				c.SetColor(tc.color)
			}
			whole.Canvas.Fill(tc.path) // vgimg's own
			strips.Fill(tc.path)
			a, b := whole.img.Pix, strips.img.Pix
			if !bytes.Equal(a, b) {
				differ := 0
				for i := range a {
					if a[i] != b[i] {
						differ++
					}
				}
				t.Fatalf("%d of %d bytes differ", differ, len(a))
			}
			if bytes.Count(a, []byte{0xff}) == len(a) {
				t.Fatal("nothing drawn")
			}
		})
	}
}
