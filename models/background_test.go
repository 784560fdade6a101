package models

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat"
)

// Other processes' CPU (host.background_cpu) takes its cores from the
// server's: idle, the machine is busy by exactly that much; with CPU-bound
// children on every core, the children get that much less, so their
// requests take longer.
func TestBackgroundCPUCompetesForTheCores(t *testing.T) {
	scenario := func(background string) string {
		return `
duration = "60s"
[host]
cpus = 2
background_cpu = ` + background + `
[apache]
mpm = "prefork"
start_servers = 4
min_spare_servers = 1
max_spare_servers = 4
max_request_workers = 4
keep_alive = false
[app]
import_cpu = "const(0s)"
request_cpu = "const(100ms)"
request_wait = "const(0s)"
[wsgi]
preload = true
[workload]
arrivals = "constant"
[[workload.phase]]
duration = "60s"
rate = 15
`
	}
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v[5:] {
			s += x
		}
		return s / float64(len(v)-5)
	}
	idle := func(bg string) float64 {
		run, _, _ := simulateTraced(t, parse(t, `
duration = "20s"
[host]
cpus = 2
background_cpu = `+bg+`
[[workload.phase]]
duration = "20s"
rate = 0
`, ""))
		return mean(column(t, run, "cpu_util"))
	}
	assert.InDelta(t, 0.5/2, idle("0.5")-idle("0"), 0.01, "half a core of 2, busy all the time")

	// 15 requests/s of 100 ms CPU want 1.5 of the 2 cores: with 1 core
	// taken by others they get 1, so the children's queue grows.
	alone, _, _ := simulateTraced(t, parse(t, scenario("0"), ""))
	shared, _, _ := simulateTraced(t, parse(t, scenario("1"), ""))
	assert.Less(t, alone.Summary.Latency.P50, 200.0, "1.5 of 2 cores: requests take about their CPU")
	assert.Greater(t, shared.Summary.Latency.P50, 2*alone.Summary.Latency.P50, "1.5 cores of work on 1 free core")
	assert.InDelta(t, 1.0, mean(column(t, shared, "cpu_util")), 0.02, "the machine is saturated")
}

// With a profile (what runtime mode itself used, interval by interval, in
// a measured run) the background takes its cores only when it had them:
// an idle machine is busy by the profile's amount in each interval.
func TestBackgroundProfileFollowsItsIntervals(t *testing.T) {
	sc := parse(t, `
duration = "6s"
[host]
cpus = 2
[[workload.phase]]
duration = "6s"
rate = 0
`, "")
	sc.Host.BackgroundProfile = []float64{0, 1, 0.5, 0}
	run, _, _ := simulateTraced(t, sc)
	util := column(t, run, "cpu_util")
	want := []float64{0, 0.5, 0.25, 0, 0, 0} // cores / 2; after the profile, its last interval's
	require.Len(t, util, len(want))
	for i := range want {
		assert.InDelta(t, want[i], util[i], 0.02, "interval %d", i)
	}
}

// The profile is CPU runtime mode was measured to use: it keeps it while
// the server saturates the cores, so the server's requests get the rest
// (1.5 of 2 cores: 15 requests of 100 ms a second), not nearly all of it
// as a process sharing 2 cores with 40 others would.
func TestBackgroundProfileKeepsItsCoresUnderSaturation(t *testing.T) {
	sc := parse(t, `
duration = "20s"
[host]
cpus = 2
request_cpu = "0s"
[apache]
mpm = "prefork"
start_servers = 40
min_spare_servers = 40
max_spare_servers = 40
max_request_workers = 40
keep_alive = false
[wsgi]
process_group = ""
preload = true
application_group = "%{GLOBAL}"
[app]
import_cpu = "const(0s)"
request_cpu = "const(100ms)"
request_wait = "const(0s)"
[workload]
arrivals = "constant"
[[workload.phase]]
duration = "20s"
rate = 30
`, "")
	sc.Host.BackgroundProfile = []float64{0.5}
	run, _, _ := simulateTraced(t, sc)
	done, util := column(t, run, "completions")[5:], column(t, run, "cpu_util")[5:]
	assert.InDelta(t, 15, stat.Mean(done, nil), 0.5, "1.5 cores for the requests")
	assert.InDelta(t, 1.0, stat.Mean(util, nil), 0.01, "saturated")
}
