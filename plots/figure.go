package plots

import (
	"bytes"
	"fmt"
	"image/color"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Figure size: fits a README column and a 16:9 slide.
const (
	Width  = 8 * vg.Inch
	Height = 4.5 * vg.Inch
	DPI    = 150 // PNG resolution: 1200×675 pixels
)

// Figure is one rendered figure.
type Figure struct {
	Name  string // file name without extension, e.g. "processes"
	Title string // the figure's title, first line only
	PNG   []byte
	SVG   []byte
}

// figure is what a figure draws: panels stacked top to bottom and a legend
// in a column to their right.
type figure struct {
	name   string
	panels []panel
	legend plot.Legend
}

// panel is one plot and its share of the figure's height.
type panel struct {
	plot   *plot.Plot
	weight float64
}

func newFigure(name string) *figure {
	leg := plot.NewLegend()
	leg.TextStyle.Font = sansFont(10)
	leg.Top = true
	leg.Left = true
	leg.ThumbnailWidth = 0.35 * vg.Inch
	leg.Padding = vg.Points(3)
	return &figure{name: name, legend: leg}
}

// add appends a panel with the given relative height.
func (f *figure) add(p *plot.Plot, weight float64) {
	f.panels = append(f.panels, panel{plot: p, weight: weight})
}

// render draws the figure in both formats.
func (f *figure) render() (Figure, error) {
	out := Figure{Name: f.name}
	if len(f.panels) > 0 {
		out.Title = firstLine(f.panels[0].plot.Title.Text)
	}
	png := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(Width, Height), vgimg.UseDPI(DPI))}
	svg := vgsvg.New(Width, Height)
	var err error
	if out.PNG, err = f.renderTo(png); err != nil {
		return out, fmt.Errorf("plots: %s.png: %w", f.name, err)
	}
	if out.SVG, err = f.renderTo(svg); err != nil {
		return out, fmt.Errorf("plots: %s.svg: %w", f.name, err)
	}
	return out, nil
}

func (f *figure) renderTo(c vg.CanvasWriterTo) ([]byte, error) {
	dc := draw.New(c)
	fillBackground(dc)
	legendWidth := f.legendWidth(dc)
	f.drawPanels(draw.Crop(dc, 0, -legendWidth, 0, 0))
	legendArea := draw.Crop(dc, dc.Max.X-dc.Min.X-legendWidth, 0, 0, -0.45*vg.Inch)
	f.legend.Draw(legendArea)
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// legendWidth is the width of the legend column, 0 without a legend.
func (f *figure) legendWidth(dc draw.Canvas) vg.Length {
	r := f.legend.Rectangle(dc)
	w := r.Max.X - r.Min.X
	if w <= 0 {
		return 0
	}
	return w + 0.15*vg.Inch
}

// drawPanels stacks the panels by weight and lines up their data areas, so
// panels that share a time axis line up vertically.
func (f *figure) drawPanels(c draw.Canvas) {
	var total float64
	for _, p := range f.panels {
		total += p.weight
	}
	height := c.Max.Y - c.Min.Y
	canvases := make([]draw.Canvas, len(f.panels))
	var top vg.Length
	for i, p := range f.panels {
		h := height * vg.Length(p.weight/total)
		canvases[i] = draw.Crop(c, 0, 0, height-top-h, -top)
		top += h
	}
	var maxLeft, maxRight vg.Length
	for i, p := range f.panels {
		d := p.plot.DataCanvas(canvases[i])
		maxLeft = max(maxLeft, d.Min.X-canvases[i].Min.X)
		maxRight = max(maxRight, canvases[i].Max.X-d.Max.X)
	}
	for i, p := range f.panels {
		d := p.plot.DataCanvas(canvases[i])
		left := d.Min.X - canvases[i].Min.X
		right := canvases[i].Max.X - d.Max.X
		p.plot.Draw(draw.Crop(canvases[i], maxLeft-left, right-maxRight, 0, 0))
	}
}

func fillBackground(dc draw.Canvas) {
	var path vg.Path
	path.Move(dc.Min)
	path.Line(vg.Point{X: dc.Max.X, Y: dc.Min.Y})
	path.Line(dc.Max)
	path.Line(vg.Point{X: dc.Min.X, Y: dc.Max.Y})
	path.Close()
	dc.SetColor(color.White)
	dc.Fill(path)
}

// write writes each figure as NAME.png and NAME.svg into dir.
func write(dir string, figs []Figure) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range figs {
		if err := os.WriteFile(filepath.Join(dir, f.Name+".png"), f.PNG, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name+".svg"), f.SVG, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// sansFont is Liberation Sans, which gonum/plot ships, at size points.
func sansFont(size vg.Length) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
}

// newPlot returns a plot with sans-serif text, a grid, and a time axis
// starting at 0 with the given upper end.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sansFont(12)
	p.Title.Padding = 0.08 * vg.Inch
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sansFont(11)
		a.Tick.Label.Font = sansFont(10)
		a.Tick.Marker = plainTicks{}
	}
	p.Add(newGrid())
	return p
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
