package sweep

import (
	"time"

	"github.com/forkcast/forkcast/scenarios"
)

// The work model: what one simulation costs on one core of a 2020s
// machine, rounded up from the built-in scenarios (3.6–17 µs per offered
// request, and up to 35 µs per simulated second of mostly idle time, on
// this project's 2-core VM; `simulate run` prints the time of a run).
// Estimates are for refusing runaway sweeps, not for scheduling: a sweep's
// progress line shows the real rate.
const (
	CostPerRequest = 10 * time.Microsecond // per request offered
	CostPerSecond  = 40 * time.Microsecond // per simulated second (maintenance ticks, rows)
	CostPerRun     = 500 * time.Microsecond
)

// MaxWork is the estimated CPU time beyond which a sweep refuses to start
// without --force: an hour (a minute of it with 60 cores).
const MaxWork = time.Hour

// Requests estimates the requests a scenario offers: the integral of its
// arrival rate over the run times the mean requests per connection.
func Requests(sc *scenarios.Scenario) float64 {
	d := sc.Duration.Duration
	if d <= 0 {
		return 0
	}
	steps := min(max(int64(d/(100*time.Millisecond)), 1), 100000)
	dt := d / time.Duration(steps)
	var conns float64
	for i := range steps {
		conns += sc.Workload.RateAt(time.Duration(i)*dt+dt/2) * dt.Seconds()
	}
	return conns * max(sc.Workload.RequestsPerConnection.Mean(), 1)
}

// RunCost estimates the CPU time of one simulation of sc (the work model
// above).
func RunCost(sc *scenarios.Scenario) time.Duration {
	return CostPerRun + time.Duration(Requests(sc)*float64(CostPerRequest)) +
		time.Duration(sc.Duration.Seconds()*float64(CostPerSecond))
}

// Work estimates the CPU time of simulating points × reps.
func Work(points []Point, reps int) time.Duration {
	var w time.Duration
	for _, p := range points {
		w += RunCost(p.Scenario) * time.Duration(reps)
	}
	return w
}
