package models

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/sim"
)

// The seeds' load spike: once the traffic jumps, prefork's parent forks 1,
// 2, 4, 8, 16, 32 children on consecutive maintenance ticks (the rate
// doubles after every spawning tick up to MAX_SPAWN_RATE), because each new
// child takes a queued connection and imports the app while BUSY, so idle
// stays below MinSpareServers.
func TestPreforkSpikeSpawnTimeline(t *testing.T) {
	sc := builtin(t, "prefork-spike", "")
	run, ticks, _ := simulateTraced(t, sc)

	spikeAt := sim.Time(sc.Workload.Phases[0].Duration.Duration)
	var after []tick
	for _, tk := range ticks {
		if tk.at >= spikeAt {
			after = append(after, tk)
		}
	}
	require.GreaterOrEqual(t, len(after), 10)
	first := 0
	for first < len(after) && after[first].spawned == 0 {
		first++
	}
	require.Less(t, first, 3, "the parent reacts within a couple of ticks of the spike")
	var got []int
	for _, tk := range after[first : first+6] {
		got = append(got, tk.spawned)
	}
	assert.Equal(t, []int{1, 2, 4, 8, 16, 32}, got)
	for i := first + 1; i < first+6; i++ {
		gap := after[i].at - after[i-1].at
		assert.InDelta(t, float64(sim.Second), float64(gap), float64(100*sim.Millisecond),
			"consecutive ticks about 1 s apart (the forks lengthen the period)")
	}

	// "server seems busy" is logged from the 4th spawning tick in a row
	// (rate >= 8), with the rate in the message.
	var busy []string
	for _, l := range run.Log {
		if strings.HasPrefix(l.Msg, "AH00162") && l.At >= spikeAt.Duration() && l.At < spikeAt.Duration()+10e9 {
			busy = append(busy, l.Msg)
		}
	}
	require.GreaterOrEqual(t, len(busy), 3)
	assert.Contains(t, busy[0], "spawning 8 children")
	assert.Contains(t, busy[1], "spawning 16 children")
	assert.Contains(t, busy[2], "spawning 32 children")
	assert.Equal(t, int64(1), run.Summary.LogCounts["AH00161"], "reached MaxRequestWorkers is logged once per lifetime")

	// The snowball stops at MaxRequestWorkers.
	assert.Equal(t, 150, run.Summary.Peak.ApacheChildren)
	// Every child imported the app itself: lazy loading, nothing shared.
	assert.GreaterOrEqual(t, run.Summary.Imports, int64(150))
}

// The seeds' memory arithmetic: "if Apache decided to create up to the
// maximum number of child server processes", 150 children each holding
// ~30 MB of private Python memory need ~4.5 GB. Here the spike's load lasts
// to the end, so the pool stays at 150 children, every one finishes
// importing, and the simulated peak must equal the arithmetic done from the
// model's own inputs.
func TestPreforkSpikeMemoryArithmetic(t *testing.T) {
	sc := builtin(t, "prefork-spike", "", "workload.phase[2].rate=100")
	run, _, _ := simulateTraced(t, sc)
	last := run.Rows[len(run.Rows)-1]
	require.Equal(t, 150.0, last.ApacheChildren, "all 150 children at the end")
	require.Zero(t, last.Importing, "every child has loaded the app")
	h := sc.Host
	const mb = 1024 * 1024
	perChild := float64(sc.App.ImportMemory+h.PythonInterpreter+h.SubInterpreterMemory+h.ApacheChildPrivate) / mb
	shared := float64(h.ApacheSharedText+h.PythonSharedText+h.ApacheParentPrivate) / mb
	want := 150*perChild + shared
	assert.InDelta(t, 30, perChild, 0.5, "the seeds' ~30 MB of private memory per child")
	assert.InEpsilon(t, want, run.Summary.Peak.PSSMB, 0.01, "peak PSS = 150 children x private + shared pages once")
	assert.InDelta(t, 4.5*1000, run.Summary.Peak.PSSMB*1.048576, 250, "about 4.5 GB, as the seed says")
	// RSS counts the shared pages in every process: it overstates.
	assert.Greater(t, run.Summary.Peak.RSSMB, run.Summary.Peak.PSSMB*1.1)
}

// The same spike on a 256 MB VPS: memory runs past RAM into swap (work
// slows down), then past RAM+swap, and the OOM killer kills children.
func TestSmallVPSSwapsThenOOM(t *testing.T) {
	sc := builtin(t, "small-vps", "")
	run, _, _ := simulateTraced(t, sc)
	swap := column(t, run, "swap_mb")
	assert.Greater(t, maxOf(swap), 100.0, "memory in use went well past RAM")
	assert.Greater(t, run.Summary.OOMKills, int64(10))
	limit := (sc.Host.RAM + sc.Host.Swap).MiBs()
	assert.LessOrEqual(t, run.Summary.Peak.PSSMB, limit+0.01, "the OOM killer keeps memory within RAM+swap")
	assert.Less(t, run.Summary.Peak.ApacheChildren, 150, "the OOM killer culls children before MaxRequestWorkers")
	assert.Greater(t, run.Summary.Requests.Failures.Reset, int64(0), "killed children drop their connections")
	var oom int
	for _, l := range run.Log {
		if strings.HasPrefix(l.Msg, "Out of memory: Killed process") {
			oom++
		}
	}
	assert.Equal(t, int(run.Summary.OOMKills), oom)
}

// Debian's worker and event defaults: MaxRequestWorkers 150 / ThreadsPerChild
// 25 = at most 6 processes, so the same 30 MB app costs ~6 x 30 MB.
func TestWorkerEventDefaultsCapAtSixProcesses(t *testing.T) {
	for _, v := range []string{"worker", "event"} {
		t.Run(v, func(t *testing.T) {
			sc := builtin(t, "worker-event-defaults", v, "workload.phase[1].rate=400")
			run, ticks, _ := simulateTraced(t, sc)
			assert.Equal(t, 6, run.Summary.Peak.ApacheChildren)
			for _, tk := range ticks {
				assert.LessOrEqual(t, tk.spawned, 4, "never more than the 6 - 2 missing processes at once")
			}
			h := sc.Host
			// Every thread has served Python at 400 requests/s, and at the
			// peak every one has a request in progress.
			thread := h.ApacheThreadPrivate + h.ApacheThreadServed + h.ConnectionPoolMemory + h.RequestPoolMemory + h.PythonThreadMemory
			perChild := float64(sc.App.ImportMemory+h.PythonInterpreter+h.SubInterpreterMemory+h.PythonRequestMemory+h.ApacheChildPrivate+25*thread) / (1 << 20)
			assert.InDelta(t, 6*perChild, run.Summary.Peak.PSSMB, 12, "~6 x the per-process memory, plus Apache's own")
			assert.Less(t, run.Summary.Peak.PSSMB, 300.0, "a few hundred MB, not gigabytes")
			assert.Equal(t, int64(1), run.Summary.LogCounts[map[string]string{"worker": "AH00286", "event": "AH00484"}[v]],
				"reached MaxRequestWorkers once")
		})
	}
}
