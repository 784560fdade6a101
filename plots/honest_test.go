package plots

import (
	"fmt"
	"image/color"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/plots/plotstest"
	"github.com/forkcast/forkcast/results"
)

// Tests that the figures never mislead: each would have caught a defect
// users saw.

// fixtures are runs that exercise every branch of the figures.
func fixtures() map[string]results.Run {
	oom := plotstest.PreforkSpike(results.SourceSimulator, 1)
	for i := range 5 {
		oom.Log = append(oom.Log, results.LogLine{At: time.Duration(20+i) * time.Second, Module: "kernel", Level: "error", PID: 100 + i,
			Msg: "Out of memory: Killed process 100 (apache2) anon-rss:30000kB"})
	}
	oom.Summary.OOMKills = 5
	return map[string]results.Run{
		"prefork sim":     plotstest.PreforkSpike(results.SourceSimulator, 1),
		"prefork runtime": plotstest.PreforkSpike(results.SourceRuntime, 1),
		"daemon":          plotstest.DaemonFlat(results.SourceSimulator, 1),
		"oom":             oom,
		"none completed":  noneCompletedRun(),
	}
}

// noneCompletedRun is a run in which every request failed.
func noneCompletedRun() results.Run {
	r := plotstest.PreforkSpike(results.SourceSimulator, 2)
	q := &r.Summary.Requests
	q.Failures.ClientTimeout += q.Completed
	q.Failed += q.Completed
	q.Completed = 0
	r.Summary.Latency = results.Latency{}
	r.Latencies = results.NewHistogram()
	for i := range r.Rows {
		r.Rows[i].Failures += r.Rows[i].Completions
		r.Rows[i].Completions, r.Rows[i].LatencyP50MS, r.Rows[i].LatencyP99MS = 0, 0, 0
	}
	return r
}

// sameColor compares colours by their RGBA values.
func sameColor(a, b color.Color) bool {
	r1, g1, b1, a1 := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2
}

// checkColours: no two series of a figure share a colour, and none takes
// the colour of a limit or a style key drawn in it.
func checkColours(t *testing.T, f *figure) {
	t.Helper()
	for i, a := range f.entries {
		for _, b := range f.entries[i+1:] {
			if a.role == keyRole || b.role == keyRole || (a.role == limitRole && b.role == limitRole) {
				continue
			}
			assert.False(t, sameColor(a.color, b.color), "%s: %q and %q share a colour", f.name, a.name, b.name)
		}
	}
}

func TestNoTwoSeriesShareAColour(t *testing.T) {
	runs := fixtures()
	for name, run := range runs {
		v := newView(run)
		for _, build := range []func(view) *figure{processesFigure, memoryFigure, latencyFigure, latencyCDFFigure, queuesFigure, failuresFigure} {
			f := build(v)
			t.Run(name+"/"+f.name, func(t *testing.T) { checkColours(t, f) })
		}
	}
	all := []results.Run{runs["prefork sim"], runs["prefork runtime"], runs["daemon"], runs["none completed"]}
	c := newComparison(all, []string{"a", "b", "c", "d"})
	for _, build := range []func(comparison) *figure{compareProcesses, compareMemory, compareLatency, compareLatencyCDF, compareQueues, compareFailures} {
		f := build(c)
		t.Run(f.name, func(t *testing.T) { checkColours(t, f) })
	}
	pred := []results.Run{runs["prefork sim"], plotstest.PreforkSpike(results.SourceSimulator, 2)}
	for _, m := range []bandMetric{{"band_processes", "", "", false, qProcesses}, {"band_latency_p99", "", "", true, qP99}} {
		f := bandFigure(m, pred, runs["prefork runtime"])
		t.Run(f.name, func(t *testing.T) { checkColours(t, f) })
	}
	f, err := bandLatencyCDF(pred, runs["prefork runtime"])
	require.NoError(t, err)
	checkColours(t, f)
}

func TestTheP99LineAndFailuresDoNotShareOrange(t *testing.T) {
	f := latencyFigure(newView(plotstest.PreforkSpike(results.SourceSimulator, 1)))
	var p99, failed color.Color
	for _, e := range f.entries {
		switch e.name {
		case "p99 per interval":
			p99 = e.color
		case "failed /s":
			failed = e.color
		}
	}
	require.NotNil(t, p99)
	require.NotNil(t, failed)
	assert.False(t, sameColor(p99, failed))
}

