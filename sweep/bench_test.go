package sweep

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"syscall"
	"testing"
	"time"
)

// benchDesign is a small sweep of the seeds' prefork spike (the built-in
// scenario, 240 simulated seconds): MaxRequestWorkers 10, 20, …, 80 × 6
// replications, 48 simulations of 10–60 ms each — enough that the last
// one, run while the other worker has nothing left, is a small part.
func benchDesign(b *testing.B) (Design, []Point) {
	src, err := OpenSource("prefork-spike", "", nil)
	if err != nil {
		b.Fatal(err)
	}
	v, err := ParseVary("apache.max_request_workers=10..80:10")
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

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSweepSpeedup runs the small sweep on one core (GOMAXPROCS 1, 1
// worker) and on two (GOMAXPROCS 2, 2 workers) alternately — 1, 2, 2, 1,
// 1, 2, … so that a drift in the machine's speed weighs on both alike —
// and reports the throughput on two cores over that on one: "speedup".
// (One worker with GOMAXPROCS 2 would not be one core: the garbage
// collector's background work would run on the second.) Run it on an
// otherwise idle machine with at least 2 cores. Like the simulate command,
// it collects garbage at GOGC=400 unless GOGC is set.
func BenchmarkSweepSpeedup(b *testing.B) {
	procs := runtime.GOMAXPROCS(0)
	if procs < 2 {
		b.Skip("needs GOMAXPROCS ≥ 2")
	}
	defer runtime.GOMAXPROCS(procs)
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	d, points := benchDesign(b)
	var wall, cpu [3]time.Duration
	run := func(cores int) {
		runtime.GOMAXPROCS(cores)
		start, startCPU := time.Now(), cpuTime()
		if _, err := RunPoints(context.Background(), d, points, Options{Jobs: cores}); err != nil {
			b.Fatal(err)
		}
		wall[cores] += time.Since(start)
		cpu[cores] += cpuTime() - startCPU
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
	sims := float64(i * len(points) * d.Replications)
	b.ReportMetric(wall[1].Seconds()/wall[2].Seconds(), "speedup")
	// The CPU time per simulation on two cores over that on one: what
	// running side by side costs (caches, memory bandwidth, the garbage
	// collector); 2 divided by it is the speed-up two idle cores would
	// give, a figure that other load on the machine disturbs less.
	b.ReportMetric(cpu[2].Seconds()/cpu[1].Seconds(), "cpu-ratio")
	b.ReportMetric(sims/wall[1].Seconds(), "sims/s-1core")
	b.ReportMetric(sims/wall[2].Seconds(), "sims/s-2cores")
}
