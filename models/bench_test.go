package models

import (
	"runtime"
	"testing"

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
		s.run()
		requests += s.stats.completed
		events += s.sim.Fired()
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(requests)/sec, "requests/s")
	b.ReportMetric(float64(events)/sec, "events/s")
	b.ReportMetric(float64(b.N)*3600/sec, "sim-s/s")
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
