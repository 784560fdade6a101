package plots_test

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/plots"
	"github.com/forkcast/forkcast/plots/plotstest"
	"github.com/forkcast/forkcast/results"
)

// figureSeries lists, per figure of one run, legend names that must appear
// in its SVG for the prefork spike.
var figureSeries = map[string][]string{
	"processes":   {"busy", "importing the app", "idle", "MaxRequestWorkers (150)", "children forked /s", "idle children killed /s"},
	"memory":      {"Apache children", "Apache parent", "RAM (256 MB)", "RAM + swap (768 MB)"},
	"latency":     {"p99 per interval", "p50 per interval", "completed /s", "failed /s"},
	"latency_cdf": {"completed requests (latency.hdr)", "p50, p90, p99, max", "fraction of completed requests"},
	"queues":      {"listen backlog"},
	"failures":    {"refused", "client timeout", "Failed requests by cause"},
}

// pathPoints counts the points of the longest path in an SVG: a series
// drawn from 60 intervals has at least that many.
func pathPoints(svg string) int {
	best := 0
	for _, m := range regexp.MustCompile(`d="([^"]*)"`).FindAllStringSubmatch(svg, -1) {
		best = max(best, strings.Count(m[1], "L"))
	}
	return best
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err, path)
	assert.Equal(t, 1200, img.Bounds().Dx(), path)
	assert.Equal(t, 675, img.Bounds().Dy(), path)
}

func readSVG(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	svg := string(data)
	require.True(t, strings.HasPrefix(svg, "<?xml"), path)
	require.Contains(t, svg, "</svg>", path)
	return svg
}

func TestRunWritesEveryFigureForBothSources(t *testing.T) {
	for _, source := range []string{results.SourceSimulator, results.SourceRuntime} {
		t.Run(source, func(t *testing.T) {
			// Through a result directory, as `simulate plot` reads them.
			resultDir := filepath.Join(t.TempDir(), "out")
			require.NoError(t, results.WriteDir(resultDir, plotstest.PreforkSpike(source, 1)))
			run, err := results.ReadDir(resultDir)
			require.NoError(t, err)

			require.NoError(t, plots.Run(resultDir, run))
			for name, series := range figureSeries {
				checkPNG(t, filepath.Join(resultDir, name+".png"))
				svg := readSVG(t, filepath.Join(resultDir, name+".svg"))
				assert.Contains(t, svg, "prefork-vps / defaults", name)
				assert.Contains(t, svg, source, name)
				for _, s := range series {
					if source == results.SourceRuntime && name == "memory" && strings.HasPrefix(s, "Apache") {
						s = "total PSS (no split by kind)" // the runtime fixture has no split
					}
					assert.Contains(t, svg, s, "%s: legend entry", name)
				}
				if name != "failures" && name != "latency_cdf" {
					assert.GreaterOrEqual(t, pathPoints(svg), 59, "%s: a series with a point per interval", name)
				}
			}
		})
	}
}

func TestDaemonRunShowsDaemonsAndItsQueue(t *testing.T) {
	figs, err := plots.Figures(plotstest.DaemonFlat(results.SourceSimulator, 1))
	require.NoError(t, err)
	svgs := map[string]string{}
	for _, f := range figs {
		svgs[f.Name] = string(f.SVG)
	}
	assert.Contains(t, svgs["processes"], "mod_wsgi daemon processes")
	assert.Contains(t, svgs["processes"], "Apache worker threads")
	assert.Contains(t, svgs["memory"], "mod_wsgi daemon processes")
	assert.Contains(t, svgs["queues"], "daemon queue")
}

func TestFiguresAreDeterministic(t *testing.T) {
	run := plotstest.PreforkSpike(results.SourceSimulator, 3)
	a, err := plots.Figures(run)
	require.NoError(t, err)
	b, err := plots.Figures(run)
	require.NoError(t, err)
	require.Len(t, b, len(a))
	for i := range a {
		assert.Equal(t, a[i].SVG, b[i].SVG, a[i].Name)
		assert.Equal(t, a[i].PNG, b[i].PNG, a[i].Name)
	}
}

func TestFiguresRejectAnEmptyRun(t *testing.T) {
	_, err := plots.Figures(results.Run{Summary: results.Summary{Scenario: "x"}})
	assert.ErrorContains(t, err, "no timeseries rows")
}

