package plots

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"io"
	"os"
	"path/filepath"

	"git.sr.ht/~sbinet/gg"
	"github.com/golang/freetype/raster"
	xdraw "golang.org/x/image/draw"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
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
	name    string
	panels  []panel
	legend  plot.Legend
	entries []entry // what the legend lists, with the colour of each
}

// An entry is one legend entry: a data series (each of its own colour), a
// configured limit (limitColor, told apart by dashes) or a key to a line
// style (keyColor).
type entry struct {
	name  string
	color color.Color
	role  role
}

type role int

const (
	seriesRole role = iota
	limitRole
	keyRole
)

// maxLegendRunes is the longest legend entry; a longer one loses its
// middle, so the legend never squeezes the data.
const maxLegendRunes = 48

func shorten(name string) string {
	r := []rune(name)
	if len(r) <= maxLegendRunes {
		return name
	}
	half := (maxLegendRunes - 1) / 2
	return string(r[:half]) + "…" + string(r[len(r)-half:])
}

// series adds a data series to the legend.
func (f *figure) series(name string, c color.Color, t plot.Thumbnailer) {
	name = shorten(name)
	f.legend.Add(name, t)
	f.entries = append(f.entries, entry{name, c, seriesRole})
}

// limit adds a configured limit (MaxRequestWorkers, RAM) to the legend.
func (f *figure) limit(name string, t plot.Thumbnailer) {
	name = shorten(name)
	f.legend.Add(name, t)
	f.entries = append(f.entries, entry{name, limitColor, limitRole})
}

// offScale is how far above the data a limit may lie and still be drawn:
// beyond it, the axis would shrink the data to a sliver under the line.
const offScale = 2.5

// limitAt draws a configured limit at y across [0, end] unless it lies
// more than offScale times above the data's top; then the legend gives its
// value and says it is above the scale. It returns the height the y axis
// must reach.
func (f *figure) limitAt(p *plot.Plot, name string, y, dataTop, end float64, dashes []vg.Length) float64 {
	l := hline(y, 0, end, limitColor, dashes)
	if dataTop > 0 && y > offScale*dataTop {
		f.limit(name+", above this scale", line(plotter.XYs{}, limitColor, dashes))
		return 0
	}
	p.Add(l)
	f.limit(name, l)
	return y
}

// textOnly is a legend entry without a symbol: a fact, not a series.
type textOnly struct{}

func (textOnly) Thumbnail(*draw.Canvas) {}

// key adds a key to a line style to the legend.
func (f *figure) key(name string, t plot.Thumbnailer) {
	f.legend.Add(name, t)
	f.entries = append(f.entries, entry{name, keyColor, keyRole})
}

// note is a sentence centred in a panel's data area, saying why the panel
// shows nothing (no request completed) rather than leaving it blank.
type note string

func (n note) Plot(c draw.Canvas, p *plot.Plot) {
	sty := draw.TextStyle{Color: color.Gray{60}, Font: sansFont(12), XAlign: draw.XCenter, YAlign: draw.YCenter, Handler: p.TextHandler}
	c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: (c.Min.Y + c.Max.Y) / 2}, string(n))
}

// noteIn writes a note in p's data area.
func noteIn(p *plot.Plot, text string) { p.Add(note(text)) }

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
func (f *figure) render() (Figure, error) { return f.renderOn(nil) }

// renderOn is render drawing the PNG on img, a Width×Height image at DPI
// (see newImage) whose pixels it replaces, or on a new image if img is
// nil: a goroutine drawing several figures reuses one image, and the
// kernel need not hand out 3.2 MB of fresh pages for each.
func (f *figure) renderOn(img *image.RGBA) (Figure, error) {
	out := Figure{Name: f.name}
	if len(f.panels) > 0 {
		out.Title = firstLine(f.panels[0].plot.Title.Text)
	}
	if img == nil {
		img = newImage()
	}
	png := newFastPNG(img)
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

// newImage returns an image for a PNG figure: Width×Height at DPI,
// 1200×675 pixels.
func newImage() *image.RGBA {
	return image.NewRGBA(image.Rect(0, 0, int(Width/vg.Inch*DPI), int(Height/vg.Inch*DPI)))
}

// fastPNG is a PNG canvas whose file is compressed at zlib's fastest
// level: a run's six figures encode in about half the time of
// vgimg.PngCanvas's default level, for files 3–4% larger; writePNG halves
// that again by choosing row filters more cheaply. It draws long
// lines and large polygons in strips (strips.go).
type fastPNG struct {
	*vgimg.Canvas
	ctx   *gg.Context
	img   *image.RGBA
	pen   []pen // by Push level, the current last
	strip *raster.Rasterizer
	spans []raster.Span
}

// newFastPNG returns a canvas at DPI that draws straight into img, which
// it first fills with white: vgimg.NewWith(vgimg.UseWH(…)) allocates the
// image and gg copies it into another of 3.2 MB, a fifth of drawing a
// figure, mostly the kernel handing out fresh pages. Its context is set up
// as NewWith sets up the one it makes.
func newFastPNG(img *image.RGBA) *fastPNG {
	ctx := gg.NewContextForRGBA(img)
	ctx.SetLineCapButt()
	ctx.InvertY()
	ctx.SetInterpolator(xdraw.NearestNeighbor)
	c := &fastPNG{ctx: ctx, img: img, pen: []pen{{}}}
	c.Canvas = vgimg.NewWith(vgimg.UseImageWithContext(img, ctx), vgimg.UseDPI(DPI))
	vg.Initialize(c) // as NewWith did, for the pen
	return c
}

func (c *fastPNG) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	err := writePNG(cw, c.img)
	return cw.n, err
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (cw *countWriter) Write(p []byte) (int, error) {
	n, err := cw.w.Write(p)
	cw.n += int64(n)
	return n, err
}

func (f *figure) renderTo(c vg.CanvasWriterTo) ([]byte, error) {
	dc := draw.New(c)
	if _, ok := c.(*fastPNG); !ok {
		fillBackground(dc) // a PNG canvas starts white (vgimg.NewWith)
	}
	legendWidth := f.legendWidth(dc)
	f.drawPanels(draw.Crop(dc, 0, -legendWidth, 0, 0))
	legendArea := draw.Crop(dc, dc.Max.X-dc.Min.X-legendWidth+legendGap, 0, 0, -0.45*vg.Inch)
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
	return w + legendGap + 0.1*vg.Inch
}

// legendGap separates the data from the legend, so that no line seems to
// run on into a legend entry.
const legendGap = 0.25 * vg.Inch

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
	// DataCanvas measures every point of every line: once per panel.
	data := make([]draw.Canvas, len(f.panels))
	var maxLeft, maxRight vg.Length
	for i, p := range f.panels {
		d := p.plot.DataCanvas(canvases[i])
		data[i] = d
		maxLeft = max(maxLeft, d.Min.X-canvases[i].Min.X)
		maxRight = max(maxRight, canvases[i].Max.X-d.Max.X)
	}
	for i, p := range f.panels {
		d := data[i]
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
	// The figure's canvas is white before any panel is drawn (newFastPNG,
	// fillBackground), and panels do not overlap: a panel's own white fill
	// would only paint it again, through the rasterizer in a PNG — a
	// third of drawing a short run's figures.
	p.BackgroundColor = nil
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
