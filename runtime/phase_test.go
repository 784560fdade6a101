package runtime

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/scenarios"
)

func TestTheLoadStartsWhereTheTickPhaseSays(t *testing.T) {
	ready := time.Date(2026, 12, 5, 10, 0, 0, 500_000_000, time.UTC) // ticks at 1.5, 2.5, … s
	at := func(s float64) time.Time { return ready.Add(time.Duration(s * float64(time.Second))) }
	cases := []struct {
		now   float64 // seconds after the ready line
		phase time.Duration
		want  float64 // the start, seconds after the ready line
	}{
		{0.1, 300 * time.Millisecond, 0.7}, // before the first tick: 0.3 s before it
		{0.8, 300 * time.Millisecond, 1.7}, // too late for the first: the second
		{0.7, 300 * time.Millisecond, 0.7}, // exactly then
		{5.2, time.Second, 5.0 + 1},        // a whole period: just after a tick
		{5.2, time.Millisecond, 5.999},     // just before one
		{12.345, 500 * time.Millisecond, 12.5},
	}
	for _, c := range cases {
		got := startAt(ready, at(c.now), c.phase)
		assert.WithinDuration(t, at(c.want), got, time.Microsecond, "now %v phase %v", c.now, c.phase)
		assert.False(t, got.Before(at(c.now)), "never in the past")
		// And the phase read back is the one aimed at.
		assert.InDelta(t, c.phase.Seconds(), phaseAt(ready, got).Seconds(), 1e-9)
	}
	// The phase is in (0, 1 s]: a start on a tick has the next a second away.
	assert.Equal(t, time.Second, phaseAt(ready, at(3)))
	assert.Equal(t, 250*time.Millisecond, phaseAt(ready, at(3.75)))
}

func TestTickPhaseTargets(t *testing.T) {
	draw := func() time.Duration { return 420 * time.Millisecond }
	p, ok := phaseTarget(scenarios.TickPhase{Random: true}, draw)
	assert.True(t, ok)
	assert.Equal(t, 420*time.Millisecond, p, "random: drawn")
	p, ok = phaseTarget(scenarios.TickPhase{Duration: 250 * time.Millisecond}, draw)
	assert.True(t, ok)
	assert.Equal(t, 250*time.Millisecond, p, "pinned")
	_, ok = phaseTarget(scenarios.TickPhase{Startup: true}, draw)
	assert.False(t, ok, "startup: the load starts at once")
	// The draws cover the second: (0, 1 s], spread over it.
	var lo, hi int
	for range 2000 {
		d := drawPhase()
		require.True(t, d > 0 && d <= time.Second, "%v", d)
		if d <= 500*time.Millisecond {
			lo++
		} else {
			hi++
		}
	}
	assert.InDelta(t, 1000, lo, 150, "uniform: half in each half second (%d, %d)", lo, hi)
}

func TestLastReadyLine(t *testing.T) {
	log := filepath.Join(t.TempDir(), "error.log")
	_, ok := lastReady(log)
	assert.False(t, ok, "no log")
	require.NoError(t, os.WriteFile(log, []byte(
		"[Sat Dec 05 09:53:20.533059 2026] [mpm_prefork:notice] [pid 25258] AH00163: Apache/2.4.71 (Debian) mod_wsgi/4.9.4 Python/3.11 configured -- resuming normal operations\n"+
			"[Sat Dec 05 09:53:20.533100 2026] [core:notice] [pid 25258] AH00094: Command line: '/usr/sbin/apache2'\n"+
			"[Sat Dec 05 09:53:31.000200 2026] [mpm_event:notice] [pid 25258] AH00489: Apache/2.4.71 (Debian) configured -- resuming normal operations\n"), 0o644))
	at, ok := lastReady(log)
	require.True(t, ok)
	assert.Equal(t, time.Date(2026, 12, 5, 9, 53, 31, 200_000, time.UTC), at, "the last one: a restart's new generation ticks from there")
}
