package plots

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/plots/plotstest"
	"github.com/forkcast/forkcast/results"
)

// decodeRGBA decodes a PNG file into RGBA pixels.
func decodeRGBA(t *testing.T, file []byte) *image.RGBA {
	t.Helper()
	m, err := png.Decode(bytes.NewReader(file))
	require.NoError(t, err)
	out := image.NewRGBA(m.Bounds())
	for y := m.Bounds().Min.Y; y < m.Bounds().Max.Y; y++ {
		for x := m.Bounds().Min.X; x < m.Bounds().Max.X; x++ {
			out.Set(x, y, m.At(x, y))
		}
	}
	return out
}

// samePixels reports whether two images hold the same pixels.
func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if color.RGBA64Model.Convert(a.At(x, y)) != color.RGBA64Model.Convert(b.At(x, y)) {
				return false
			}
		}
	}
	return true
}

// A figure's PNG file, whose row filters writePNG chooses, decodes to the
// pixels drawn, which are those png.Encoder's file decodes to.
func TestFigurePNGsDecodeToThePixelsDrawn(t *testing.T) {
	v := newView(plotstest.PreforkSpike(results.SourceSimulator, 1))
	img := newImage()
	for _, build := range runBuilders {
		fig, err := build(v).renderOn(img)
		require.NoError(t, err)
		got := decodeRGBA(t, fig.PNG)
		assert.True(t, samePixels(img, got), "%s.png", fig.Name)
		var std bytes.Buffer
		require.NoError(t, png.Encode(&std, img))
		assert.True(t, samePixels(decodeRGBA(t, std.Bytes()), got), "%s.png", fig.Name)
	}
}

// writePNG's file decodes to the pixels png.Encoder's does: for an image
// whose first rows repeat (the first has no row above to repeat), part of
// a larger image, and an image with transparent pixels (which png.Encoder
// writes).
func TestWritePNGKeepsEveryPixel(t *testing.T) {
	big := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for y := range 30 {
		for x := range 40 {
			c := color.RGBA{uint8(7 * x), uint8(11 * (y / 4)), 200, 255} // rows repeat in fours
			if y < 3 {
				c = color.RGBA{0, 0, 0, 255} // all zeros but alpha, as filter Up's prediction
			}
			big.SetRGBA(x, y, c)
		}
	}
	translucent := image.NewRGBA(image.Rect(0, 0, 5, 5))
	translucent.SetRGBA(2, 2, color.RGBA{100, 0, 0, 128})
	for name, img := range map[string]*image.RGBA{
		"repeated rows": big,
		"part":          big.SubImage(image.Rect(5, 2, 33, 21)).(*image.RGBA),
		"translucent":   translucent,
	} {
		var ours, std bytes.Buffer
		require.NoError(t, writePNG(&ours, img), name)
		require.NoError(t, png.Encode(&std, img), name)
		got, want := decodeRGBA(t, ours.Bytes()), decodeRGBA(t, std.Bytes())
		assert.Equal(t, img.Bounds().Size(), got.Bounds().Size(), name)
		assert.True(t, samePixels(want, got), name)
	}
}