// A run where nothing completed says so in every latency panel, instead of
// empty axes.
func TestNoneCompletedIsSaid(t *testing.T) {
	run := noneCompletedRun()
	figs, err := Figures(run)
	require.NoError(t, err)
	want := fmt.Sprintf("none of %d requests completed", run.Summary.Requests.Offered)
	for _, f := range figs {
		if strings.HasPrefix(f.Name, "latency") {
			assert.Contains(t, string(f.SVG), want, f.Name)
		}
	}
	cmp, err := CompareFigures([]results.Run{run, plotstest.DaemonFlat(results.SourceSimulator, 1)}, nil)
	require.NoError(t, err)
	for _, f := range cmp {
		if strings.HasPrefix(f.Name, "compare_latency") {
			assert.Contains(t, string(f.SVG), "(none completed)", f.Name)
		}
	}
}

func TestLatencyCDFIsTheExactDistribution(t *testing.T) {
	run := plotstest.PreforkSpike(results.SourceSimulator, 1)
	f := latencyCDFFigure(newView(run))
	require.NotEmpty(t, f.entries)
	assert.Equal(t, "completed requests (latency.hdr)", f.entries[0].name)
	// The marks are the histogram's own quantiles.
	marks := quantileMarks(run.Summary, run.Latencies)
	require.Len(t, marks, 4)
	assert.Equal(t, run.Latencies.QuantileMS(0.99), marks[2].X)
	assert.Equal(t, run.Latencies.MaxMS(), marks[3].X)

	// Without latency.hdr nothing is made up: only the summary's quantiles.
	run.Latencies = nil
	fig, err := latencyCDFFigure(newView(run)).render()
	require.NoError(t, err)
	svg := string(fig.SVG)
	assert.Contains(t, svg, "no latency.hdr in this result directory")
	assert.NotContains(t, svg, "completed requests (latency.hdr)")
}

// Colours follow the label, not the order of the runs, so a variant has
// one colour in `compare`, `plot` and the report.
func TestColoursFollowTheLabel(t *testing.T) {
	a := RunColors([]string{"embedded-prefork", "daemon-event"})
	b := RunColors([]string{"daemon-event", "other", "embedded-prefork"})
	assert.True(t, sameColor(a[0], b[2]))
	assert.True(t, sameColor(a[1], b[0]))
	labels := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	cs := RunColors(labels)
	for i := range cs {
		for j := range i {
			assert.False(t, sameColor(cs[i], cs[j]), "%s and %s", labels[i], labels[j])
		}
	}
}

// A run keeps its colour whatever it is compared with and however the
// legend labels it: the comparison of two variants, and a report adding a
// run of another scenario (where the labels gain the scenario's name).
func TestARunKeepsItsColourAcrossComparisons(t *testing.T) {
	a := plotstest.PreforkSpike(results.SourceSimulator, 1)
	b := plotstest.DaemonFlat(results.SourceSimulator, 1)
	other := plotstest.DaemonFlat(results.SourceSimulator, 1)
	other.Summary.Scenario = "another"
	two := RunColorsOf([]results.Run{a, b}, nil)
	three := RunColorsOf([]results.Run{other, b, a}, nil)
	l2, _ := RunLabels([]results.Run{a, b}, nil)
	l3, _ := RunLabels([]results.Run{other, b, a}, nil)
	require.NotEqual(t, l2[0], l3[2], "the labels differ...")
	assert.True(t, sameColor(two[0], three[2]), "...the colour does not")
	assert.True(t, sameColor(two[1], three[1]))
}

// Runs that the summary does not tell apart are labelled by directory,
// never "run 1", "run 2".
func TestLabelsByDirectory(t *testing.T) {
	a := plotstest.PreforkSpike(results.SourceSimulator, 1)
	b := plotstest.PreforkSpike(results.SourceSimulator, 2)
	labels, common := RunLabels([]results.Run{a, b}, []string{"out/tuned/prefork", "out/default/prefork"})
	assert.Equal(t, []string{"tuned/prefork", "default/prefork"}, labels)
	assert.Equal(t, "prefork-vps, defaults, simulator, prefork, embedded", common)
	labels, _ = RunLabels([]results.Run{a, plotstest.DaemonFlat(results.SourceSimulator, 1)}, []string{"x", "y"})
	assert.Equal(t, []string{"defaults", "daemon"}, labels, "the summary tells them apart: no directory needed")
}

