package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// watched is a clock checked every clockWatchPeriod over [0, until), whose
// wall clock is set by step at stepAt.
func watched(t0 time.Time, until, stepAt, step time.Duration) *runClock {
	c := newRunClock(t0)
	for at := time.Duration(0); at < until; at += clockWatchPeriod {
		wall := at
		if at >= stepAt {
			wall += step
		}
		c.record(at, wall)
	}
	return c
}

// Someone sets the machine's clock 2.85 s ahead 2.9 s into the run (seen
// in CI: the requests Apache began after it read as begun after the
// load's stop). The access log's begins stay where the requests were.
func TestAccessLogSurvivesAClockStepAhead(t *testing.T) {
	t0 := time.Date(1999, 12, 31, 23, 59, 58, 0, time.UTC)
	const stepAt, step = 2900 * time.Millisecond, 2850 * time.Millisecond
	c := watched(t0, 6*time.Second, stepAt, step)
	require.Equal(t, []clockStep{{At: stepAt, By: step}}, c.steps())

	// A request every 100 ms from 1 s to 4 s, 108 ms each, logged at its
	// end with the wall clock of that instant.
	path := filepath.Join(t.TempDir(), "access.log")
	f, err := os.Create(path)
	require.NoError(t, err)
	var want []time.Duration
	for begin := time.Second; begin < 4*time.Second; begin += 100 * time.Millisecond {
		wall := func(at time.Duration) time.Time {
			if at >= stepAt {
				at += step
			}
			return t0.Add(at)
		}
		// %{begin:msec}t is read at the begin; the line is written at the end.
		fmt.Fprintf(f, "%d 108000 7 200 \"GET /app HTTP/1.1\"\n", wall(begin).UnixMilli())
		want = append(want, begin)
	}
	require.NoError(t, f.Close())
	var got []time.Duration
	for _, e := range readAccessLog(path, c) {
		got = append(got, e.Begin)
	}
	require.Len(t, got, len(want))
	for i := range want {
		// A request begun before the step and ended after it is placed
		// by its end: off by the step less than the watch period.
		tol := 20 * time.Millisecond
		if want[i] < stepAt && want[i]+108*time.Millisecond >= stepAt {
			tol = step + 20*time.Millisecond
		}
		assert.InDelta(t, want[i].Seconds(), got[i].Seconds(), tol.Seconds(), "request %d", i)
	}
}

// A step back repeats wall-clock instants: the log's order tells which
// came first.
func TestErrorLogSurvivesAClockStepBack(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 5, 0, 0, 0, time.UTC)
	c := watched(t0, 5*time.Second, 2*time.Second, -time.Second)
	prev := noPrev
	var got []time.Duration
	// Lines written at 1.9 s (wall 1.9 s) and 2.5 s (wall 1.5 s).
	for _, wall := range []time.Duration{1900 * time.Millisecond, 1500 * time.Millisecond} {
		prev = c.at(t0.Add(wall), prev)
		got = append(got, prev)
	}
	assert.Equal(t, []time.Duration{1900 * time.Millisecond, 2500 * time.Millisecond}, got)
	assert.Equal(t, 1500*time.Millisecond, c.since(t0.Add(1500*time.Millisecond)), "with no order, the earlier")
}

// Without a step, a stamp is its distance from t0, before t0 as well. The
// real clocks are read, so NTP may slew the wall clock by nanoseconds
// between t0 and the check (CI's machine did: 9 ns): within a millisecond.
func TestClockWithoutStep(t *testing.T) {
	t0 := time.Now()
	c := newRunClock(t0)
	c.check()
	assert.Empty(t, c.steps())
	assert.InDelta(t, -1.5, c.since(t0.Add(-1500*time.Millisecond)).Seconds(), 0.001)
	assert.InDelta(t, 90.0, c.since(t0.Add(90*time.Second)).Seconds(), 0.001)
}

// NTP slewing the clock at its fastest (500 ppm) for a minute moves the
// offset by 30 ms, slowly: no step to report, and stamps stay within the
// slew of where they were written.
func TestClockSlewIsNoStep(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC)
	c := newRunClock(t0)
	wallAt := func(at time.Duration) time.Duration { return at + at/2000 }
	for at := time.Duration(0); at <= time.Minute; at += clockWatchPeriod {
		c.record(at, wallAt(at))
	}
	assert.Empty(t, c.steps())
	at := 59 * time.Second
	assert.InDelta(t, at.Seconds(), c.since(t0.Add(wallAt(at))).Seconds(), 0.001)
}
