package models

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
)

// builtin loads a built-in scenario with overrides ("key=value").
func builtin(t *testing.T, name, variant string, sets ...string) *scenarios.Scenario {
	t.Helper()
	var os []scenarios.Override
	for _, s := range sets {
		o, err := scenarios.ParseOverride(s)
		require.NoError(t, err)
		os = append(os, o)
	}
	sc, err := scenarios.LoadBuiltin(name, variant, os...)
	require.NoError(t, err)
	return sc
}

// parse loads a scenario from TOML text.
func parse(t *testing.T, text string, variant string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Parse("test.toml", []byte(text), variant)
	require.NoError(t, err)
	return sc
}

// tick is one maintenance pass, timed from the load's start.
type tick struct {
	at            sim.Time
	spawned, idle int
}

// simulateTraced runs sc and records every maintenance pass.
func simulateTraced(t *testing.T, sc *scenarios.Scenario) (results.Run, []tick, *server) {
	t.Helper()
	eff, _ := sc.Effective()
	s, err := newServer(&eff)
	require.NoError(t, err)
	var ticks []tick
	var m memorySink
	s.sink = &m
	s.parent.onTick = func(at sim.Time, spawned, idle int) { ticks = append(ticks, tick{at, spawned, idle}) }
	s.run()
	require.NoError(t, s.sinkErr)
	for i := range ticks {
		ticks[i].at -= s.loadStart // from the load's start, as the rows are
	}
	return results.Run{Summary: s.stats.summary(), Rows: m.rows, Log: m.log}, ticks, s
}

func column(t *testing.T, run results.Run, name string) []float64 {
	t.Helper()
	c, err := results.Column(run.Rows, name)
	require.NoError(t, err)
	return c
}

func maxOf(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

func sum(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

// onlyChild returns the run's one Apache child, failing the test if there
// is not exactly one.
func onlyChild(t *testing.T, s *server) *process {
	t.Helper()
	var children []*process
	for _, p := range s.mem.procs {
		if p.kind == kindChild {
			children = append(children, p)
		}
	}
	require.Len(t, children, 1, "one child")
	return children[0]
}