// longRun is n rows at interval seconds of noisy values with one spike of
// listen queue at row spike.
func longRun(n int, interval float64, spike int) results.Run {
	rng := rand.New(rand.NewPCG(1, 2))
	rows := make([]results.Row, n)
	for i := range rows {
		r := &rows[i]
		r.TimeS = float64(i) * interval
		r.ApacheChildren = 10 + rng.Float64()
		r.Idle, r.Busy, r.KeepAlive = 5*rng.Float64(), 3*rng.Float64(), rng.Float64()
		r.PSSMB, r.ParentPSSMB, r.ChildrenPSSMB = 300+10*rng.Float64(), 5, 290
		r.Arrivals, r.Completions = 10, 9+rng.Float64()
		r.LatencyP50MS, r.LatencyP99MS = 40+rng.Float64()*5, 200+rng.Float64()*50
		r.Spawns = float64(rng.IntN(2))
		r.ListenQueue = rng.Float64()
	}
	rows[spike].ListenQueue = 500
	rows[spike+1].Completions, rows[spike+1].LatencyP50MS, rows[spike+1].LatencyP99MS = 0, 0, 0
	s := results.Summary{Forkcast: results.Version, Source: results.SourceSimulator, Scenario: "long", MPM: "prefork", Mode: "embedded",
		DurationS: float64(n) * interval, IntervalS: interval, RAMMB: 1024, MaxWorkers: 150}
	return results.Run{Summary: s, Rows: rows}
}

// A day at 1 s rows draws in files of a sensible size, in hours, with a
// one-second spike still at its height.
func TestADayDrawsSmallFigures(t *testing.T) {
	run := longRun(86400, 1, 50000)
	figs, err := Figures(run)
	require.NoError(t, err)
	for _, f := range figs {
		assert.LessOrEqual(t, len(f.SVG), 2<<20, "%s.svg is %d bytes", f.Name, len(f.SVG))
		t.Logf("%s.svg: %d KB, %s.png: %d KB", f.Name, len(f.SVG)>>10, f.Name, len(f.PNG)>>10)
		if f.Name != "failures" && f.Name != "latency_cdf" {
			assert.Contains(t, string(f.SVG), "time since the load started (h)", f.Name)
		}
	}
	v := newView(run)
	rows := v.rows(qListen, qDaemonWait)
	assert.Less(t, len(rows), 5000)
	var peak float64
	for _, r := range rows {
		peak = max(peak, r.ListenQueue)
	}
	assert.Equal(t, 500.0, peak, "the one-row spike survives thinning")
	gap := false
	for _, r := range v.rows(qP50, qP99, qP50Done, qP99Done) {
		gap = gap || r.LatencyP50MS == 0
	}
	assert.True(t, gap, "the one interval without completions stays a gap")
}

func TestTimeAxisUnitFollowsTheRunLength(t *testing.T) {
	for _, c := range []struct {
		endS float64
		want string
	}{{240, "s"}, {900, "s"}, {3600, "min"}, {5 * 3600, "min"}, {86400, "h"}} {
		assert.Equal(t, "time since the load started ("+c.want+")", newTimeAxis(c.endS).label(), "%v s", c.endS)
	}
}

// Load's streaming thinning keeps, for every panel, the rows thinning all
// rows keeps.
func TestStreamingThinningMatchesThinningAllRows(t *testing.T) {
	run := longRun(30000, 0.5, 7777)
	red := newReducer(run.Summary.IntervalS)
	for _, r := range run.Rows {
		red.add(r)
	}
	kept := red.result()
	assert.Less(t, len(kept), len(run.Rows)/2)
	for i, qs := range [][]quantity{{qWorkers, qDaemons}, {qSpawns, qKills}, {qPSS, qSplit, qSwap},
		{qP50, qP99, qP50Done, qP99Done}, {qCompleted, qFailed}, {qListen, qDaemonWait}, {qProcesses}} {
		want := thinRows(run.Summary, run.Rows, qs...)
		got := thinRows(run.Summary, kept, qs...)
		assert.Equal(t, want, got, "panel %d", i)
	}
}

func TestThinIndexKeepsEveryExtreme(t *testing.T) {
	n := 100000
	tm := make([]float64, n)
	v := make([]float64, n)
	for i := range n {
		tm[i] = float64(i)
		v[i] = math.Sin(float64(i) / 1000)
	}
	v[12345] = 7
	v[54321] = -7
	v[60000] = math.NaN()
	idx := thinIndex(tm, 1, v)
	assert.Less(t, len(idx), 4*pixelColumns+2)
	has := map[int]bool{}
	for _, i := range idx {
		has[i] = true
	}
	for _, i := range []int{0, 12345, 54321, 60000, n - 1} {
		assert.True(t, has[i], "index %d", i)
	}
}
