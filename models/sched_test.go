package models

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
)

// schedKeys are scheduler constants of the order `simulate calibrate`
// measures on a 2-core VM.
var schedKeys = []string{"host.sched_wake_wait=2ms", "host.sched_wait=3ms", "host.sched_run=200us"}

// burst is one maintenance pass that forked: when the tick ran, how many
// children, and when the parent's last fork returned.
type burst struct {
	at, lastFork sim.Time
	n            int
}

func simulateBursts(t *testing.T, sc *scenarios.Scenario) []burst {
	t.Helper()
	eff, _ := sc.Effective()
	s, err := newServer(&eff)
	require.NoError(t, err)
	var out []burst
	s.sink = &memorySink{}
	s.parent.onTick = func(at sim.Time, spawned, _ int) {
		if spawned > 0 {
			out = append(out, burst{at, s.parent.forkAt, spawned})
		}
	}
	s.run()
	return out
}

// TestParentWaitsForTheSchedulerUnderContention: while children import the
// app on every core, the parent's wake-up after its 1 s sleep and its forks
// wait for a core (docs/model.md §8.4), so its ticks stretch past 1 s plus
// the forks and its large bursts take longer than their forks' CPU; the
// same scenario without the scheduler's constants keeps today's timing.
func TestParentWaitsForTheSchedulerUnderContention(t *testing.T) {
	fork := sim.Time(scenarios.Defaults("prefork").Host.ForkTime.Duration)
	period := func(bs []burst) (stretch sim.Time, split int) {
		for i := 1; i < len(bs); i++ {
			if gap := bs[i].at - bs[i-1].lastFork - sim.Second; gap < sim.Second/2 { // consecutive ticks
				stretch += gap
			}
		}
		for _, b := range bs {
			if b.lastFork-b.at > sim.Time(b.n)*fork {
				split++
			}
		}
		return stretch, split
	}
	base := simulateBursts(t, builtin(t, "prefork-spike", "", "tick_phase=500ms"))
	require.GreaterOrEqual(t, len(base), 5)
	stretch, split := period(base)
	assert.Zero(t, stretch, "without the scheduler's constants each sleep is exactly 1 s")
	assert.Zero(t, split, "and a burst takes exactly its forks' time")

	sched := simulateBursts(t, builtin(t, "prefork-spike", "", append([]string{"tick_phase=500ms"}, schedKeys...)...))
	require.GreaterOrEqual(t, len(sched), 5)
	stretch, split = period(sched)
	assert.Greater(t, stretch, sim.Time(len(sched)-1)*5*sim.Millisecond, "ticks stretch by several ms each among 30-odd importing children")
	assert.Greater(t, split, 0, "some burst waits for a core between its forks")
	for _, b := range sched {
		assert.GreaterOrEqual(t, b.lastFork-b.at, sim.Time(b.n)*fork)
	}
}

// TestNoContentionBehavesAsToday: with fewer runnable tasks than cores the
// scheduler's constants change nothing.
func TestNoContentionBehavesAsToday(t *testing.T) {
	light := []string{"workload.phase[1].rate=2", "app.import_cpu=const(1ms)", "app.request_cpu=const(1ms)", "tick_phase=300ms"}
	a, _, _ := simulateTraced(t, builtin(t, "prefork-spike", "", light...))
	b, _, _ := simulateTraced(t, builtin(t, "prefork-spike", "", append(light, schedKeys...)...))
	assert.Equal(t, a.Summary, b.Summary)
	assert.Equal(t, a.Rows, b.Rows)
}

// TestReplicationsVaryTheSchedulerAndTimers: with constant service and
// import times and a pinned tick phase, replications differ only through
// the scheduler's waits and the load generator's timer lateness, each
// drawn per replication; without them they are the same run.
func TestReplicationsVaryTheSchedulerAndTimers(t *testing.T) {
	fixed := []string{"tick_phase=500ms", "app.request_cpu=const(10ms)", "app.request_wait=const(100ms)", "workload.arrivals=constant"}
	runs := func(sets ...string) [2]string {
		var out [2]string
		for rep := range 2 {
			sc := builtin(t, "prefork-spike", "", append(fixed, sets...)...)
			sc.Replication = rep
			run, _, _ := simulateTraced(t, sc)
			out[rep] = fmtRows(run.Rows)
		}
		return out
	}
	same := runs()
	assert.Equal(t, same[0], same[1], "nothing left to vary")
	varied := runs(append(schedKeys, "host.arrival_jitter=200us")...)
	assert.NotEqual(t, varied[0], varied[1])
}

func fmtRows(rows any) string { return fmt.Sprintf("%+v", rows) }

// TestThroughputIsCompletionsOverTheLoadsDuration: the simulator divides
// completions by the time the load ran, from its start once Apache is
// ready (not from Apache's start, which is earlier), as runtime mode does.
func TestThroughputIsCompletionsOverTheLoadsDuration(t *testing.T) {
	run, _, s := simulateTraced(t, builtin(t, "prefork-spike", "", "duration=30s"))
	require.Greater(t, s.loadStart, sim.Time(0), "Apache started before the load")
	assert.InDelta(t, float64(run.Summary.Requests.Completed)/30, run.Summary.Throughput, 0.005)
	assert.Equal(t, 30.0, run.Summary.DurationS)
}

// A child counts as spawned when fork() has made it — its start time,
// which is when runtime mode counts it — not when the parent decided on
// it: a burst the scheduler stretches over tens of milliseconds spreads
// its spawns over the rows it spans, every one counted once.
func TestSpawnsCountWhenForked(t *testing.T) {
	sc := builtin(t, "prefork-spike", "", append([]string{"tick_phase=500ms", "interval=10ms"}, schedKeys...)...)
	eff, _ := sc.Effective()
	s, err := newServer(&eff)
	require.NoError(t, err)
	sink := &memorySink{}
	s.sink = sink
	var bursts []burst
	s.parent.onTick = func(at sim.Time, spawned, _ int) {
		if spawned > 0 {
			bursts = append(bursts, burst{at, s.parent.forkAt, spawned})
		}
	}
	s.run()
	row := func(at sim.Time) int { return int((at - s.loadStart) / (10 * sim.Millisecond)) }
	total, stretched := 0.0, 0
	for _, r := range sink.rows {
		total += r.Spawns
	}
	for _, b := range bursts {
		if b.at < s.loadStart || row(b.lastFork) >= len(sink.rows) {
			continue
		}
		var in float64
		for i := row(b.at); i <= row(b.lastFork); i++ {
			in += sink.rows[i].Spawns
		}
		assert.Equal(t, float64(b.n), in, "the burst of %d at %v: its spawns in the rows it spans", b.n, b.at)
		if row(b.lastFork) > row(b.at)+1 {
			stretched++
			assert.Less(t, sink.rows[row(b.at)].Spawns, float64(b.n), "a burst over several rows is not all in its tick's row")
		}
	}
	assert.Positive(t, stretched, "some burst spans rows")
	assert.Equal(t, float64(s.stats.spawns), total, "every spawn in some row")
}
