package workload

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/forkcast/forkcast/scenarios"
)

// The draws below describe one client: how many requests it makes on its
// connection, what each asks for and how long it thinks between them. Each
// client draws from its own stream (sim.Streams.PCG("client", id), ids
// counted from 1 in arrival order) in this order:
//
//	RequestsPerConnection, Target, then ThinkTime and Target per further request
//
// The simulator and runtime mode both follow it, so under one seed they
// replay exactly the same traffic.

// RequestsPerConnection draws how many requests a client makes (at least 1).
func RequestsPerConnection(w *scenarios.Workload, r *rand.Rand) int {
	return max(int(math.Round(w.RequestsPerConnection.Sample(r))), 1)
}

// ThinkTime draws the pause between a response and the client's next request.
func ThinkTime(w *scenarios.Workload, r *rand.Rand) time.Duration {
	return time.Duration(math.Max(w.ThinkTime.Sample(r), 0) * float64(time.Second))
}

// Targets are what requests ask for: a static file with probability
// static_fraction, otherwise a dynamic URL by weight.
type Targets struct {
	Paths  []string  // dynamic URL paths, sorted
	cum    []float64 // cumulative weights
	static float64
}

// NewTargets prepares a workload's URL mix.
func NewTargets(w scenarios.Workload) Targets {
	t := Targets{Paths: w.URLPaths(), static: w.StaticFraction}
	total := 0.0
	for _, p := range t.Paths {
		total += w.URLs[p]
		t.cum = append(t.cum, total)
	}
	return t
}

// Draw returns the index in Paths of a dynamic request, or static. It always
// draws two numbers, so the stream stays aligned whatever the mix.
func (t *Targets) Draw(r *rand.Rand) (index int, static bool) {
	s, u := r.Float64(), r.Float64()
	if s < t.static {
		return -1, true
	}
	x := u * t.cum[len(t.cum)-1]
	for i, c := range t.cum {
		if x < c {
			return i, false
		}
	}
	return len(t.cum) - 1, false
}
