package validate

import (
	"fmt"
	"math"
	"time"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

// Surge is where the load rises, from the scenario's phases.
type Surge struct {
	// StartS is the first phase boundary after t=0 where the arrival rate
	// rises: a phase starting above the previous phase's final rate, or a
	// ramp up. Without one the surge is the load's start, 0. Both runs are
	// aligned on it (t=0 is the load's start in the simulator and in
	// runtime mode alike, so the same offset applies to both).
	StartS float64 `json:"start_s"`
	// EndS is the first later boundary where the rate falls (a phase starting
	// below the previous one's final rate, or a ramp down); absent if none.
	EndS *float64 `json:"end_s,omitempty"`
}

// FindSurge locates the surge of a scenario's workload.
func FindSurge(sc *scenarios.Scenario) Surge {
	ph := sc.Workload.Phases
	var s Surge
	var at time.Duration
	prev := 0.0
	start := -1
	for i, p := range ph {
		first := p.RateAt(0)
		rampUp := p.Shape == "ramp" && p.To > p.Rate
		rampDown := p.Shape == "ramp" && p.To < p.Rate
		if start < 0 && (i > 0 && first > prev || rampUp) {
			start = i
			s.StartS = at.Seconds()
		} else if start >= 0 && i > start && (first < prev || rampDown) {
			e := at.Seconds()
			s.EndS = &e
			break
		}
		prev = p.RateAt(p.Duration.Duration)
		at += p.Duration.Duration
	}
	if start < 0 {
		return Surge{} // no rise after t=0: the load's start, and no end
	}
	if s.EndS != nil && *s.EndS >= sc.Duration.Seconds() {
		s.EndS = nil
	}
	return s
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
