package workload

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/forkcast/forkcast/scenarios"
)

// The draws below describe one client: how many requests it makes on a
// connection, what each asks for and how long it thinks between them. Each
// client draws from its own stream (Population.ClientStream) in this order:
//
//	RequestsPerConnection, Target, then ThinkTime and Target per further request
//
// and a closed population's user, before each connection after its first,
// draws the ThinkTime it waits before reconnecting. The simulator and
// runtime mode both follow this order, so under one seed they replay
// exactly the same traffic.

// RequestsPerConnection draws how many requests a client sends on a
// connection; 0 (from a distribution such as const(0)) makes a client that
// connects and sends nothing.
func RequestsPerConnection(c *scenarios.Client, r *rand.Rand) int {
	return max(int(math.Round(c.RequestsPerConnection.Sample(r))), 0)
}

// ThinkTime draws the pause between a response and the client's next request.
func ThinkTime(c *scenarios.Client, r *rand.Rand) time.Duration {
	return time.Duration(math.Max(c.ThinkTime.Sample(r), 0) * float64(time.Second))
}

// Targets are what requests ask for: a static file with probability
// static_fraction, otherwise a dynamic URL by weight.
type Targets struct {
	Paths  []string  // dynamic URL paths, sorted
	cum    []float64 // cumulative weights
	static float64
}

// NewTargets prepares a client's URL mix.
func NewTargets(c *scenarios.Client) Targets {
	t := Targets{Paths: c.URLPaths(), static: c.StaticFraction}
	total := 0.0
	for _, p := range t.Paths {
		total += c.URLs[p]
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
