package sweep

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/forkcast/forkcast/models"
	"github.com/forkcast/forkcast/pool"
	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/validate"
)

// Options say how a sweep's simulations run.
type Options struct {
	// Jobs is how many simulations run at once; 0: one per core
	// (pool.Workers). Results do not depend on it.
	Jobs int
	// Simulate runs one scenario; nil is models.Simulate. It is called
	// from several goroutines at once, each with its own scenario copy.
	Simulate func(*scenarios.Scenario) (results.Run, error)
	// Progress, if set, is called after each simulation, from one
	// goroutine at a time.
	Progress func(Progress)
}

// Progress is how far a set of simulations has come.
type Progress struct {
	Done, Total        int // simulations
	PointsDone, Points int // points whose every replication is done
}

// A Run is one simulation of a sweep: point Point in replication Rep.
type Run struct {
	Point int `json:"point"`
	Rep   int `json:"replication"`
}

// Runs lists the simulations of points × reps, point by point: run
// p·reps + r is replication r of point p. Plans shard this list.
func Runs(points, reps int) []Run {
	out := make([]Run, 0, points*reps)
	for p := range points {
		for r := range reps {
			out = append(out, Run{Point: p, Rep: r})
		}
	}
	return out
}

// Simulate runs each of runs — scenario scs[run.Point] with the seed of
// replication run.Rep, Seed(scs[run.Point].Seed, run.Rep) — on the pool
// and returns each run's metric values (Measure), in the order of runs.
func Simulate(ctx context.Context, scs []*scenarios.Scenario, runs []Run, opts Options) ([][]float64, error) {
	simulate := opts.Simulate
	if simulate == nil {
		simulate = models.Simulate
	}
	var mu sync.Mutex
	var pr Progress
	left := map[int]int{} // runs left per point
	for _, r := range runs {
		left[r.Point]++
	}
	pr.Total, pr.Points = len(runs), len(left)
	return pool.Map(ctx, opts.Jobs, len(runs), func(i int) ([]float64, error) {
		r := runs[i]
		sc := *scs[r.Point] // a copy: the seed is this run's own
		sc.Seed = Seed(sc.Seed, r.Rep)
		run, err := simulate(&sc)
		if err != nil {
			return nil, fmt.Errorf("sweep: point %d, replication %d (seed %d): %w", r.Point, r.Rep, sc.Seed, err)
		}
		if opts.Progress != nil {
			mu.Lock()
			pr.Done++
			if left[r.Point]--; left[r.Point] == 0 {
				pr.PointsDone++
			}
			opts.Progress(pr)
			mu.Unlock()
		}
		return Measure(run.Summary), nil
	})
}

// A Result is one point's metrics over its replications.
type Result struct {
	// Values[m][r] is metric m (Metrics order) in replication r; NaN
	// where that run has no value.
	Values [][]float64
	// Estimates[m] is metric m's mean and 95% t-interval of the mean
	// over the replications that have a value (validate.NewEstimate).
	Estimates []validate.Estimate
}

// Estimate returns the estimate of the metric named name; it panics on an
// unknown name (the names are Metrics').
func (r Result) Estimate(name string) validate.Estimate {
	i := MetricIndex(name)
	if i < 0 {
		panic("sweep: no metric " + name)
	}
	return r.Estimates[i]
}

// Evaluate runs every scenario reps times on the pool, replication r with
// Seed(sc.Seed, r) — scenarios that share a seed share the random numbers
// of each replication — and returns each scenario's metrics and their
// estimates, in the order of scs. The results do not depend on opts.Jobs.
func Evaluate(ctx context.Context, scs []*scenarios.Scenario, reps int, opts Options) ([]Result, error) {
	if reps < 1 {
		return nil, fmt.Errorf("sweep: %d replications: need at least 1", reps)
	}
	vals, err := Simulate(ctx, scs, Runs(len(scs), reps), opts)
	if err != nil {
		return nil, err
	}
	return collect(vals, len(scs), reps), nil
}

// collect gathers per-run values (in Runs order) into per-point results.
func collect(vals [][]float64, points, reps int) []Result {
	out := make([]Result, points)
	for p := range out {
		res := Result{Values: make([][]float64, len(Metrics)), Estimates: make([]validate.Estimate, len(Metrics))}
		for m := range Metrics {
			res.Values[m] = make([]float64, reps)
			for r := range reps {
				res.Values[m][r] = vals[p*reps+r][m]
			}
			res.Estimates[m] = estimate(res.Values[m])
		}
		out[p] = res
	}
	return out
}

// estimate is validate.NewEstimate over the values that are not NaN.
func estimate(vals []float64) validate.Estimate {
	var have []float64
	for _, v := range vals {
		if !math.IsNaN(v) {
			have = append(have, v)
		}
	}
	return validate.NewEstimate(have)
}

// RunPoints simulates a design's points (from Design.Points) and
// tabulates them.
func RunPoints(ctx context.Context, d Design, points []Point, opts Options) (*Table, error) {
	if len(points) == 0 {
		return nil, fmt.Errorf("sweep: no points")
	}
	scs := make([]*scenarios.Scenario, len(points))
	for i, p := range points {
		scs[i] = p.Scenario
	}
	res, err := Evaluate(ctx, scs, d.Replications, opts)
	if err != nil {
		return nil, err
	}
	return NewTable(d, points[0].Scenario.Name, points[0].Scenario.Seed, res), nil
}
