package models

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
)

// preloaded16 starts 16 prefork children preloading the app in %{GLOBAL}
// on 2 cores, with the [host] and [app] keys given and no load, edited by
// edit if not nil, and returns when Apache was ready: once every preload
// was done, so how long the 16 imports took from Apache's start.
func preloaded16(t *testing.T, host, app string, edit func(*scenarios.Scenario)) (float64, *server) {
	t.Helper()
	sc := parse(t, fmt.Sprintf(`
duration = "30s"
[host]
cpus = 2
%s
[apache]
mpm = "prefork"
start_servers = 16
min_spare_servers = 1
max_spare_servers = 32
max_request_workers = 16
[wsgi]
preload = true
application_group = "%%{GLOBAL}"
[app]
%s
[[workload.phase]]
duration = "30s"
rate = 0
`, host, app), "")
	if edit != nil {
		edit(sc)
	}
	_, _, s := simulateTraced(t, sc)
	return s.readyAt.Seconds(), s
}

// An import that waits (files, a database, a configuration service) holds
// the module lock but no core: 16 children importing at once on 2 cores
// take about the import's own time when it is all wait, and eight times as
// long when it is all CPU, which the cores share. The same import split
// between the two costs what its CPU costs: the waits overlap other imports.
func TestImportWaitIsNotSharedCPU(t *testing.T) {
	imported := func(cpu, wait string) float64 {
		at, _ := preloaded16(t, "", fmt.Sprintf("import_cpu = \"const(%s)\"\nimport_wait = \"const(%s)\"\nimport_memory = \"1MiB\"", cpu, wait), nil)
		return at
	}
	allWait := imported("0s", "1s")
	allCPU := imported("1s", "0s")
	half := imported("500ms", "500ms")
	t.Logf("from Apache's start to the last import: all wait %.2fs, all CPU %.2fs, half and half %.2fs", allWait, allCPU, half)
	assert.InDelta(t, 1.1, allWait, 0.15, "16 waiting imports overlap: ~1 s")
	assert.InDelta(t, 8.1, allCPU, 0.3, "16 CPU-bound imports share 2 cores: ~8 s")
	assert.InDelta(t, 4.2, half, 0.3, "half and half: while one import waits the others use the cores, so ~16 x 0.5 s / 2 cores plus a last wait")
}

// The CPU validate adds to every load of runtime mode's synthetic app
// (its own modules' imports, App.ExtraImportCPU) is import CPU like the
// app's: 16 preloading children share 2 cores for it.
func TestExtraImportCPUIsImportCPU(t *testing.T) {
	ready := func(importCPU string, extra time.Duration) float64 {
		at, _ := preloaded16(t, "", fmt.Sprintf("import_cpu = \"const(%s)\"", importCPU), func(sc *scenarios.Scenario) { sc.App.ExtraImportCPU = extra })
		return at
	}
	own := ready("500ms", 0)
	extra := ready("0s", 500*time.Millisecond)
	assert.InDelta(t, own, extra, 0.02, "half a CPU-second per load, the app's or the runtime app's own")
	assert.Greater(t, extra, 3.5, "16 x 0.5 s on 2 cores")
}

// The parent's first maintenance tick after the load starts falls anywhere
// in the second, as in real runs: drawn per replication (so replications
// spread over it), or pinned by tick_phase.
func TestTickPhaseIsDrawnPerReplicationOrPinned(t *testing.T) {
	const doc = `
duration = "5s"
%s
[apache]
mpm = "prefork"
[[workload.phase]]
duration = "5s"
rate = 1
`
	firstTick := func(sc *scenarios.Scenario) sim.Time {
		_, ticks, _ := simulateTraced(t, sc)
		for _, tk := range ticks {
			if tk.at >= 0 {
				return tk.at
			}
		}
		t.Fatal("no tick after the load started")
		return 0
	}
	var phases []float64
	for rep := range 40 {
		sc := parse(t, fmt.Sprintf(doc, ""), "")
		sc.Replication = rep
		phases = append(phases, firstTick(sc).Seconds())
	}
	for _, p := range phases {
		assert.True(t, p > 0 && p <= 1.0, "first tick %.3fs into the load", p)
	}
	assert.Greater(t, stat.StdDev(phases, nil), 0.2, "spread over the second (uniform: sd 0.29): %v", phases)
	// Evenly: however many replications a validation asks for, the first n
	// leave no part of the second unvisited wider than 1.9/n (the
	// golden-ratio sequence; n uniform draws leave ~ln(n)/n, 0.18 s for 20).
	for _, n := range []int{2, 5, 20, 40} {
		ps := slices.Sorted(slices.Values(phases[:n]))
		widest := 1 - ps[n-1] + ps[0] // around the second's end
		for i := 1; i < n; i++ {
			widest = max(widest, ps[i]-ps[i-1])
		}
		assert.LessOrEqual(t, widest, 1.9/float64(n), "%d replications: a gap of %.3f s in %v", n, widest, ps)
	}
	other := parse(t, fmt.Sprintf(doc, "seed = 2"), "")
	assert.NotEqual(t, phases[0], firstTick(other).Seconds(), "another seed, other phases")
	sc := parse(t, fmt.Sprintf(doc, ""), "")
	sc.Replication = 3
	assert.Equal(t, phases[3], firstTick(sc).Seconds(), "the same replication draws the same phase")

	pinned := parse(t, fmt.Sprintf(doc, `tick_phase = "250ms"`), "")
	assert.InDelta(t, 0.25, firstTick(pinned).Seconds(), 1e-6)

	// "startup": the load starts at the first check that finds Apache
	// ready, as runtime mode then starts it, so the phase is what the start-up
	// made it — the same in every replication but for where runtime
	// mode's 20 ms polls fall.
	var startup []float64
	for rep := range 10 {
		sc := parse(t, fmt.Sprintf(doc, `tick_phase = "startup"`), "")
		sc.Replication = rep
		startup = append(startup, firstTick(sc).Seconds())
	}
	spread := slices.Max(startup) - slices.Min(startup)
	assert.Positive(t, spread, "the polls fall anywhere in their period: %v", startup)
	assert.LessOrEqual(t, spread, 0.020, "but nothing else varies: %v", startup)
}

