package results

import (
	"math"
	"sort"
	"time"
)

// Restart is what one scenario event — a restart, a graceful stop or a
// touch of the WSGI script — cost the traffic: one entry of summary.json's
// restarts, in event order. Both the simulator and runtime mode fill it,
// with RestartWindow on their request records, so validate can compare
// them (docs/model.md §2.6).
type Restart struct {
	AtS    float64 `json:"at_s"` // the command, seconds since t=0
	Action string  `json:"action"`
	Group  string  `json:"group,omitempty"` // touch_script: the daemon group whose script was touched
	// WindowS runs from the command until the last affected request ended
	// (see RestartWindow); 0 when no request was affected.
	WindowS float64 `json:"window_s"`
	Failed  int64   `json:"failed"`  // affected requests that failed
	Delayed int64   `json:"delayed"` // affected requests that completed slower than BaselineP99MS
	// BaselineP99MS is the p99 of requests completed in the 10 s before the
	// command; WindowP99MS the p99 of requests completed that were in
	// flight at some instant of the window.
	BaselineP99MS float64 `json:"baseline_p99_ms"`
	WindowP99MS   float64 `json:"window_p99_ms"`
	// ExtraForks is how many more Apache children were forked from the
	// command until 1 s after the window than were alive at the command.
	ExtraForks int `json:"extra_forks"`
	// PeakPSSMB is the largest total PSS from the command until the later of
	// the window's end and the last process of the old generation's exit.
	PeakPSSMB float64 `json:"peak_pss_mb"`
	// FirstChildS and FirstDaemonS are when the first Apache child and the
	// first mod_wsgi daemon forked after the command were born, in seconds
	// after it; absent when none was.
	FirstChildS  *float64 `json:"first_child_s,omitempty"`
	FirstDaemonS *float64 `json:"first_daemon_s,omitempty"`
}

// Constants of RestartWindow.
const (
	// RestartBaseline is how far before a command the baseline p99 looks.
	RestartBaseline = 10 * time.Second
	// RestartGap ends a window: the first request that was not affected
	// and was sent at least this long after the last affected one.
	RestartGap = time.Second
	// RestartHorizon bounds how long after a command requests are followed.
	RestartHorizon = 120 * time.Second
)

// An Attempt is one request as RestartWindow sees it: when the client first
// sent it, when it ended (answered, failed or given up), and whether it
// completed with 200 — or, Unfinished, that it was still waiting when the
// run ended (End is then the run's end).
type Attempt struct {
	Start, End     time.Duration
	OK, Unfinished bool
}

// Window is RestartWindow's answer.
type Window struct {
	Window           time.Duration
	Failed, Delayed  int64
	BaselineP99, P99 time.Duration
}

// RestartWindow measures the disturbance a command at instant at caused,
// from the requests that ended after it and were sent before next (the
// following event, or the run's end):
//
//   - the baseline is the p99 latency of the requests that completed in
//     [max(at − RestartBaseline, from), at), from all completed before at if
//     those are fewer than 10; with none, only failures count as affected;
//   - a request is affected if it failed, or completed slower than the
//     baseline, or was still waiting at the run's end after longer than it;
//   - in order of when they were sent (in-flight ones count as sent at the
//     command), the affected requests belong to the window until the first
//     request that was not affected and was sent RestartGap or more after
//     the command or the last affected one: the traffic is back to normal
//     (a second without any request does not end the window); the window
//     ends when the last of them ended.
//
// Failed and Delayed (the slow ones, unfinished included) count the
// affected requests in the window; P99 is the p99 latency of the completed
// requests in flight at some instant of it (those in flight at the command
// when the window is empty).
func RestartWindow(at, from, next time.Duration, reqs []Attempt) Window {
	var base, all []float64
	lo := max(at-RestartBaseline, from)
	for _, r := range reqs {
		if !r.OK || r.End >= at {
			continue
		}
		all = append(all, float64(r.End-r.Start))
		if r.End >= lo {
			base = append(base, float64(r.End-r.Start))
		}
	}
	if len(base) < 10 {
		base = all
	}
	w := Window{}
	threshold := time.Duration(math.MaxInt64)
	if len(base) > 0 {
		sort.Float64s(base)
		w.BaselineP99 = time.Duration(Quantile(base, 0.99))
		threshold = w.BaselineP99
	}
	type seen struct {
		sent, end    time.Duration
		ok, affected bool
	}
	var after []seen
	for _, r := range reqs {
		if r.End < at || r.Start >= next {
			continue
		}
		failed := !r.OK && !r.Unfinished
		after = append(after, seen{max(r.Start, at), r.End, !failed, failed || r.End-r.Start > threshold})
	}
	sort.SliceStable(after, func(i, j int) bool { return after[i].sent < after[j].sent })
	last, end := at, at
	for _, a := range after {
		if !a.affected {
			if a.sent-last >= RestartGap {
				break
			}
			continue
		}
		last = a.sent
		end = max(end, a.end)
		if a.ok {
			w.Delayed++
		} else {
			w.Failed++
		}
	}
	w.Window = end - at
	var lat []float64
	for _, r := range reqs {
		if r.OK && r.End >= at && r.Start <= end {
			lat = append(lat, float64(r.End-r.Start))
		}
	}
	if len(lat) > 0 {
		sort.Float64s(lat)
		w.P99 = time.Duration(Quantile(lat, 0.99))
	}
	return w
}

// Quantile of sorted values, by linear interpolation between closest ranks;
// 0 for none.
func Quantile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	x := p * float64(len(sorted)-1)
	i := int(x)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (x-float64(i))*(sorted[i+1]-sorted[i])
}
