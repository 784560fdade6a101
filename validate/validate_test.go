package validate

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

// scenario parses a scenario with the given phases (TOML) and extra text.
func scenario(t *testing.T, duration, phases, extra string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Parse("t.toml", []byte("duration = \""+duration+"\"\n"+extra+"\n"+phases), "")
	require.NoError(t, err)
	return sc
}

func phase(dur string, rate float64) string {
	return "[[workload.phase]]\nduration = \"" + dur + "\"\nrate = " + ftoa(rate) + "\n"
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// mkRun builds a run of n rows of interval iv from per-row functions.
func mkRun(seed uint64, iv float64, n int, children, pss, spawns func(i int) float64) results.Run {
	r := results.Run{Summary: results.Summary{Seed: seed, IntervalS: iv, DurationS: iv * float64(n), Source: results.SourceSimulator}}
	for i := range n {
		row := results.Row{TimeS: float64(i) * iv}
		if children != nil {
			row.ApacheChildren = children(i)
		}
		if pss != nil {
			row.PSSMB = pss(i)
		}
		if spawns != nil {
			row.Spawns = spawns(i)
		}
		r.Rows = append(r.Rows, row)
	}
	return r
}

// withThroughput gives r tp completed requests a second over its duration.
func withThroughput(r results.Run, tp float64) results.Run {
	r.Summary.Requests.Completed = int64(math.Round(tp * r.Summary.DurationS))
	r.Summary.Throughput = math.Round(tp*100) / 100
	return r
}

func constant(v float64) func(int) float64 { return func(int) float64 { return v } }

func metric(t *testing.T, r *Report, name string) Metric {
	t.Helper()
	for _, m := range r.Metrics {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no metric %s in %v", name, r.Metrics)
	return Metric{}
}

func TestNamesAreTheScenarioTolerances(t *testing.T) {
	assert.Equal(t, scenarios.ValidationMetrics, Names())
}

func TestEstimateTInterval(t *testing.T) {
	// By hand: mean 2.5, s = sqrt(5/3) = 1.2909944, t(0.975, 3) = 3.1824463
	// (tables), half-width = 3.1824463 × 1.2909944 / 2 = 2.0542603.
	e := NewEstimate([]float64{1, 2, 3, 4})
	assert.Equal(t, 2.5, e.Mean)
	require.NotNil(t, e.Lo)
	assert.InDelta(t, 2.5-2.0542603, *e.Lo, 1e-5)
	assert.InDelta(t, 2.5+2.0542603, *e.Hi, 1e-5)
	// One more run: 3.1824463 × 1.2909944 × sqrt(1 + 1/4) = 4.5934656,
	// but no run of a quantity that is never negative goes below 0.
	require.NotNil(t, e.RunLo)
	assert.Equal(t, 0.0, *e.RunLo)
	assert.InDelta(t, 2.5+4.5934656, *e.RunHi, 1e-5)
	signed := NewEstimate([]float64{-1, 2, 3, 4})
	assert.Negative(t, *signed.RunLo, "a quantity that was negative in a replication is not clipped")
	assert.Equal(t, 4, e.N)

	one := NewEstimate([]float64{7})
	assert.Equal(t, 7.0, one.Mean)
	assert.Nil(t, one.Lo, "one replication has no interval")
	assert.Nil(t, one.Hi)
	assert.Nil(t, one.RunLo)
}

// A bistable outcome: 19 replications keep 6 children, one forks 8. The
// t-interval for one run, 6.1 ± 0.96, would call 8 implausible although
// the model itself produced it; the one-run band reaches the replications'
// range, while the interval of the mean stays the t-interval.
func TestOneRunBandCoversWhatTheReplicationsDid(t *testing.T) {
	vals := make([]float64, 20)
	for i := range vals {
		vals[i] = 6
	}
	vals[7] = 8
	e := NewEstimate(vals)
	assert.InDelta(t, 6.1, e.Mean, 1e-12)
	assert.Equal(t, 8.0, *e.RunHi, "a run like the one replication that forked 8")
	assert.Less(t, *e.RunLo, 6.0, "the t-interval's low side is wider than the range")
	assert.Less(t, *e.Hi, 8.0, "the mean's interval is not widened")
}

func TestFindSurge(t *testing.T) {
	end := func(s Surge) float64 {
		if s.EndS == nil {
			return -1
		}
		return *s.EndS
	}
	s := FindSurge(scenario(t, "60s", phase("10s", 2)+phase("20s", 20)+phase("30s", 2), ""))
	assert.Equal(t, 10.0, s.StartS)
	assert.Equal(t, 30.0, end(s))

	s = FindSurge(scenario(t, "60s", phase("60s", 5), ""))
	assert.Equal(t, 0.0, s.StartS, "constant load: the surge is the load's start")
	assert.Nil(t, s.EndS)

	ramp := phase("5s", 5) + "[[workload.phase]]\nduration = \"10s\"\nshape = \"ramp\"\nrate = 5.0\nto = 50.0\n" + phase("10s", 50) + phase("5s", 5)
	s = FindSurge(scenario(t, "40s", ramp, ""))
	assert.Equal(t, 5.0, s.StartS, "a ramp up is a rise")
	assert.Equal(t, 25.0, end(s))

	s = FindSurge(scenario(t, "30s", phase("10s", 10)+phase("10s", 2)+phase("10s", 20), ""))
	assert.Equal(t, 20.0, s.StartS, "a fall before the rise is not the surge")
	assert.Nil(t, s.EndS)

	s = FindSurge(scenario(t, "30s", phase("10s", 2)+phase("20s", 20)+phase("30s", 2), ""))
	assert.Nil(t, s.EndS, "an end at or after the run's end is no end")
}

// With several populations, the surge is the first rise of any of them
// and the first fall after it.
func TestFindSurgeOfPopulations(t *testing.T) {
	for _, tc := range []struct {
		name       string
		pops       string
		start, end float64 // end -1: none
	}{
		{"a crawler joins browsers and leaves", `
[workload.population.browsers]
[[workload.population.browsers.phase]]
duration = "40s"
rate = 5
[workload.population.crawler]
start = "10.5s"
stop = "30.5s"
[[workload.population.crawler.phase]]
duration = "40s"
rate = 1
`, 10.5, 30.5},
		{"wrk -c50 from 5.5 s for 20 s", `
[workload.population.wrk]
kind = "closed"
users = 50
start = "5.5s"
stop = "25.5s"
`, 5.5, 25.5},
		{"an open population's step, played from its start", `
[workload.population.site]
start = "2s"
[[workload.population.site.phase]]
duration = "10s"
rate = 2
[[workload.population.site.phase]]
duration = "10s"
rate = 20
[[workload.population.site.phase]]
duration = "10s"
rate = 2
`, 2, 22},
		{"everyone from t=0 to the end: no surge", `
[workload.population.a]
[[workload.population.a.phase]]
duration = "40s"
rate = 5
[workload.population.b]
kind = "closed"
users = 3
`, 0, -1},
		{"a fall before the first rise is not the end", `
[workload.population.early]
stop = "5s"
[[workload.population.early.phase]]
duration = "40s"
rate = 5
[workload.population.late]
kind = "closed"
users = 10
start = "20s"
`, 20, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := FindSurge(scenario(t, "40s", "", tc.pops))
			assert.Equal(t, tc.start, s.StartS)
			if tc.end < 0 {
				assert.Nil(t, s.EndS)
			} else if assert.NotNil(t, s.EndS) {
				assert.Equal(t, tc.end, *s.EndS)
			}
		})
	}
}

func TestSpawnTimelineAlignedOnTheSurge(t *testing.T) {
	sc := scenario(t, "30s", phase("10s", 2)+phase("10s", 40)+phase("10s", 2), "")
	// Prefork's doubling from the surge on, predicted a second late in one
	// replication; nothing is counted before the surge.
	births := func(shift int) func(int) float64 {
		return func(i int) float64 {
			k := i - 10 - shift
			if k < 0 || k > 4 {
				return 0
			}
			return math.Pow(2, float64(k))
		}
	}
	// Row 0 holds the start's spawns in every run; outside the window.
	withStart := func(f func(int) float64) func(int) float64 {
		return func(i int) float64 {
			if i == 0 {
				return 5
			}
			return f(i)
		}
	}
	p1 := mkRun(1, 1, 30, constant(5), constant(100), withStart(births(0)))
	p2 := mkRun(2, 1, 30, constant(5), constant(100), withStart(births(1)))
	m := mkRun(1, 1, 30, constant(5), constant(100), withStart(births(0)))
	rep, err := Compare(sc, []results.Run{p1, p2}, m)
	require.NoError(t, err)
	tl := rep.SpawnTimeline
	require.Len(t, tl.Measured, 10)
	assert.Equal(t, []float64{1, 2, 4, 8, 16, 0, 0, 0, 0, 0}, tl.Measured)
	assert.Equal(t, []float64{0.5, 1.5, 3, 6, 12, 8, 0, 0, 0, 0}, tl.PredictedMean)
	// Measured 1, 2, 4, 8, 16 against replications' 0/1, 1/2, 2/4, 4/8,
	// 8/16: each inside the replications' range, so inside the one-run
	// interval; then 0 against 0/16 (inside) and 0s.
	assert.Equal(t, 10, tl.Close)
	assert.GreaterOrEqual(t, tl.PredictedRunHi[4], 16.0)
	assert.Equal(t, 0.0, tl.TimeS[0])
	sp := metric(t, rep, "spawn_timeline")
	// MAE = (0.5+0.5+1+2+4+8)/10 = 1.6 births/s; measured level 31/10 = 3.1.
	assert.InDelta(t, 1.6, sp.AbsError, 1e-12)
	assert.InDelta(t, 3.1, sp.Measured, 1e-12)
	assert.InDelta(t, 1.6/3.1, sp.RelError, 1e-12)
	assert.False(t, within(sp, sp.Kind, sp.Tolerance), "a relative MAE of 0.52 exceeds the default 0.5")
	require.NotNil(t, sp.RunsLikeMeasured)
	assert.Equal(t, 1, *sp.RunsLikeMeasured, "replication 1 took the measured path")
	assert.True(t, sp.Pass, "a path the model gives")
}

// A bistable outcome: a tick that sees idle below the minimum continues
// the doubling (1, 2, 4) or not (1, 2, then 1, 2). The measured path
// passes when some replication took it, whatever the mean curve, and
// says how often; a path no replication took fails.
func TestCurveLikeOneReplication(t *testing.T) {
	sc := scenario(t, "30s", phase("10s", 2)+phase("10s", 40)+phase("10s", 2), "")
	path := func(p ...float64) func(int) float64 {
		return func(i int) float64 {
			if k := i - 10; k >= 0 && k < len(p) {
				return p[k]
			}
			return 0
		}
	}
	doubling := path(1, 2, 4)
	split := path(1, 2, 0, 1, 2)
	var reps []results.Run
	for i := range 5 {
		f := split
		if i == 3 {
			f = doubling
		}
		reps = append(reps, mkRun(uint64(i+1), 1, 30, constant(5), constant(100), f))
	}
	for _, c := range []struct {
		name     string
		measured func(int) float64
		like     int
		pass     bool
	}{
		{"the minority's path", doubling, 1, true},
		{"the majority's path", split, 4, true},
		{"a path no replication took", path(8, 8, 8), 0, false},
	} {
		rep, err := Compare(sc, reps, mkRun(1, 1, 30, constant(5), constant(100), c.measured))
		require.NoError(t, err)
		sp := metric(t, rep, "spawn_timeline")
		require.NotNil(t, sp.RunsLikeMeasured, c.name)
		assert.Equal(t, c.like, *sp.RunsLikeMeasured, c.name)
		assert.Equal(t, c.pass, sp.Pass, c.name)
		if c.like == 0 {
			// 8 births/s in the first three seconds, where the
			// replications had 1, 2 and 0–4: those three are neither
			// within one child a second nor inside the one-run interval.
			assert.Equal(t, 7, rep.SpawnTimeline.Close, c.name)
		}
		if c.like == 1 {
			var b strings.Builder
			rep.WriteTable(&b)
			assert.Contains(t, b.String(), "ok (like 1 of 5 runs)", c.name)
			assert.Contains(t, sp.Note, "like 1 of 5 replications", c.name)
		}
	}
}

// A value's odds: of replications peaking at 3, 4 and 5 processes, those
// like the measured peak are counted and the table says so, though their
// mean is off by more than the tolerance.
// Where a measured value ranks among the replications: Compare records
// it, and over many metrics the rank histogram is flat when the real run
// is one more draw of the model's distribution — a bell or a two-way
// outcome alike (its ties spread over their places, not piled in the
// middle) — while bands too narrow pile the measurements at both ends and
// a biased model on one side.
func TestRankHistogramShowsWhetherTheSpreadIsReality(t *testing.T) {
	for _, tc := range []struct {
		rank Rank
		want [5]float64
	}{
		{Rank{Below: 0, Equal: 0, N: 4}, [5]float64{1, 0, 0, 0, 0}},
		{Rank{Below: 2, Equal: 0, N: 4}, [5]float64{0, 0, 1, 0, 0}},
		{Rank{Below: 3, Equal: 1, N: 4}, [5]float64{0, 0, 0, 0.5, 0.5}},
		{Rank{Below: 0, Equal: 9, N: 9}, [5]float64{0.2, 0.2, 0.2, 0.2, 0.2}}, // all alike: any place
		{Rank{Below: 20, Equal: 0, N: 20}, [5]float64{0, 0, 0, 0, 1}},
	} {
		got := tc.rank.Fifths()
		for i := range got {
			assert.InDelta(t, tc.want[i], got[i], 1e-12, "%+v", tc.rank)
		}
	}
	assert.Equal(t, &Rank{Below: 1, Equal: 2, N: 4}, rankOf([]float64{0.09, 0.1, 0.109, 0.11}, 0.1, 0.01),
		"a value measured rounded down to 10 ms ties with what rounds to it")

	sc := scenario(t, "10s", phase("10s", 5), "")
	reps := flatRuns(3, 4, 5, 3, 5, 4, 4, 5)
	rep, err := Compare(sc, reps, mkRun(1, 1, 10, constant(4), constant(100), nil))
	require.NoError(t, err)
	assert.Equal(t, &Rank{Below: 2, Equal: 3, N: 8}, metric(t, rep, "peak_processes").Rank)
	assert.Equal(t, rep.Coverage.Total, rep.Coverage.Ranks.N+rep.Coverage.Ranks.AllAlike)
	assert.Positive(t, rep.Coverage.Ranks.AllAlike, "no failures, real or simulated: nothing to rank")
	var b strings.Builder
	rep.WriteTable(&b)
	assert.Contains(t, b.String(), "ranks: ")

	r := rand.New(rand.NewPCG(1, 2))
	hist := func(draw func(measured bool) float64) [5]float64 {
		var c Coverage
		for range 3000 {
			vals := make([]float64, 20)
			for i := range vals {
				vals[i] = draw(false)
			}
			c.Add(&Report{Metrics: []Metric{{Rank: rankOf(vals, draw(true), 0)}}}, "")
		}
		assert.Equal(t, 3000, c.Ranks.N+c.Ranks.AllAlike)
		return c.Ranks.Shares
	}
	bell := hist(func(bool) float64 { return r.NormFloat64() })
	twoWay := hist(func(bool) float64 { // 6 children or 8, 3 times in 10
		if r.Float64() < 0.3 {
			return 8
		}
		return 6
	})
	narrow := hist(func(measured bool) float64 {
		if measured {
			return r.NormFloat64()
		}
		return 0.5 * r.NormFloat64()
	})
	biased := hist(func(measured bool) float64 {
		if measured {
			return r.NormFloat64() + 0.5
		}
		return r.NormFloat64()
	})
	for i := range 5 {
		assert.InDelta(t, 0.2, bell[i], 0.025, "bell %v", bell)
		assert.InDelta(t, 0.2, twoWay[i], 0.025, "two-way %v", twoWay)
	}
	assert.Greater(t, narrow[0]+narrow[4], 0.55, "too narrow: %v", narrow)
	assert.Greater(t, biased[4], biased[0]+0.15, "biased: %v", biased)
}

// flatRuns returns one replication a level, its processes at that level
// all run long.
func flatRuns(levels ...float64) []results.Run {
	var reps []results.Run
	for i, l := range levels {
		reps = append(reps, mkRun(uint64(i+1), 1, 10, constant(l), constant(100), nil))
	}
	return reps
}

func TestValueLikeSomeReplications(t *testing.T) {
	sc := scenario(t, "10s", phase("10s", 5), "")
	reps := flatRuns(3, 4, 5, 3, 5, 4, 4, 5)
	rep, err := Compare(sc, reps, mkRun(1, 1, 10, constant(3), constant(100), nil))
	require.NoError(t, err)
	pk := metric(t, rep, "peak_processes")
	assert.InDelta(t, 4.125, pk.Predicted.Mean, 1e-12)
	assert.False(t, within(pk, pk.Kind, pk.Tolerance), "the mean is 37% off")
	require.NotNil(t, pk.RunsLikeMeasured)
	assert.Equal(t, 2, *pk.RunsLikeMeasured, "two replications peaked at 3")
	assert.True(t, pk.Pass, "inside the one-run interval")
	var b strings.Builder
	rep.WriteTable(&b)
	assert.Contains(t, b.String(), "ok (in run interval; like 2 of 8 runs)")

	rep, err = Compare(sc, reps, mkRun(1, 1, 10, constant(4), constant(100), nil))
	require.NoError(t, err)
	assert.Equal(t, 3, *metric(t, rep, "peak_processes").RunsLikeMeasured)

	// Counted, not judged: nineteen replications at 10 and one at 20; a
	// measured 22 is within 15% of that one but outside the one-run
	// interval, and fails.
	reps = reps[:0]
	for i := range 20 {
		peak := 10.0
		if i == 7 {
			peak = 20
		}
		reps = append(reps, mkRun(uint64(i+1), 1, 10, constant(peak), constant(100), nil))
	}
	rep, err = Compare(sc, reps, mkRun(1, 1, 10, constant(22), constant(100), nil))
	require.NoError(t, err)
	pk = metric(t, rep, "peak_processes")
	assert.Equal(t, 1, *pk.RunsLikeMeasured)
	assert.False(t, *pk.InRunInterval, "the interval reaches 20, the replications' largest")
	assert.False(t, pk.Pass)
}

func TestCurveMAEAndSteadyAndPeak(t *testing.T) {
	sc := scenario(t, "10s", phase("10s", 5), "")
	// Replications at 10 and 12 processes (mean curve 11), measured 10 and,
	// in the last 2 rows (the last 20%), 14.
	p1 := mkRun(1, 1, 10, constant(10), constant(200), nil)
	p2 := mkRun(2, 1, 10, constant(12), constant(300), nil)
	m := mkRun(1, 1, 10, func(i int) float64 {
		if i >= 8 {
			return 14
		}
		return 10
	}, constant(250), nil)
	rep, err := Compare(sc, []results.Run{p1, p2}, m)
	require.NoError(t, err)

	pm := metric(t, rep, "processes_mae")
	assert.InDelta(t, (8*1+2*3)/10.0, pm.AbsError, 1e-12, "MAE of the mean curve, row by row")
	assert.InDelta(t, 10.8, pm.Measured, 1e-12, "the measured curve's mean level")
	assert.InDelta(t, 11, pm.Predicted.Mean, 1e-12)
	assert.InDelta(t, 1.4/10.8, pm.RelError, 1e-12)

	st := metric(t, rep, "steady_processes")
	assert.InDelta(t, 11, st.Predicted.Mean, 1e-12)
	assert.InDelta(t, 14, st.Measured, 1e-12)
	assert.InDelta(t, 3, st.AbsError, 1e-12)
	require.NotNil(t, st.InRunInterval)
	// t(0.975, 1) = 12.706: 11 ± 12.706 × 1.414 × sqrt(1.5) = [-11, 33] holds 14.
	assert.True(t, *st.InRunInterval)

	pk := metric(t, rep, "peak_processes")
	assert.Equal(t, 14.0, pk.Measured)

	mae := metric(t, rep, "pss_mae")
	assert.InDelta(t, 0, mae.AbsError, 1e-12, "mean curve 250 equals the measured 250")
	assert.Equal(t, 0.0, mae.RelError)
}

func TestRelativeErrorNearZeroAndBothZero(t *testing.T) {
	assert.Equal(t, 0.0, relError(0, 0, 1), "both 0: exact")
	assert.Equal(t, 0.5, relError(0.5, 0, 1), "measured 0: relative to the floor")
	assert.Equal(t, 0.1, relError(10, 100, 1))
}

func TestFailuresAreSharesWithAbsoluteTolerance(t *testing.T) {
	sc := scenario(t, "10s", phase("10s", 5), "")
	mk := func(offered, s504 int64) results.Run {
		r := mkRun(1, 1, 10, constant(5), constant(100), nil)
		r.Summary.Requests = results.Requests{Offered: offered, Failed: s504, Failures: results.Failures{S504: s504}}
		return r
	}
	rep, err := Compare(sc, []results.Run{mk(1000, 130)}, mk(100, 10))
	require.NoError(t, err)
	f := metric(t, rep, "failures_504")
	assert.Equal(t, Absolute, f.Kind)
	assert.InDelta(t, 0.13, f.Predicted.Mean, 1e-12)
	assert.InDelta(t, 0.10, f.Measured, 1e-12)
	assert.InDelta(t, 0.03, f.AbsError, 1e-12)
	assert.False(t, f.Pass, "3 points over the default 2")
	z := metric(t, rep, "failures_500")
	assert.True(t, z.Pass)
	assert.Equal(t, 0.0, z.RelError, "no failures on either side count as exact")
}

func TestPassAtTheToleranceBoundary(t *testing.T) {
	sc := scenario(t, "10s", phase("10s", 5), "")
	mk := func(tp float64) results.Run {
		return withThroughput(mkRun(1, 1, 10, constant(5), constant(100), nil), tp)
	}
	for _, c := range []struct {
		predicted float64
		pass      bool
	}{{110, true}, {90, true}, {110.1, false}, {89.9, false}} { // one request in 10 s is 0.1/s
		rep, err := Compare(sc, []results.Run{mk(c.predicted)}, mk(100))
		require.NoError(t, err)
		m := metric(t, rep, "throughput")
		assert.Equal(t, 0.1, m.Tolerance)
		assert.Equal(t, c.pass, m.Pass, "predicted %v vs measured 100 at a tolerance of 10%%", c.predicted)
		assert.Equal(t, c.pass, rep.Pass)
		if !c.pass {
			assert.Equal(t, []string{"throughput"}, rep.Failed)
		}
	}
}

// A measurement outside tolerance of the predicted mean still passes when
// it lies inside the 95% prediction interval for one run: the replications
// spread wider than the tolerance, and the model predicted that value as a
// plausible run. The interval of the mean is narrower and is not the test:
// a single run may fall outside it and still be one the model expects.
func TestPassInsideThePredictedInterval(t *testing.T) {
	sc := scenario(t, "10s", phase("10s", 5), "")
	mk := func(tp float64) results.Run {
		return withThroughput(mkRun(1, 1, 10, constant(5), constant(100), nil), tp)
	}
	spread := []results.Run{mk(70), mk(100), mk(130)} // mean 100, wide interval
	for _, c := range []struct {
		measured float64
		pass     bool
	}{{100, true}, {125, true}, {200, true}, {300, false}} {
		rep, err := Compare(sc, spread, mk(c.measured))
		require.NoError(t, err)
		m := metric(t, rep, "throughput")
		require.NotNil(t, m.InRunInterval)
		assert.Equal(t, c.pass, m.Pass, "measured %v against 100, one run in [%.0f, %.0f]", c.measured, *m.Predicted.RunLo, *m.Predicted.RunHi)
		if c.measured == 200 {
			assert.Greater(t, c.measured, *m.Predicted.Hi, "outside the interval of the mean (s = 30, t(0.975, 2) = 4.303: [25, 175])")
		}
		var b strings.Builder
		rep.WriteTable(&b)
		if c.measured == 125 {
			assert.Greater(t, m.RelError, m.Tolerance, "outside the 10% tolerance")
			assert.Contains(t, b.String(), "ok (in run interval; like 1 of 3 runs)")
		}
	}
}

func TestToleranceOverrides(t *testing.T) {
	sc := scenario(t, "10s", phase("10s", 5), "[validate]\ntolerance = { throughput = 0.2, failures_504 = 0.05 }\n")
	tol, err := Tolerances(sc)
	require.NoError(t, err)
	assert.Equal(t, 0.2, tol["throughput"])
	assert.Equal(t, 0.05, tol["failures_504"])
	assert.Equal(t, 0.5, tol["latency_p99"], "the others keep their defaults")

	mk := func(tp float64) results.Run {
		return withThroughput(mkRun(1, 1, 10, constant(5), constant(100), nil), tp)
	}
	rep, err := Compare(sc, []results.Run{mk(115)}, mk(100))
	require.NoError(t, err)
	assert.True(t, metric(t, rep, "throughput").Pass, "15%% passes a 20%% tolerance")

	// The loader refuses unknown names; a scenario built otherwise is
	// caught here.
	sc.Validate.Tolerance = map[string]float64{"throughput": 0.1, "p99": 0.2}
	_, err = Tolerances(sc)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unknown metric [p99]")
	assert.Contains(t, err.Error(), "latency_p99")
	_, err = Compare(sc, []results.Run{mk(1)}, mk(1))
	assert.Error(t, err)
}

func TestMedianAbsolutePercentageError(t *testing.T) {
	assert.Equal(t, 3.0, median([]float64{5, 1, 3}))
	assert.Equal(t, 2.5, median([]float64{4, 1, 3, 2}))
	assert.Equal(t, 0.0, median(nil))

	// Every metric exact but throughput 50% off and p50 20% off: of the 17
	// metrics reported (recover_time and the restart metrics do not apply),
	// the median is 0.
	sc := scenario(t, "10s", phase("10s", 5), "")
	mk := func(tp, p50 float64) results.Run {
		r := mkRun(1, 1, 10, constant(5), constant(100), nil)
		r.Summary.Throughput, r.Summary.Latency.P50 = tp, p50
		return r
	}
	rep, err := Compare(sc, []results.Run{mk(150, 120)}, mk(100, 100))
	require.NoError(t, err)
	assert.Len(t, rep.Metrics, len(Defs)-5)
	assert.Equal(t, 0.0, rep.MAPE)
	require.Len(t, rep.NotApplicable, 5)
	assert.True(t, strings.HasPrefix(rep.NotApplicable[0], "recover_time: "))
	assert.Equal(t, "restart_window_p99: the scenario has no [[event]]", rep.NotApplicable[4])
}

func TestRecoverTime(t *testing.T) {
	// 2/s for 10 s, 40/s for 10 s, then 2/s: surge from 10 s to 20 s.
	sc := scenario(t, "60s", phase("10s", 2)+phase("10s", 40)+phase("40s", 2), "")
	// Children: 5 before, 25 during, then prefork kills one idle child a
	// second from 20 s: 24, 23, ... reaching 5.5 (within 0.5 of 5) at row 39.
	children := func(downFrom int, floor float64) func(int) float64 {
		return func(i int) float64 {
			switch {
			case i < 10:
				return 5
			case i < downFrom:
				return 25
			}
			return math.Max(floor, 25-float64(i-downFrom+1))
		}
	}
	m := mkRun(1, 1, 60, children(20, 5.5), constant(100), nil)
	p1 := mkRun(1, 1, 60, children(20, 5), constant(100), nil)
	p2 := mkRun(2, 1, 60, children(22, 5), constant(100), nil)
	rep, err := Compare(sc, []results.Run{p1, p2}, m)
	require.NoError(t, err)
	rt := metric(t, rep, "recover_time")
	// Measured: 25-(i-19) <= 5.5 first at i = 39 → 19 s after the end at 20 s.
	assert.Equal(t, 19.0, rt.Measured)
	// p1 reaches 5.5 at 39 too → 19; p2 two rows later → 21.
	assert.Equal(t, []float64{19, 21}, rt.Predicted.Values)
	assert.Equal(t, 1.0, rt.AbsError)
	assert.Equal(t, Absolute, rt.Kind)
	assert.True(t, rt.Pass, "1 s within the default 5 s")
	assert.Empty(t, rt.Note)

	// A run that never comes back is censored at the end of the run.
	stuck := mkRun(1, 1, 60, children(60, 25), constant(100), nil)
	rep, err = Compare(sc, []results.Run{p1}, stuck)
	require.NoError(t, err)
	rt = metric(t, rep, "recover_time")
	assert.Equal(t, 40.0, rt.Measured)
	assert.Contains(t, rt.Note, "censored")
	assert.False(t, rt.Pass)
}

func TestReportOutputs(t *testing.T) {
	sc := scenario(t, "10s", phase("10s", 5), "")
	p := mkRun(1, 1, 10, constant(5), constant(100), nil)
	m := mkRun(1, 1, 10, constant(6), constant(100), nil)
	rep, err := Compare(sc, []results.Run{p}, m)
	require.NoError(t, err)
	var b strings.Builder
	rep.WriteTable(&b)
	out := b.String()
	assert.Contains(t, out, "processes_mae")
	assert.Contains(t, out, "FAIL")
	assert.Contains(t, out, "median absolute percentage error")
	var js strings.Builder
	require.NoError(t, rep.WriteJSON(&js))
	assert.Contains(t, js.String(), `"median_abs_pct_error"`)
	assert.NotContains(t, js.String(), "NaN")

	_, err = Compare(sc, []results.Run{mkRun(1, 0.5, 20, nil, nil, nil)}, m)
	assert.ErrorContains(t, err, "different intervals")
}

// Latency metrics read every run's exact distribution when all have
// latency.hdr, so both sides are quantiles by one definition; otherwise
// summary.json's values, with a note.
func TestLatencyMetricsUseTheHistograms(t *testing.T) {
	sc := scenario(t, "10s", phase("10s", 5), "")
	mk := func(ms ...float64) results.Run {
		r := mkRun(1, 1, 10, constant(5), constant(100), nil)
		r.Summary.Latency = results.Latency{P50: 1, P90: 1, P99: 1} // not what the histogram says
		r.Latencies = results.NewHistogram()
		for _, v := range ms {
			r.Latencies.Record(time.Duration(v * float64(time.Millisecond)))
		}
		return r
	}
	var pred, meas []float64
	for i := range 100 {
		pred = append(pred, float64(i+1))
		meas = append(meas, float64(2*(i+1)))
	}
	rep, err := Compare(sc, []results.Run{mk(pred...)}, mk(meas...))
	require.NoError(t, err)
	m := metric(t, rep, "latency_p50")
	assert.InEpsilon(t, 50, m.Predicted.Mean, 0.002)
	assert.InEpsilon(t, 100, m.Measured, 0.002)
	assert.Empty(t, m.Note)
	assert.InEpsilon(t, 99, metric(t, rep, "latency_p99").Predicted.Mean, 0.002)

	old := mk(meas...)
	old.Latencies = nil // a measurement from before latency.hdr
	rep, err = Compare(sc, []results.Run{mk(pred...)}, old)
	require.NoError(t, err)
	m = metric(t, rep, "latency_p50")
	assert.Equal(t, 1.0, m.Measured)
	assert.Equal(t, 1.0, m.Predicted.Mean, "one definition for both sides: the summaries'")
	assert.Equal(t, "from summary.json: not every run has latency.hdr", m.Note)
}

// A measurement's own CPU — runtime mode's load generator and sampler —
// is a condition of the measured run: the prediction gets it as
// host.background_cpu, on top of the scenario's, at most every core.
func TestAsMeasuredGivesThePredictionTheObserversCPU(t *testing.T) {
	sc := scenario(t, "10s", phase("10s", 5), "[host]\ncpus = 2\nbackground_cpu = 0.1\n")
	assert.Same(t, sc, AsMeasured(sc, results.Run{}), "the simulator's runs have no measurement")

	measured := results.Run{Summary: results.Summary{Measurement: &results.Measurement{ObserverCores: 0.25}}}
	as := AsMeasured(sc, measured)
	assert.InDelta(t, 0.35, as.Host.BackgroundCPU, 1e-12)
	assert.Equal(t, 0.1, sc.Host.BackgroundCPU, "the scenario itself is not changed")

	measured.Summary.Measurement.ObserverCores = 5
	assert.Equal(t, 2.0, AsMeasured(sc, measured).Host.BackgroundCPU, "at most every core")
}

// The fresh memory the host still backed as the measured load started is
// the prediction's host.memory_warm (docs/model.md §8.5): where the probe
// found the end of it, that; where it did not, at least what it touched;
// and only on a host whose profile says first touches beyond it cost more.
func TestAsMeasuredGivesThePredictionTheWarmMemoryTheRunHad(t *testing.T) {
	const vm = "[host]\nmemory_touch_cpu = \"500us\"\nmemory_touch_cold_cpu = \"3ms\"\nmemory_warm = \"360MiB\"\n"
	sc := scenario(t, "10s", phase("10s", 5), vm)
	run := func(steps ...float64) results.Run {
		return results.Run{Summary: results.Summary{Measurement: &results.Measurement{
			FirstTouches: &results.FirstTouches{StepMiB: 20, MSPerMiB: steps}}}}
	}
	warm := []float64{0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5} // 200 MiB
	found := run(append(slices.Clone(warm), 3, 3, 3)...)
	assert.Equal(t, scenarios.Size(200<<20), AsMeasured(sc, found).Host.MemoryWarm, "the end the run's probe found")
	assert.Equal(t, scenarios.Size(360<<20), sc.Host.MemoryWarm, "the scenario itself is not changed")
	assert.Equal(t, scenarios.Size(360<<20), AsMeasured(sc, run(warm...)).Host.MemoryWarm,
		"200 MiB touched without an end: at least that, and the profile says more")
	long := slices.Repeat([]float64{0.5}, 40) // 800 MiB, no end
	assert.Equal(t, scenarios.Size(800<<20), AsMeasured(sc, run(long...)).Host.MemoryWarm, "at least what it touched")
	bare := scenario(t, "10s", phase("10s", 5), "[host]\nmemory_warm = \"360MiB\"\n")
	assert.Equal(t, scenarios.Size(360<<20), AsMeasured(bare, found).Host.MemoryWarm, "no dearer first touches in the profile: nothing to give")
}

// A run that served runtime mode's synthetic app measured the app's own
// modules too: the prediction gets them; a run of the user's own script
// did not, and a profile without them changes nothing.
func TestAsMeasuredAddsTheSyntheticAppsOwnMemory(t *testing.T) {
	sc := scenario(t, "10s", phase("10s", 5), "[host]\nruntime_app_memory = \"700KiB\"\nruntime_app_text = \"500KiB\"\nruntime_app_cpu = \"12ms\"\nruntime_app_fini_cpu = \"4ms\"\npython_shared_text = \"2MiB\"\n[app]\nimport_memory = \"20MiB\"\n")
	synthetic := results.Run{Summary: results.Summary{Measurement: &results.Measurement{}}}
	as := AsMeasured(sc, synthetic)
	assert.Equal(t, scenarios.Size(20<<20+700<<10), as.App.ImportMemory)
	assert.Equal(t, scenarios.Size(2<<20+500<<10), as.Host.PythonSharedText)
	assert.Equal(t, 12*time.Millisecond, as.App.ExtraImportCPU, "its modules' import CPU, per load")
	assert.Equal(t, 4*time.Millisecond, as.App.ExtraFiniCPU, "its modules' teardown, per process")
	assert.Equal(t, scenarios.Size(20<<20), sc.App.ImportMemory, "the scenario itself is not changed")
	assert.Zero(t, sc.App.ExtraImportCPU)

	user := results.Run{Summary: results.Summary{Measurement: &results.Measurement{WSGIScript: "/srv/app.wsgi"}}}
	asUser := AsMeasured(sc, user)
	assert.Equal(t, sc.App, asUser.App, "the user's own script: its memory is its own")
	assert.Equal(t, sc.Host.PythonSharedText, asUser.Host.PythonSharedText)

	bare := scenario(t, "10s", phase("10s", 5), "[host]\nruntime_app_memory = \"0B\"\nruntime_app_text = \"0B\"\nruntime_app_cpu = \"0s\"\nruntime_app_fini_cpu = \"0s\"\n")
	asBare := AsMeasured(bare, synthetic)
	assert.Equal(t, bare.App, asBare.App, "no app memory in the profile: nothing to add")
	assert.Equal(t, bare.Host, asBare.Host)
}

// Runtime mode's sampler asks Apache for /server-status on a clock, one
// request at a time: the prediction of a measured run gets them as an
// observer — one user, a request per connection that Apache answers
// itself, from the load's start, then at each tick a period apart, as long
// after it as the sampler's sweeps took (their deciles, the longer ones
// that read every process's memory once a memory period) — and
// measurements from before they were counted get runtime mode's period,
// 100 ms. The scenario is not changed, and an observer it has stays.
func TestAsMeasuredAddsRuntimeModesStatusRequests(t *testing.T) {
	sc := scenario(t, "10s", phase("10s", 5), "[workload.observer.lb]\nkind = \"closed\"\nusers = 1\nthink_time = \"const(5s)\"\n")
	ms := func(vs ...float64) []time.Duration {
		var out []time.Duration
		for _, v := range vs {
			out = append(out, time.Duration(v*float64(time.Millisecond)))
		}
		return out
	}
	plain := []float64{4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 15}
	memory := []float64{7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 30}
	for _, tc := range []struct {
		m      results.Measurement
		ticker scenarios.Ticker
	}{
		{results.Measurement{StatusRequests: 40, StatusPeriodMS: 250}, scenarios.Ticker{Period: 250 * time.Millisecond}},
		{results.Measurement{}, scenarios.Ticker{Period: 100 * time.Millisecond}},
		{results.Measurement{StatusRequests: 341, StatusPeriodMS: 100, MemoryPeriodMS: 1000,
			StatusDelayMS: plain, StatusDelayMemoryMS: memory},
			scenarios.Ticker{Period: 100 * time.Millisecond, Delay: ms(plain...), Long: 10, LongDelay: ms(memory...), Holds: true}},
	} {
		as := AsMeasured(sc, results.Run{Summary: results.Summary{Measurement: &tc.m}})
		require.Len(t, as.Workload.Observers, 2)
		assert.Contains(t, as.Workload.Observers, "lb", "the scenario's own observer stays")
		o := as.Workload.Observers[StatusObserver]
		require.NotNil(t, o)
		assert.Equal(t, "closed", o.Kind)
		assert.Equal(t, 1, o.Users)
		assert.Zero(t, o.Start.Duration, "the first as the load starts")
		require.NotNil(t, o.Ticker)
		assert.Equal(t, tc.ticker, *o.Ticker)
		assert.Equal(t, map[string]float64{"/server-status": 1}, o.URLs, "mod_status answers, not the app")
		assert.InDelta(t, 1, o.RequestsPerConnection.Mean(), 1e-12)
		assert.Equal(t, 2*time.Second, o.ClientTimeout.Duration)
	}
	assert.Len(t, sc.Workload.Observers, 1, "the scenario itself is not changed")
	assert.Same(t, sc, AsMeasured(sc, results.Run{}), "the simulator's runs have no measurement")
}

// The sampler's sweeps hold a core on their ticks in the prediction (the
// observer's Ticker.Holds), so runtime mode's measured CPU, interval by
// interval, is reserved less their average: with these delays 7.275 ms a
// tick and, every tenth, 12.65 (the means of the decile tables, linear
// between deciles), 7.8125 ms a 100 ms tick, 0.078125 cores. Measurements
// without the delays keep their whole CPU reserved.
func TestAsMeasuredMovesTheSweepsOntoTheirTicks(t *testing.T) {
	sc := scenario(t, "2s", phase("2s", 5), "")
	plain := []float64{4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 15}
	memory := []float64{7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 30}
	m := results.Measurement{StatusRequests: 20, StatusPeriodMS: 100, MemoryPeriodMS: 1000,
		StatusDelayMS: plain, StatusDelayMemoryMS: memory, ObserverCoresByInterval: []float64{0.1, 0.05}}
	as := AsMeasured(sc, results.Run{Summary: results.Summary{Measurement: &m}})
	require.Len(t, as.Host.BackgroundProfile, 2)
	assert.InDelta(t, 0.1-0.078125, as.Host.BackgroundProfile[0], 1e-9)
	assert.Zero(t, as.Host.BackgroundProfile[1], "never below nothing")
	assert.Equal(t, []float64{0.1, 0.05}, m.ObserverCoresByInterval, "the measurement is not changed")

	old := results.Measurement{StatusRequests: 20, StatusPeriodMS: 100, ObserverCoresByInterval: []float64{0.1, 0.05}}
	asOld := AsMeasured(sc, results.Run{Summary: results.Summary{Measurement: &old}})
	assert.False(t, asOld.Workload.Observers[StatusObserver].Ticker.Holds)
	assert.Equal(t, []float64{0.1, 0.05}, asOld.Host.BackgroundProfile)
}

// The simulator's summary rounds throughput_rps to 0.01/s; the same 57
// requests in 16 s must compare as equal, inside a band of identical
// replications, not as 3.56 against 3.5625.
func TestThroughputComparesCountsNotRoundedRates(t *testing.T) {
	sc := scenario(t, "16s", phase("16s", 4), "")
	pred := mkRun(1, 1, 16, constant(5), constant(100), nil)
	pred.Summary.Requests.Completed, pred.Summary.Throughput = 57, 3.56
	meas := mkRun(1, 1, 16, constant(5), constant(100), nil)
	meas.Summary.Requests.Completed, meas.Summary.Throughput = 57, 57.0/16
	rep, err := Compare(sc, []results.Run{pred, pred, pred}, meas)
	require.NoError(t, err)
	m := metric(t, rep, "throughput")
	assert.Equal(t, 0.0, m.AbsError)
	require.NotNil(t, m.InRunInterval)
	assert.True(t, *m.InRunInterval)
}

// A measurement with runtime mode's own CPU interval by interval gives the
// prediction that profile, not its average.
func TestAsMeasuredGivesTheObserversCPUIntervalByInterval(t *testing.T) {
	sc := scenario(t, "3s", phase("3s", 5), "[host]\ncpus = 2\nbackground_cpu = 0.1\n")
	measured := results.Run{Summary: results.Summary{Measurement: &results.Measurement{
		ObserverCores: 0.2, ObserverCoresByInterval: []float64{0.1, 0.4, 0.1}}}}
	as := AsMeasured(sc, measured)
	assert.Equal(t, []float64{0.1, 0.4, 0.1}, as.Host.BackgroundProfile)
	assert.Equal(t, 0.1, as.Host.BackgroundCPU, "the scenario's own background, under the profile")
	assert.Nil(t, sc.Host.BackgroundProfile, "the scenario itself is not changed")

	// Other processes' CPU during the run (1.5 CPU-s over 30 s) joins the
	// background.
	measured.Summary.DurationS = 30
	measured.Summary.Measurement.ForeignCPU.Seconds = 1.5
	assert.InDelta(t, 0.15, AsMeasured(sc, measured).Host.BackgroundCPU, 1e-12)
}

// Runtime mode reads a process's birth from its start time in clock ticks,
// rounded down: a measured birth up to one tick (10 ms) before the one-run
// interval is inside it, two ticks before is not.
func TestRestartBirthsAllowTheClockTick(t *testing.T) {
	sc := scenario(t, "16s", phase("16s", 4), "[[event]]\nat = \"5s\"\naction = \"restart\"\n")
	births := func(s ...float64) []results.Run {
		var runs []results.Run
		for _, b := range s {
			r := mkRun(1, 1, 16, constant(5), constant(100), nil)
			r.Summary.Restarts = []results.Restart{{AtS: 5, Action: "restart", FirstChildS: &b}}
			runs = append(runs, r)
		}
		return runs
	}
	predicted := births(0.068, 0.068, 0.068) // a band of no width
	for _, tc := range []struct {
		measured float64
		in       bool
	}{{0.068, true}, {0.059, true}, {0.0585, true}, {0.057, false}, {0.069, false}} {
		rep, err := Compare(sc, predicted, births(tc.measured)[0])
		require.NoError(t, err)
		m := metric(t, rep, "restart_child_birth")
		require.NotNil(t, m.InRunInterval)
		assert.Equal(t, tc.in, *m.InRunInterval, "measured %v against %v..%v", tc.measured, *m.Predicted.RunLo, *m.Predicted.RunHi)
	}
}

// The table says where the measured run's load met the parent's tick
// (runtime mode places it, drawn per run as the replications draw theirs),
// so that a two-way outcome can be read against it; a measurement that
// does not say prints nothing.
func TestReportShowsTheMeasuredTickPhase(t *testing.T) {
	sc := scenario(t, "10s", phase("10s", 5), "")
	reps := flatRuns(3, 4, 5, 3, 5, 4, 4, 5)
	measured := mkRun(1, 1, 10, constant(4), constant(100), nil)
	rep, err := Compare(sc, reps, measured)
	require.NoError(t, err)
	var b strings.Builder
	rep.WriteTable(&b)
	assert.NotContains(t, b.String(), "tick")
	measured.Summary.Measurement = &results.Measurement{TickPhaseS: 0.3125}
	rep, err = Compare(sc, reps, measured)
	require.NoError(t, err)
	assert.Equal(t, 0.3125, rep.MeasuredTickPhaseS)
	b.Reset()
	rep.WriteTable(&b)
	assert.Contains(t, strings.SplitN(b.String(), "\n", 2)[0], "measured with the parent's tick 0.312s after the load's start")
}

// The model judged against itself: each replication in turn as the
// measurement against the others. A branch common enough to sit among the
// others is covered by their range; a branch one replication in twenty
// takes lies outside the other nineteen and beyond tolerance, as a real
// run that took it would: a faultless model misses it that often.
func TestSelfCheckJudgesEachReplicationAgainstTheOthers(t *testing.T) {
	sc := scenario(t, "10s", phase("10s", 5), "")
	measured := mkRun(1, 1, 10, constant(10), constant(100), nil)

	rep, err := Compare(sc, flatRuns(10, 10, 10, 10, 10), measured)
	require.NoError(t, err)
	require.NotNil(t, rep.Self)
	assert.Equal(t, SelfCheck{Runs: 5, Passed: 5}, *rep.Self, "replications that agree never miss")
	assert.Zero(t, rep.Self.ExpectedMisses())

	// Two-way, half and half: every replication's branch is among the others'.
	rep, err = Compare(sc, flatRuns(10, 20, 10, 20, 10, 20, 10, 20), measured)
	require.NoError(t, err)
	assert.Equal(t, 8, rep.Self.Passed)

	// One in twenty at 20 processes: the other nineteen all say 10.
	levels := make([]float64, 20)
	for i := range levels {
		levels[i] = 10
	}
	levels[13] = 20
	rep, err = Compare(sc, flatRuns(levels...), measured)
	require.NoError(t, err)
	self := rep.Self
	assert.Equal(t, 20, self.Runs)
	assert.Equal(t, 19, self.Passed, "only the rare branch misses")
	assert.Equal(t, 1, self.Misses["peak_processes"])
	assert.Equal(t, 1, self.Misses["steady_processes"])
	assert.InDelta(t, float64(len(self.Misses))/20, self.ExpectedMisses(), 1e-12)
	assert.InDelta(t, 0.95, self.PassShare(), 1e-12)
	assert.True(t, rep.Pass, "the measured 10 is the common branch")
	var b strings.Builder
	rep.WriteTable(&b)
	assert.Contains(t, b.String(), "the model against itself: 19 of 20 replications pass every metric")
	assert.Contains(t, b.String(), "peak_processes 1")

	rep, err = Compare(sc, flatRuns(10, 10), measured)
	require.NoError(t, err)
	assert.Nil(t, rep.Self, "two replications leave one to judge against: no interval")
}
