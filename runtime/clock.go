package runtime

import (
	"context"
	"math"
	"sync"
	"time"
)

// runClock places the wall-clock instants that Apache and the app write in
// their logs (%{begin:msec}t, the error log's timestamps, the import log's
// time.time()) on the run's own timeline, which forkcast measures on the
// monotonic clock (time.Since(t0)).
//
// The two agree until someone sets the machine's clock: an NTP step, a
// virtual machine resumed, an administrator's date(1). Then every stamp
// written after the step is off by the step, a request at 3 s reads as
// 5.8 s. So the clock watches itself: every clockWatchPeriod it compares
// the wall clock's elapsed time with the monotonic clock's, and keeps the
// run as segments during which their difference (the offset) never moved
// by more than clockTolerance from one check to the next. A stamp w written during segment k is at w − t0 −
// offset(k) on the run's timeline.
//
// Which segment a stamp belongs to is known to clockWatchPeriod: a stamp
// that would fall in both of two segments' windows (a step backwards
// repeats wall-clock instants) is placed by the order of the log, which is
// the order of writing: a line is not placed before the line before it.
type runClock struct {
	t0    time.Time // with its monotonic reading
	wall0 time.Time // t0's wall-clock reading alone

	mu   sync.Mutex
	segs []clockSegment
}

// clockSegment is a stretch of the run during which the wall clock ran
// with the monotonic one.
type clockSegment struct {
	from, to time.Duration // the first and last checks in the segment, on the run's timeline
	offset   time.Duration // wall-clock elapsed − monotonic elapsed
}

const (
	clockWatchPeriod = 10 * time.Millisecond
	// clockTolerance is the offset change between two checks taken as a
	// step. NTP's slew (at most 500 ppm) moves it by 5 µs per watch period.
	clockTolerance = time.Millisecond
)

func newRunClock(t0 time.Time) *runClock {
	return &runClock{t0: t0, wall0: t0.Round(0), segs: []clockSegment{{}}}
}

// check compares the two clocks now.
func (c *runClock) check() {
	now := time.Now()
	c.record(now.Sub(c.t0), now.Round(0).Sub(c.wall0))
}

// record notes that the monotonic clock read at and the wall clock
// wallElapsed since t0.
func (c *runClock) record(at, wallElapsed time.Duration) {
	offset := wallElapsed - at
	c.mu.Lock()
	defer c.mu.Unlock()
	last := &c.segs[len(c.segs)-1]
	if d := offset - last.offset; d > clockTolerance || d < -clockTolerance {
		c.segs = append(c.segs, clockSegment{from: at, to: at, offset: offset})
		return
	}
	// The offset is compared check to check, and the segment follows it:
	// NTP's slew drifts it slowly (milliseconds over minutes), which is
	// no step and must not be reported as one.
	last.to, last.offset = at, offset
}

// watch checks the clocks every clockWatchPeriod until ctx ends.
func (c *runClock) watch(ctx context.Context) {
	tick := time.NewTicker(clockWatchPeriod)
	defer tick.Stop()
	for {
		c.check()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// clockStep is a change of the wall clock seen during the run.
type clockStep struct {
	At time.Duration // when it was seen, on the run's timeline
	By time.Duration // positive: the wall clock jumped ahead
}

// steps are the clock's steps seen during the run, for the run's notes.
func (c *runClock) steps() []clockStep {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []clockStep
	for k := 1; k < len(c.segs); k++ {
		out = append(out, clockStep{At: c.segs[k].from, By: c.segs[k].offset - c.segs[k-1].offset})
	}
	return out
}

// at places a wall-clock instant on the run's timeline. prev is where the
// line before it in the same log was placed (noPrev for the first): a log
// is written in order, so a line is not placed before it, give or take
// clockOrderSlack (Apache's workers write their lines in the order their
// requests end, to the millisecond).
func (c *runClock) at(wall time.Time, prev time.Duration) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := wall.Round(0).Sub(c.wall0)
	best, bestMiss := e, time.Duration(math.MaxInt64)
	for k := range c.segs {
		r := e - c.segs[k].offset
		// The segment's window: from the check before its step to the
		// check that saw the next one; and not before the line before.
		var miss time.Duration
		if k > 0 && r < c.segs[k-1].to {
			miss = c.segs[k-1].to - r
		}
		if k < len(c.segs)-1 && r > c.segs[k+1].from {
			miss = r - c.segs[k+1].from
		}
		if prev != noPrev && r < prev-clockOrderSlack {
			miss += prev - r
		}
		if miss == 0 {
			return r
		}
		if miss < bestMiss {
			best, bestMiss = r, miss
		}
	}
	return best
}

const (
	noPrev          = time.Duration(math.MinInt64)
	clockOrderSlack = 50 * time.Millisecond
)

// since places a wall-clock instant on the run's timeline with no log order
// to go by.
func (c *runClock) since(wall time.Time) time.Duration {
	return c.at(wall, noPrev)
}
