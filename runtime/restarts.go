package runtime

import (
	"math"
	"time"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

// restarts measures what each scenario event cost, as the simulator
// reports it (results.Restart, docs/model.md §2.6): the window, failures and
// delays from the request records (results.RestartWindow), and from the
// samples the children alive at the command, the processes forked after it
// (by their /proc start time, 10 ms resolution), the old generation's exits
// and the total PSS. fired holds the instant each event was applied (-1 if
// it never was).
func restarts(s *scenarios.Scenario, res *Result, fired []time.Duration) []results.Restart {
	var attempts []results.Attempt
	for _, r := range res.Requests {
		attempts = append(attempts, results.Attempt{Start: r.Start, End: r.End, OK: r.Outcome == OK, Unfinished: r.Outcome == Unfinished})
	}
	var out []results.Restart
	var from time.Duration
	for i, ev := range s.Events {
		at := fired[i]
		if at < 0 {
			continue
		}
		next := s.Duration.Duration
		for _, t := range fired[i+1:] {
			if t >= 0 {
				next = t
				break
			}
		}
		w := results.RestartWindow(at, from, next, attempts)
		winEnd := at + w.Window
		from = winEnd
		rec := results.Restart{
			AtS: round2(at.Seconds()), Action: ev.Action, Group: ev.Group,
			WindowS: round3(w.Window.Seconds()), Failed: w.Failed, Delayed: w.Delayed,
			BaselineP99MS: round2(float64(w.BaselineP99) / 1e6), WindowP99MS: round2(float64(w.P99) / 1e6),
		}

		// The generation alive at the command: the last sample before it.
		old := map[int]bool{}
		children := 0
		for _, sm := range res.Samples {
			if sm.At > at {
				break
			}
			clear(old)
			children = len(sm.Children)
			for _, p := range sm.Children {
				old[p.Pid] = true
			}
			for _, p := range sm.Daemons {
				old[p.Pid] = true
			}
		}
		// Births after the command. starttime is truncated to the clock
		// tick, so a fork within a tick after the command may read up to
		// one tick before it.
		// A daemon's first sample can come before mod_wsgi has renamed it
		// (display-name): it is a daemon if any sample says so.
		horizon := at + results.RestartHorizon
		type birth struct {
			at     time.Duration
			daemon bool
		}
		born := map[int]*birth{}
		oldGone := time.Duration(-1)
		if len(old) == 0 {
			oldGone = at
		}
		for _, sm := range res.Samples {
			if sm.At < at || sm.At > horizon {
				continue
			}
			left := false
			for _, list := range [][]ProcInfo{sm.Children, sm.Daemons} {
				for _, p := range list {
					if old[p.Pid] {
						left = true
						continue
					}
					if p.Started <= at-clockTick {
						continue
					}
					b := born[p.Pid]
					if b == nil {
						b = &birth{at: max(p.Started, at)}
						born[p.Pid] = b
					}
					b.daemon = b.daemon || p.Daemon != ""
				}
			}
			if !left && oldGone < 0 {
				oldGone = sm.At
			}
		}
		var firstChild, firstDaemon time.Duration = -1, -1
		forks := 0
		for _, b := range born {
			if b.daemon {
				if firstDaemon < 0 || b.at < firstDaemon {
					firstDaemon = b.at
				}
				continue
			}
			if firstChild < 0 || b.at < firstChild {
				firstChild = b.at
			}
			if b.at <= winEnd+time.Second {
				forks++
			}
		}
		rec.ExtraForks = max(0, forks-children)
		until := oldGone
		if until < 0 {
			until = next
		}
		until = max(until, winEnd)
		peak := 0.0
		for _, sm := range res.Samples {
			if sm.At < at || sm.At > until {
				continue
			}
			pss, _, _, _ := sm.total(func(p ProcInfo) int64 { return p.PSS })
			peak = math.Max(peak, float64(pss)/mb)
		}
		rec.PeakPSSMB = round2(peak)
		if firstChild >= 0 {
			v := round3((firstChild - at).Seconds())
			rec.FirstChildS = &v
		}
		if firstDaemon >= 0 {
			v := round3((firstDaemon - at).Seconds())
			rec.FirstDaemonS = &v
		}
		out = append(out, rec)
	}
	return out
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
