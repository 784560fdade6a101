package sweep

import (
	"context"
	"math"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/models"
	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

func TestSweepDoesNotDependOnTheNumberOfWorkers(t *testing.T) {
	d := Design{Source: spikeSource(t), Vary: mustVary(t, "apache.max_request_workers=10..40:10"), Replications: 3}
	points, err := d.Points()
	require.NoError(t, err)
	root := t.TempDir()
	var first *Table
	for _, jobs := range []int{1, 2, 5} {
		table, err := RunPoints(context.Background(), d, points, Options{Jobs: jobs})
		require.NoError(t, err)
		if first == nil {
			first = table
		}
		assert.Equal(t, first, table, "jobs %d", jobs)
		require.NoError(t, Write(filepath.Join(root, "j", string(rune('0'+jobs))), table, false, true))
	}
	sameTree(t, filepath.Join(root, "j", "1"), filepath.Join(root, "j", "2"))
	sameTree(t, filepath.Join(root, "j", "1"), filepath.Join(root, "j", "5"))
}

func TestReplicationZeroIsTheScenariosOwnRun(t *testing.T) {
	d := Design{Source: spikeSource(t), Vary: mustVary(t, "apache.max_request_workers=10,30"), Replications: 2}
	points, err := d.Points()
	require.NoError(t, err)
	table, err := RunPoints(context.Background(), d, points, Options{})
	require.NoError(t, err)
	for p, pt := range points {
		run, err := models.Simulate(pt.Scenario) // what `simulate run --set` gives
		require.NoError(t, err)
		want := Measure(run.Summary)
		for m, metric := range Metrics {
			got := table.Get(p, metric.Name).Values[0]
			if math.IsNaN(want[m]) {
				assert.True(t, math.IsNaN(got))
				continue
			}
			assert.Equal(t, want[m], got, "point %d, %s", p, metric.Name)
		}
	}
}

func TestEveryPointRunsReplicationRWithTheSameSeed(t *testing.T) {
	var mu sync.Mutex
	seeds := map[int][]uint64{} // by max_request_workers
	record := func(sc *scenarios.Scenario) (results.Run, error) {
		mu.Lock()
		seeds[sc.Apache.MaxRequestWorkers] = append(seeds[sc.Apache.MaxRequestWorkers], sc.Seed)
		mu.Unlock()
		return noisy(1)(sc)
	}
	d := Design{Source: spikeSource(t), Vary: mustVary(t, "apache.max_request_workers=10,20,30"), Replications: 4}
	points, err := d.Points()
	require.NoError(t, err)
	table, err := RunPoints(context.Background(), d, points, Options{Jobs: 1, Simulate: record})
	require.NoError(t, err)
	want := Seeds(7, 4)
	assert.Equal(t, want, table.Seeds)
	for mrw, got := range seeds {
		assert.Equal(t, want, got, "max_request_workers %d", mrw)
	}
	// Common random numbers: the noise is the seed's, so the differences
	// between points are exact in every replication.
	for r := range 4 {
		assert.InDelta(t, 10, table.Get(1, "peak_pss_mb").Values[r]-table.Get(0, "peak_pss_mb").Values[r], 1e-9)
	}
}

func TestConfidenceIntervalsShrinkAsOneOverRootR(t *testing.T) {
	// Peak PSS is 20 MB plus normal noise of sd 10 from the seed: the
	// 95% interval's half-width is t(0.975, R−1)·s/√R, with s → 10.
	const sigma = 10
	d := Design{Source: spikeSource(t), Vary: mustVary(t, "apache.max_request_workers=20"), Replications: 1}
	points, err := d.Points()
	require.NoError(t, err)
	hw := map[int]float64{}
	for _, reps := range []int{4, 16, 64, 256} {
		d.Replications = reps
		table, err := RunPoints(context.Background(), d, points, Options{Simulate: noisy(sigma)})
		require.NoError(t, err)
		row := table.Get(0, "peak_pss_mb")
		hw[reps] = halfWidth(row)
		assert.Equal(t, reps, row.N)
		assert.InDelta(t, 20, *row.Mean, 3*sigma/math.Sqrt(float64(reps)), "R=%d: the mean is within 3 standard errors", reps)
		assert.True(t, *row.CILo <= *row.Mean && *row.Mean <= *row.CIHi)
		// A metric without noise has a zero-width interval.
		p99 := table.Get(0, "latency_p99_ms")
		assert.Equal(t, 50.0, *p99.Mean)
		assert.Equal(t, 0.0, halfWidth(p99))
	}
	t.Logf("half-widths: R=4 %.3f, 16 %.3f, 64 %.3f, 256 %.3f (σ=10: 1.96σ/√256 = %.3f)", hw[4], hw[16], hw[64], hw[256], 1.96*sigma/16)
	// Four times the replications: half the width (t's own shrinking adds
	// a little at small R; s/σ varies by about 1/√(2R)).
	assert.InDelta(t, 2, hw[16]/hw[64], 0.5)
	assert.InDelta(t, 2, hw[64]/hw[256], 0.35)
	assert.InDelta(t, 1.96*sigma/16, hw[256], 0.15*1.96*sigma/16)
	assert.Greater(t, hw[4], hw[16])
}

func TestConfidenceIntervalsOfTheSimulatorShrinkWithReplications(t *testing.T) {
	// The real model: the spike's median latency varies with the seed
	// (arrivals, service and import times). Quadrupling R about halves
	// the interval.
	d := Design{Source: spikeSource(t), Vary: mustVary(t, "apache.max_request_workers=20"), Replications: 1}
	points, err := d.Points()
	require.NoError(t, err)
	hw := map[int]float64{}
	for _, reps := range []int{6, 24} {
		d.Replications = reps
		table, err := RunPoints(context.Background(), d, points, Options{})
		require.NoError(t, err)
		hw[reps] = halfWidth(table.Get(0, "latency_p50_ms"))
		require.Greater(t, hw[reps], 0.0)
	}
	ratio := hw[6] / hw[24]
	t.Logf("p50 half-width: R=6 %.0f ms, R=24 %.0f ms: %.2f×", hw[6], hw[24], ratio)
	assert.Greater(t, ratio, 1.4, "6 → 24 replications should narrow the interval about 2× (t: 2.3×), got %.2f×", ratio)
	assert.Less(t, ratio, 4.0, "got %.2f×", ratio)
}

func TestLatencyOfARunWithoutCompletedRequestsIsMissing(t *testing.T) {
	none := func(sc *scenarios.Scenario) (results.Run, error) {
		var s results.Summary
		s.Requests.Offered, s.Requests.Failed = 10, 10
		s.Requests.Failures.ClientTimeout = 10
		if sc.Seed != Seed(7, 1) { // replication 1 completes nothing
			s.Requests.Completed, s.Requests.Failed, s.Requests.Failures.ClientTimeout = 10, 0, 0
			s.Latency.P99 = 100
		}
		return results.Run{Summary: s}, nil
	}
	d := Design{Source: spikeSource(t), Vary: mustVary(t, "apache.max_request_workers=20"), Replications: 3}
	points, err := d.Points()
	require.NoError(t, err)
	table, err := RunPoints(context.Background(), d, points, Options{Simulate: none})
	require.NoError(t, err)
	p99 := table.Get(0, "latency_p99_ms")
	assert.Equal(t, 2, p99.N)
	assert.Equal(t, 100.0, *p99.Mean)
	assert.True(t, math.IsNaN(p99.Values[1]))
	assert.InDelta(t, 1.0/3, *table.Get(0, "failed_share_client_timeout").Mean, 1e-12)

	// sweep.json writes the missing value as null and reads it back.
	path := filepath.Join(t.TempDir(), "sweep.json")
	require.NoError(t, table.WriteJSON(path))
	back, err := ReadTable(path)
	require.NoError(t, err)
	assert.True(t, math.IsNaN(back.Get(0, "latency_p99_ms").Values[1]))
	assert.Equal(t, p99.Values[0], back.Get(0, "latency_p99_ms").Values[0])
}

func TestParetoFront(t *testing.T) {
	xs := []float64{300, 600, 1200, 600, 2400, math.NaN(), 300}
	ys := []float64{50, 20, 20, 30, 5, 1, 50}
	assert.Equal(t, []int{0, 1, 4}, ParetoFront(xs, ys))
}
