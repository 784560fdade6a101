package plots

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot/plotter"
)

// The latency CDF is drawn from fewer points than a long run's histogram
// has buckets, and the line drawn passes within a column (half a pixel) of
// every bucket: each point left out lies, in both coordinates, between
// two consecutive points kept that are less than a column apart.
func TestCDFThinningKeepsTheCurve(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var pts plotter.XYs
	x, y := 0.1, 0.0
	for range 20000 {
		x *= 1 + 0.001*(1+r.Float64()*r.Float64()*50) // denser and sparser stretches
		y += r.ExpFloat64()
		pts = append(pts, plotter.XY{X: x, Y: y})
	}
	thin := thinCDF(pts)
	require.Less(t, len(thin), len(pts)/3)
	require.LessOrEqual(t, len(thin), 2*cdfColumns+2)
	assert.Equal(t, pts[0], thin[0])
	assert.Equal(t, pts[len(pts)-1], thin[len(thin)-1])
	step := (math.Log10(x) - math.Log10(0.1)) / cdfColumns
	k := 0 // thin[k] <= p < thin[k+1]
	for _, p := range pts {
		for k+1 < len(thin)-1 && thin[k+1].X <= p.X {
			k++
		}
		a, b := thin[k], thin[k+1]
		if p == a || p == b {
			continue
		}
		require.True(t, a.X < p.X && p.X < b.X && a.Y < p.Y && p.Y < b.Y, "%v not between %v and %v", p, a, b)
		require.Less(t, math.Log10(b.X)-math.Log10(a.X), step, "%v left out of a segment wider than a column", p)
	}
}
