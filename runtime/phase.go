package runtime

import (
	"context"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/forkcast/forkcast/scenarios"
)

// Where the parent's 1 s maintenance tick stands when the load starts
// decides two-way outcomes: whether a tick sees idle < MinSpareServers
// just before or just after a burst of arrivals (docs/model.md §10.1).
// On a server that has been running a surge meets the tick anywhere in
// the second, and the simulator draws that phase uniformly per
// replication. A run that started its load as soon as Apache was ready
// would measure one phase only — the one the case's start-up sets, the
// same within tens of milliseconds from run to run — so its outcome would
// be a draw from that phase's odds, not from the ones the replications
// predict. So runtime mode places its load's start too: the parent's
// ticks come every second after its "resuming normal operations" line
// (the main loop's ap_wait_or_timeout sleeps 1 s, then runs
// perform_idle_server_maintenance), and the load starts when the next one
// is tick_phase away — drawn uniformly over (0, 1 s] for each run
// ("random"), or pinned by the scenario. With "startup" it starts at once.

// readyLine is the end of the line every MPM logs as its main loop starts
// (AH00163 prefork, AH00292 worker, AH00489 event).
const readyLine = "resuming normal operations"

// lastReady returns the wall-clock instant of the error log's last
// "resuming normal operations" line.
func lastReady(errorLog string) (time.Time, bool) {
	b, err := os.ReadFile(errorLog)
	if err != nil {
		return time.Time{}, false
	}
	var at time.Time
	found := false
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.Contains(line, readyLine) {
			continue
		}
		if _, wall, ok := parseErrorLine(line); ok {
			at, found = wall, true
		}
	}
	return at, found
}

// phaseTarget is the tick phase the load should start at: the scenario's
// pinned one, or one drawn uniformly over (0, 1 s] (from a source of its
// own: every run of a scenario draws afresh, as every real surge meets
// the tick somewhere else). ok is false for "startup".
func phaseTarget(tp scenarios.TickPhase, draw func() time.Duration) (time.Duration, bool) {
	switch {
	case tp.Startup:
		return 0, false
	case tp.Duration > 0:
		return tp.Duration, true
	}
	return draw(), true
}

// drawPhase draws a phase uniformly over (0, 1 s].
func drawPhase() time.Duration { return time.Second - time.Duration(rand.Int64N(int64(time.Second))) }

// startAt returns the first instant at or after now at which the parent's
// next tick, ticks being ready + 1 s, ready + 2 s, …, is phase away.
func startAt(ready, now time.Time, phase time.Duration) time.Time {
	first := ready.Add(time.Second - phase) // the start for the first tick
	if !now.After(first) {
		return first
	}
	k := now.Sub(first) / time.Second
	at := first.Add(k * time.Second)
	if at.Before(now) {
		at = at.Add(time.Second)
	}
	return at
}

// phaseAt returns how long after t0 the parent's next tick comes, in
// (0, 1 s].
func phaseAt(ready, t0 time.Time) time.Duration {
	d := ready.Add(time.Second).Sub(t0) % time.Second
	if d <= 0 {
		d += time.Second
	}
	return d
}

// placeStart waits until the load may start at the scenario's tick
// phase, and returns the instant of the line the parent's ticks follow
// (phaseAt gives the phase the load then starts at). ok is false when
// there is no such line: a drawn phase is then still drawn, by waiting a
// random part of a second, but not known.
func placeStart(ctx context.Context, tp scenarios.TickPhase, errorLog string) (ready time.Time, ok bool) {
	ready, ok = lastReady(errorLog)
	phase, place := phaseTarget(tp, drawPhase)
	switch {
	case !place:
	case ok:
		sleepCtx(ctx, time.Until(startAt(ready, time.Now(), phase)))
	case tp.Random:
		sleepCtx(ctx, phase)
	}
	return ready, ok
}
