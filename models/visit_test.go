package models

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/workload"
)

// A client whose first draws were made ahead, on the arrivals' goroutine,
// makes the requests a client drawing them itself makes (workload's order):
// the first and the ones after it, static or not, with their costs, and
// thinks as long between them.
func TestAVisitDrawnAheadMakesTheClientsOwnRequests(t *testing.T) {
	sc := parse(t, `
duration = "10s"
[app]
request_cpu = "exp(20ms)"
request_wait = "uniform(0s, 50ms)"
[app.urls."/report"]
request_cpu = "lognormal(median=30ms, p99=300ms)"
request_memory_growth = "1MiB"
[workload]
urls = { "/" = 9.0, "/report" = 1.0 }
static_fraction = 0.3
requests_per_connection = "exp(3)"
think_time = "exp(1s)"
[[workload.phase]]
duration = "10s"
rate = 10
`, "")
	eff, _ := sc.Effective()
	s, err := newServer(&eff)
	require.NoError(t, err)
	pop := s.pops[0]
	ahead := newVisits(pop)
	kinds := map[string]int{}
	for n := uint64(1); n <= 2000; n++ {
		v := ahead.draw(n, 0)
		visitor, own := pop.newVisitor(&v), pop.newClient(n)
		require.Equal(t, workload.RequestsPerConnection(own.cl, &own.rng), visitor.requests, "arrival %d", n)
		for i := range 3 {
			want, got := own.newRequest(), visitor.newRequest()
			assert.Equal(t, *want, *got, "arrival %d, request %d", n, i)
			kinds[want.path]++
			assert.Equal(t, workload.ThinkTime(own.cl, &own.rng), workload.ThinkTime(visitor.cl, &visitor.rng))
		}
	}
	assert.Len(t, kinds, 3, "static, / and /report requests")
}
