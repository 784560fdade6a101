package validate

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

// Surge is where the load rises, from the scenario's traffic.
type Surge struct {
	// StartS is the first instant after t=0 where the load rises: a phase
	// starting above the previous phase's final rate, or a ramp up; with
	// populations, also a population starting after t=0. Without one the
	// surge is the load's start, 0. Both runs are aligned on it (t=0 is the
	// load's start in the simulator and in runtime mode alike, so the same
	// offset applies to both).
	StartS float64 `json:"start_s"`
	// EndS is the first later instant where the load falls (a phase starting
	// below the previous one's final rate, or a ramp down; with
	// populations, also one stopping before the end); absent if none.
	EndS *float64 `json:"end_s,omitempty"`
}

// FindSurge locates the surge of a scenario's traffic: the first rise of
// the load after t=0 and the first fall after it. Each population rises
// and falls on its own — an open one with its phases, played from its
// start; a closed or replay one when it starts after t=0 and when it stops
// before the end — and the surge is the earliest rise of any of them and
// the earliest fall after it.
func FindSurge(sc *scenarios.Scenario) Surge {
	end := sc.Duration.Duration
	var rises, falls []time.Duration
	if len(sc.Workload.Populations) == 0 {
		rises, falls = phaseChanges(sc.Workload.Phases, 0, end)
	}
	for _, p := range sc.Workload.Populations {
		stop := end
		if p.Stop.Duration > 0 && p.Stop.Duration < end {
			stop = p.Stop.Duration
		}
		if p.Kind == "open" {
			r, f := phaseChanges(p.Phases, p.Start.Duration, stop)
			rises, falls = append(rises, r...), append(falls, f...)
			continue
		}
		if p.Kind == "closed" && p.Users == 0 {
			continue
		}
		if p.Start.Duration > 0 {
			rises = append(rises, p.Start.Duration)
		}
		if stop < end {
			falls = append(falls, stop)
		}
	}
	if len(rises) == 0 {
		return Surge{} // no rise after t=0: the load's start, and no end
	}
	start := slices.Min(rises)
	s := Surge{StartS: start.Seconds()}
	first := end
	for _, f := range falls {
		if f > start {
			first = min(first, f)
		}
	}
	if first < end {
		e := first.Seconds()
		s.EndS = &e
	}
	return s
}

// phaseChanges returns where a rate profile played from offset until stop
// rises (a phase starting above the previous one's final rate, a ramp up,
// or the profile's start after t=0 at a rate above 0) and falls (a phase
// starting below the previous one's final rate, a ramp down, or stop
// before the end while the rate is above 0).
func phaseChanges(ph []scenarios.Phase, offset, stop time.Duration) (rises, falls []time.Duration) {
	at := offset
	prev := 0.0
	for i, p := range ph {
		if at >= stop {
			break
		}
		first := p.RateAt(0)
		rampUp := p.Shape == "ramp" && p.To > p.Rate
		rampDown := p.Shape == "ramp" && p.To < p.Rate
		switch {
		case (i > 0 || offset > 0) && first > prev, rampUp:
			rises = append(rises, at)
		case i > 0 && first < prev, rampDown:
			falls = append(falls, at)
		}
		if i == len(ph)-1 || at+p.Duration.Duration >= stop {
			// The last phase lasts to the end; a stop cuts it.
			if stop > at {
				prev = p.RateAt(stop - at)
			}
			break
		}
		prev = p.RateAt(p.Duration.Duration)
		at += p.Duration.Duration
	}
	if prev > 0 {
		falls = append(falls, stop)
	}
	return rises, falls
}

// align is where the metrics look in every run's rows: all runs share the
// interval and are cut to the shortest.
type align struct {
	interval       float64
	rows           int // common rows
	surgeRow       int // first row of the spawn window
	spawnRows      int
	steadyRow      int // first row of the steady state
	recoverApplies bool
	preRow, endRow int
	surgeEnd       float64
	histograms     bool // every run has its latency distribution (latency.hdr)
}

func newAlign(surge Surge, durationS float64, runs []results.Run) (align, error) {
	iv := runs[0].Summary.IntervalS
	if !(iv > 0) {
		return align{}, fmt.Errorf("the runs' interval (%v s) must be positive", iv)
	}
	a := align{interval: iv, rows: math.MaxInt, histograms: true}
	for _, r := range runs {
		a.histograms = a.histograms && r.Latencies != nil
		if math.Abs(r.Summary.IntervalS-iv) > 1e-9 {
			return align{}, fmt.Errorf("runs of different intervals (%v s and %v s) cannot be compared row by row", iv, r.Summary.IntervalS)
		}
		a.rows = min(a.rows, len(r.Rows))
	}
	if a.rows == 0 {
		return align{}, fmt.Errorf("a run has no timeseries rows")
	}
	row := func(t float64) int { return int(math.Floor(t/iv + 1e-9)) }
	a.surgeRow = min(row(surge.StartS), a.rows-1)
	a.spawnRows = max(1, min(int(math.Round(SpawnWindowS/iv)), a.rows-a.surgeRow))
	a.steadyRow = min(int(math.Ceil((1-SteadyFraction)*durationS/iv-1e-9)), a.rows-1)
	if surge.EndS != nil && a.surgeRow > 0 {
		a.preRow = max(0, row(surge.StartS-PreSurgeS))
		a.endRow = int(math.Ceil(*surge.EndS/iv - 1e-9))
		a.surgeEnd = *surge.EndS
		a.recoverApplies = a.endRow < a.rows && a.preRow < a.surgeRow
	}
	return a, nil
}
