package models

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A client gives up client_timeout after it sent its request, whatever
// happened to the requests sent before it: here a tenth of the requests
// take 3 s and the clients wait 2 s, so exactly those fail, each 2 s after
// it was sent, while the quick ones around them are answered.
func TestClientTimeoutsFireOnTime(t *testing.T) {
	sc := parse(t, `
duration = "30s"
[apache]
mpm = "event"
max_request_workers = 400
[wsgi]
preload = true
[app]
request_cpu = "const(1ms)"
request_wait = "const(10ms)"
[app.urls."/slow"]
request_wait = "const(3s)"
[workload]
arrivals = "constant"
urls = { "/" = 9, "/slow" = 1 }
client_timeout = "2s"
retries = 0
[[workload.phase]]
duration = "20s"
rate = 50
[[workload.phase]]
duration = "10s"
rate = 0
`, "")
	run, _, _ := simulateTraced(t, sc)
	req := run.Summary.Requests
	require.InDelta(t, 1000, req.Offered, 1, "50 a second for 20 s")
	timeouts := req.Failures.ClientTimeout
	assert.InDelta(t, 100, timeouts, 30, "a tenth of the requests are slow")
	assert.Equal(t, req.Offered, req.Completed+timeouts, "every quick request is answered")
	assert.Less(t, run.Summary.Latency.Max, 100.0, "no answer took anywhere near the timeout")
	// The requests go out at 50 a second from the load's start (the rows
	// count from there, each the second from its time) for 20 s: their
	// timeouts fall 2 s later, in the rows of 2..21 s.
	failures := column(t, run, "failures")
	for i, f := range failures {
		if f > 0 {
			at := run.Rows[i].TimeS
			assert.True(t, at >= 2 && at <= 21, "a timeout in the row of %g s", at)
		}
	}
	assert.InDelta(t, float64(timeouts), sum(failures), 1e-9)
}

// Answered requests leave their deadlines behind in the population's
// queue; they are swept out as they pile up, so the queue holds a few
// entries per request in flight, not every request of the last
// client_timeout (here 60 s at 500 a second: 30 000).
func TestClientTimeoutsKeepTheirQueueShort(t *testing.T) {
	sc := parse(t, `
duration = "61s"
[apache]
mpm = "event"
[wsgi]
preload = true
[app]
request_cpu = "exp(1ms)"
request_wait = "exp(2ms)"
[workload]
client_timeout = "60s"
[[workload.phase]]
duration = "60s"
rate = 500
`, "")
	_, _, s := simulateTraced(t, sc)
	require.Len(t, s.pops, 1)
	dl := &s.pops[0].deadlines
	assert.Zero(t, dl.live, "every request was answered")
	assert.LessOrEqual(t, len(dl.items)-dl.head, deadlineSweep)
	assert.Greater(t, s.stats.summary().Requests.Completed, int64(29000))
}
