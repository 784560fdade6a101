package plots_test

import (
	"bytes"
	"image/png"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/plots"
)

func sweepFigure() plots.SweepFigure {
	nan := math.NaN()
	return plots.SweepFigure{
		Name: "sweep_latency", Title: "Response time", XLabel: "apache.max_request_workers", YLabel: "latency (ms)",
		LogY: true, BandLabel: "95% CI of the mean",
		Series: []plots.SweepSeries{
			{Label: "p99", X: []float64{10, 20, 40, 80}, Mean: []float64{1500, 20000, nan, 54000},
				Lo: []float64{400, 10000, nan, 50000}, Hi: []float64{2600, 30000, nan, 58000}},
			{Label: "p50", X: []float64{10, 20, 40, 80}, Mean: []float64{670, 4800, 13000, 33000},
				Lo: []float64{-100, 4000, 12000, 30000}, Hi: []float64{1400, 5600, 14000, 36000}},
		},
	}
}

func TestSweepLinesDrawsEachSeriesDeterministically(t *testing.T) {
	f, err := plots.SweepLines(sweepFigure())
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(f.PNG))
	require.NoError(t, err)
	assert.Equal(t, 1200, img.Bounds().Dx())
	svg := string(f.SVG)
	for _, s := range []string{"p99", "p50", "95% CI of the mean", "apache.max_request_workers", "latency (ms) (log scale)"} {
		assert.Contains(t, svg, s)
	}
	again, err := plots.SweepLines(sweepFigure())
	require.NoError(t, err)
	assert.Equal(t, f.PNG, again.PNG)
	assert.Equal(t, f.SVG, again.SVG)
}

func TestSweepLinesOnCategories(t *testing.T) {
	sf := sweepFigure()
	sf.XTicks = []string{"prefork", "worker", "event", "x"}
	for i := range sf.Series {
		sf.Series[i].X = []float64{0, 1, 2, 3}
	}
	f, err := plots.SweepLines(sf)
	require.NoError(t, err)
	for _, s := range []string{"prefork", "worker", "event"} {
		assert.Contains(t, string(f.SVG), s)
	}
	_, err = plots.SweepLines(plots.SweepFigure{Name: "empty"})
	assert.Error(t, err)
}

func TestParetoLabelsTheFront(t *testing.T) {
	nan := math.NaN()
	pts := []plots.ParetoPoint{
		{X: 306, Y: 1500, XLo: nan, XHi: nan, YLo: 400, YHi: 2600, Label: "10, false", Front: true},
		{X: 603, Y: 20000, XLo: nan, XHi: nan, YLo: 10000, YHi: 30000, Label: "20, false"},
		{X: 975, Y: 38000, XLo: 900, XHi: 1050, YLo: nan, YHi: nan, Label: "40, true"},
		{X: nan, Y: 100, Label: "missing"},
	}
	f, err := plots.Pareto("sweep_pareto", "Peak memory against p99", "peak PSS (MB)", "latency p99 (ms)", true, pts)
	require.NoError(t, err)
	svg := string(f.SVG)
	for _, s := range []string{"10, false", "20, false", "40, true", "Pareto front"} {
		assert.Contains(t, svg, s)
	}
	assert.NotContains(t, svg, "missing")
	_, err = plots.Pareto("p", "", "", "", false, []plots.ParetoPoint{{X: nan, Y: 1}})
	assert.Error(t, err)
}