func TestCompareOverlaysRunsLabelledByWhatDiffers(t *testing.T) {
	dir := t.TempDir()
	runs := []results.Run{
		plotstest.PreforkSpike(results.SourceSimulator, 1),
		plotstest.DaemonFlat(results.SourceSimulator, 1),
	}
	require.NoError(t, plots.Compare(dir, runs, nil))
	for _, name := range []string{"processes", "memory", "latency", "latency_cdf", "queues", "failures"} {
		base := filepath.Join(dir, "compare_"+name)
		checkPNG(t, base+".png")
		svg := readSVG(t, base+".svg")
		// The runs differ in variant (and MPM and mode, which the variant
		// already tells apart); they share scenario and source.
		assert.Contains(t, svg, ">defaults", name)
		assert.Contains(t, svg, ">daemon", name)
		assert.NotContains(t, svg, "defaults / prefork", name)
		assert.Contains(t, svg, "comparison: prefork-vps, simulator", name)
		if name != "failures" && name != "latency_cdf" {
			assert.GreaterOrEqual(t, pathPoints(svg), 59, name)
		}
	}
}

func TestCompareLabelsBySourceForSimVsReal(t *testing.T) {
	figs, err := plots.CompareFigures([]results.Run{
		plotstest.PreforkSpike(results.SourceSimulator, 1),
		plotstest.PreforkSpike(results.SourceRuntime, 1),
	}, nil)
	require.NoError(t, err)
	svg := string(figs[0].SVG)
	assert.Contains(t, svg, ">simulator<")
	assert.Contains(t, svg, ">runtime<")
}

func TestCompareAddsMPMAndModeOnlyWhenNeeded(t *testing.T) {
	a := plotstest.PreforkSpike(results.SourceSimulator, 1)
	b := plotstest.DaemonFlat(results.SourceSimulator, 1)
	b.Summary.Variant = a.Summary.Variant
	figs, err := plots.CompareFigures([]results.Run{a, b}, nil)
	require.NoError(t, err)
	svg := string(figs[0].SVG)
	assert.Contains(t, svg, ">prefork / embedded<")
	assert.Contains(t, svg, ">worker / daemon<")
}

func TestCompareNeedsTwoRuns(t *testing.T) {
	err := plots.Compare(t.TempDir(), []results.Run{plotstest.DaemonFlat(results.SourceSimulator, 1)}, nil)
	assert.ErrorContains(t, err, "at least 2 runs")
}

func TestBandWithThreeReplicationsIsMinMax(t *testing.T) {
	dir := t.TempDir()
	var predicted []results.Run
	for seed := range uint64(3) {
		predicted = append(predicted, plotstest.PreforkSpike(results.SourceSimulator, seed))
	}
	measured := plotstest.PreforkSpike(results.SourceRuntime, 99)
	require.NoError(t, plots.Band(dir, predicted, measured))
	for _, name := range []string{"band_processes", "band_memory", "band_latency_p99"} {
		checkPNG(t, filepath.Join(dir, name+".png"))
		svg := readSVG(t, filepath.Join(dir, name+".svg"))
		assert.Contains(t, svg, "predicted band: min–max of 3 replications", name)
		assert.Contains(t, svg, "measured (runtime)", name)
		assert.Contains(t, svg, "predicted band", name)
		assert.GreaterOrEqual(t, pathPoints(svg), 30, name)
	}
}

func TestBandWithManyReplicationsIsACI(t *testing.T) {
	var predicted []results.Run
	for seed := range uint64(6) {
		predicted = append(predicted, plotstest.DaemonFlat(results.SourceSimulator, seed))
	}
	figs, err := plots.BandFigures(predicted, plotstest.DaemonFlat(results.SourceRuntime, 42))
	require.NoError(t, err)
	require.Len(t, figs, 4)
	assert.Contains(t, string(figs[1].SVG), "95% CI of the mean of 6 replications")
}

func TestDegenerateRunsStillRender(t *testing.T) {
	quiet := results.Run{Summary: results.Summary{Scenario: "idle", Source: results.SourceRuntime, IntervalS: 1, DurationS: 3}}
	for i := range 3 {
		quiet.Rows = append(quiet.Rows, results.Row{TimeS: float64(i)})
	}
	oneRow := results.Run{
		Summary: results.Summary{Scenario: "short", IntervalS: 0, RAMMB: 512},
		Rows:    []results.Row{{Idle: 5, PSSMB: 100, Completions: 3, LatencyP50MS: 20, LatencyP99MS: 20}},
	}
	for _, run := range []results.Run{quiet, oneRow} {
		figs, err := plots.Figures(run)
		require.NoError(t, err, run.Summary.Scenario)
		assert.Len(t, figs, 6)
		for _, f := range figs {
			assert.NotEmpty(t, f.PNG, f.Name)
			assert.Contains(t, string(f.SVG), "</svg>", f.Name)
		}
	}
	_, err := plots.CompareFigures([]results.Run{quiet, oneRow}, nil)
	require.NoError(t, err)
	_, err = plots.BandFigures([]results.Run{quiet, quiet}, oneRow)
	require.NoError(t, err)
}
