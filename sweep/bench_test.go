package sweep

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// benchDesign is a small sweep: 4 points × 6 replications of the 30 s
// spike, 24 simulations of a few tens of milliseconds each.
func benchDesign(b *testing.B) (Design, []Point) {
	p := filepath.Join(b.TempDir(), "spike.toml")
	if err := os.WriteFile(p, []byte(spike), 0o644); err != nil {
		b.Fatal(err)
	}
	src, err := OpenSource(p, "", nil)
	if err != nil {
		b.Fatal(err)
	}
	v, err := ParseVary("apache.max_request_workers=10..40:10")
	if err != nil {
		b.Fatal(err)
	}
	d := Design{Source: src, Vary: []Vary{v}, Replications: 6}
	points, err := d.Points()
	if err != nil {
		b.Fatal(err)
	}
	return d, points
}

// BenchmarkSweep runs the small sweep with 1 and with 2 workers.
func BenchmarkSweep(b *testing.B) {
	d, points := benchDesign(b)
	for _, jobs := range []int{1, 2} {
		b.Run("jobs="+string(rune('0'+jobs)), func(b *testing.B) {
			for b.Loop() {
				if _, err := RunPoints(context.Background(), d, points, Options{Jobs: jobs}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(points)*d.Replications)/b.Elapsed().Seconds(), "sims/s")
		})
	}
}

// BenchmarkSweepSpeedup runs the small sweep with 1 and 2 workers
// alternately (1, 2, 2, 1, 1, 2, …, so that a drift in the machine's speed
// weighs on both alike) and reports the throughput with 2 workers over
// that with 1: the speed-up of the second core. Run it on an otherwise
// idle machine with at least 2 cores.
func BenchmarkSweepSpeedup(b *testing.B) {
	if runtime.GOMAXPROCS(0) < 2 {
		b.Skip("needs GOMAXPROCS ≥ 2")
	}
	d, points := benchDesign(b)
	var wall [3]time.Duration
	run := func(jobs int) {
		start := time.Now()
		if _, err := RunPoints(context.Background(), d, points, Options{Jobs: jobs}); err != nil {
			b.Fatal(err)
		}
		wall[jobs] += time.Since(start)
	}
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			run(1)
			run(2)
		} else {
			run(2)
			run(1)
		}
		i++
	}
	b.ReportMetric(wall[1].Seconds()/wall[2].Seconds(), "speedup")
	b.ReportMetric(float64(i*len(points)*d.Replications)/wall[1].Seconds(), "sims/s-1")
	b.ReportMetric(float64(i*len(points)*d.Replications)/wall[2].Seconds(), "sims/s-2")
}