// On a host that no longer backs the memory it once gave (a VM with free
// page reporting), first touches beyond host.memory_warm cost
// memory_touch_cold_cpu instead of memory_touch_cpu per MiB (docs/model.md
// §8.5): 16 children preloading an app of 50 MiB on 2 cores are ready
// later by that extra CPU over the cores, and not at all later while the
// warm memory lasts.
func TestColdMemoryCostsCPUAtItsFirstTouch(t *testing.T) {
	ready := func(host string) (float64, *server) {
		return preloaded16(t, host, "import_cpu = \"const(100ms)\"\nimport_memory = \"50MiB\"", nil)
	}
	const touch = "memory_touch_cpu = \"500us\"\nmemory_touch_cold_cpu = \"3ms\"\n"
	off, s := ready("")
	allWarm, _ := ready(touch + "memory_warm = \"100GiB\"")
	noneWarm, _ := ready(touch + "memory_warm = \"0B\"")
	someWarm, _ := ready(touch + "memory_warm = \"400MiB\"")
	h := s.sc.Host
	perChild := (h.ApacheChildPrivate + h.PythonInterpreter + 50*scenarios.MiB).MiBs()
	all := 16*perChild + h.ApacheParentPrivate.MiBs() // MiB first touched
	extra := 2.5e-3                                   // s of CPU per cold MiB
	t.Logf("ready after %.3fs; with the memory warm %.3fs, none warm %.3fs, 400 MiB warm %.3fs (%.0f MiB first touched)", off, allWarm, noneWarm, someWarm, all)
	assert.Equal(t, off, allWarm, "memory the host backs costs what the CPU constants already hold")
	assert.InDelta(t, all*extra/2, noneWarm-off, 0.1*all*extra/2, "every MiB's extra CPU, shared by 2 cores")
	assert.InDelta(t, (all-400)*extra/2, someWarm-off, 0.1*all*extra/2, "all but the first 400 MiB")
}

// The warm memory of host.memory_warm is used up by first touches; what a
// process frees stays its own (a request's pool, malloc's heap), and what
// an exited process held is warm again until free page reporting hands it
// to the host, 2 s later; when the load starts there is memory_warm of it
// again (docs/model.md §8.5).
func TestWarmMemoryIsUsedUpAndWhatExitsFreeIsWarmForAWhile(t *testing.T) {
	sc := parse(t, `
[host]
memory_touch_cpu = "500us"
memory_touch_cold_cpu = "3ms"
memory_warm = "100MiB"
[[workload.phase]]
duration = "10s"
rate = 0
`, "")
	eff, _ := sc.Effective()
	s, err := newServer(&eff)
	require.NoError(t, err)
	s.stats.restarts.s = s // as the load's start sets it: an exit notes its time there
	m := s.mem
	const MiB = float64(scenarios.MiB)
	cold := func(mib float64) sim.Time { return sim.Time(mib * 2.5 * float64(sim.Millisecond)) }

	p := m.start(kindDaemon, 0)
	m.grow(p, 80*MiB)
	assert.Zero(t, p.takeOwed(), "within the warm memory")
	m.grow(p, 40*MiB)
	assert.Equal(t, cold(20), p.takeOwed(), "20 MiB beyond it")
	m.hold(p, -10*MiB)
	m.hold(p, 10*MiB)
	assert.Zero(t, p.takeOwed(), "memory it had before is its own: no first touch")

	m.stop(p) // 120 MiB free, the host still backs it
	s.sim.Run(sim.Second)
	q := m.start(kindDaemon, 0)
	m.grow(q, 120*MiB)
	assert.Zero(t, q.takeOwed(), "freed a second ago: warm")

	m.stop(q)
	s.sim.Run(3500 * sim.Millisecond) // 2.5 s later: reported, but for memory_warm
	r := m.start(kindDaemon, 0)
	m.grow(r, 150*MiB)
	assert.Equal(t, cold(50), r.takeOwed(), "100 MiB warm, 50 beyond")

	m.loadStarts() // as runtime mode measures it just before the load
	m.grow(r, 100*MiB)
	assert.Zero(t, r.takeOwed(), "memory_warm again when the load starts")
}
