package models

import (
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
)

// hourAt500 is the prefork spike for an hour: a minute at 50 connections/s,
// then 500/s, with an app light enough for 4 cores to keep up.
func hourAt500(b testing.TB, duration string) *scenarios.Scenario {
	sc, err := scenarios.LoadBuiltin("prefork-spike", "",
		scenarios.Override{Key: "duration", Value: `"` + duration + `"`},
		scenarios.Override{Key: "host.cpus", Value: "4"},
		scenarios.Override{Key: "app.request_cpu", Value: `"exp(1ms)"`},
		scenarios.Override{Key: "app.import_cpu", Value: `"const(500ms)"`},
		scenarios.Override{Key: "workload.phase[0].duration", Value: `"60s"`},
		scenarios.Override{Key: "workload.phase[0].rate", Value: "50"},
		scenarios.Override{Key: "workload.phase[1].duration", Value: `"` + duration + `"`},
		scenarios.Override{Key: "workload.phase[1].rate", Value: "500"},
	)
	require.NoError(b, err)
	return sc
}

// BenchmarkPreforkSpikeHour simulates one hour of a prefork server at 500
// requests/s and reports simulated requests and engine events per second of
// wall time.
func BenchmarkPreforkSpikeHour(b *testing.B) {
	sc := hourAt500(b, "1h")
	b.ReportAllocs()
	var requests int64
	var events uint64
	for i := 0; i < b.N; i++ {
		eff, _ := sc.Effective()
		s, err := newServer(&eff)
		require.NoError(b, err)
		s.sink = &discardSink{}
		s.run()
		requests += s.stats.completed
		events += s.sim.Fired()
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(requests)/sec, "requests/s")
	b.ReportMetric(float64(events)/sec, "events/s")
	b.ReportMetric(float64(b.N)*3600/sec, "sim-s/s")
}

// capacityScenario is an event server with the capacity for 5000 requests/s:
// 16 cores and 16 children of 25 threads (one Python GIL per core), a 1 ms
// app with 10 ms of I/O wait; latency is the same at 500 and 5000 requests/s.
// 10 simulated minutes at a constant rate of new connections, one request
// each.
const capacityScenario = `
name = "event-capacity"
duration = "10m"
[host]
cpus = 16
ram = "64GiB"
[apache]
mpm = "event"
start_servers = 16
min_spare_threads = 75
max_spare_threads = 400
threads_per_child = 25
server_limit = 32
max_request_workers = 800
[wsgi]
process_group = ""
[app]
import_cpu = "const(500ms)"
request_cpu = "exp(1ms)"
request_wait = "exp(10ms)"
[workload]
client_timeout = "60s"
[[workload.phase]]
duration = "10m"
rate = 500.0
`

// BenchmarkRate5000vs500 runs the capacity scenario at 500 and at 5000
// requests/s, alternately, and reports how many times longer the ten
// times larger load takes (x-time, the median over iterations; ideally 10:
// the cost per request does not grow with the load).
func BenchmarkRate5000vs500(b *testing.B) {
	run := func(rate string) (time.Duration, int64) {
		sc, err := scenarios.Parse("capacity", []byte(capacityScenario), "",
			scenarios.Override{Key: "workload.phase[0].rate", Value: rate})
		require.NoError(b, err)
		eff, _ := sc.Effective()
		s, err := newServer(&eff)
		require.NoError(b, err)
		s.sink = &discardSink{}
		runtime.GC()
		t0 := time.Now()
		s.run()
		return time.Since(t0), s.stats.completed
	}
	var slow time.Duration
	var requests int64
	var ratios []float64
	for i := 0; i < b.N; i++ {
		fast, _ := run("500")
		d, n := run("5000")
		slow += d
		requests += n
		ratios = append(ratios, d.Seconds()/fast.Seconds())
	}
	slices.Sort(ratios)
	b.ReportMetric((ratios[(len(ratios)-1)/2]+ratios[len(ratios)/2])/2, "x-time")
	b.ReportMetric(float64(requests)/slow.Seconds(), "requests/s")
}

// The live heap of a run does not grow with simulated time beyond its
// output rows: six times longer must not need anywhere near six times the
// memory.
func TestMemoryStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 25 simulated hours")
	}
	peak := func(duration string) uint64 {
		eff, _ := hourAt500(t, duration).Effective()
		s, err := newServer(&eff)
		require.NoError(t, err)
		var rows discardSink
		s.sink = &rows // as the CLI's results.Writer, which writes them to files
		var max uint64
		var ms runtime.MemStats
		probe := s.sim.NewTimer(nil)
		probe.SetFunc(func() {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			max = maxU(max, ms.HeapAlloc)
			probe.Reset(60 * sim.Second)
		})
		probe.Reset(90 * sim.Second)
		s.run()
		return max
	}
	short, long := peak("1h"), peak("24h")
	t.Logf("peak live heap: 1 h %.1f MB, 24 h %.1f MB", float64(short)/1e6, float64(long)/1e6)
	assert.Less(t, float64(long), 1.5*float64(short), "live heap grows with simulated time")
	assert.Less(t, float64(long), 32e6, "a day at 500 requests/s fits in a few tens of MB")
}

// discardSink counts rows and drops them.
type discardSink struct{ rows int }

func (d *discardSink) Row(results.Row) error     { d.rows++; return nil }
func (d *discardSink) Log(results.LogLine) error { return nil }

func maxU(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

// An overloaded server's memory follows the clients in flight, not the
// requests ever made: clients that give up after client_timeout leave
// nothing behind, so three times longer under the same overload needs no
// more memory, and twice as patient clients need twice the memory for
// them. It logs the live heap per waiting client (about 600 bytes).
func TestOverloadMemoryFollowsClientsInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 400k clients")
	}
	peak := func(overload, timeout string) (heap uint64, clients int) {
		sc, err := scenarios.LoadBuiltin("prefork-spike", "",
			scenarios.Override{Key: "duration", Value: `"` + overload + `"`},
			scenarios.Override{Key: "apache.max_request_workers", Value: "10"},
			scenarios.Override{Key: "workload.client_timeout", Value: `"` + timeout + `"`},
			scenarios.Override{Key: "workload.phase[0].duration", Value: `"1h"`},
			scenarios.Override{Key: "workload.phase[0].rate", Value: "2000"},
		)
		require.NoError(t, err)
		eff, _ := sc.Effective()
		s, err := newServer(&eff)
		require.NoError(t, err)
		s.sink = &discardSink{}
		var ms runtime.MemStats
		probe := s.sim.NewTimer(nil)
		probe.SetFunc(func() {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > heap {
				heap, clients = ms.HeapAlloc, s.requests.live
			}
			probe.Reset(10 * sim.Second)
		})
		probe.Reset(25 * sim.Second)
		s.run()
		return heap, clients
	}
	short, n := peak("30s", "5s")
	long, _ := peak("90s", "5s")
	patient, m := peak("90s", "10s")
	perClient := float64(patient-long) / float64(m-n)
	t.Logf("peak live heap: 30 s overload %.1f MB, 90 s %.1f MB (%d clients waiting); %.1f MB with %d; %.0f bytes per waiting client",
		float64(short)/1e6, float64(long)/1e6, n, float64(patient)/1e6, m, perClient)
	assert.Less(t, float64(long), 1.2*float64(short), "memory grows with the requests ever made")
	assert.InDelta(t, 2*n, m, 0.1*float64(n), "clients in flight: rate × client_timeout")
	assert.Greater(t, float64(patient), 1.5*float64(long), "memory follows the clients in flight")
}
