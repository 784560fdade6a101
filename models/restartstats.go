package models

import (
	"math"
	"slices"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
)

// restartStats follows every [[event]] for the summary's restarts
// (results.Restart, docs/model.md §2.6): the requests around it, the
// processes forked after it, the old generation's exits and the total PSS.
// It keeps request records only from 10 s before the first event until
// results.RestartHorizon after the last, and nothing in a run without
// events.
type restartStats struct {
	s        *server
	on       bool
	from, to sim.Time // keep requests that ended at or after from and were sent before to
	attempts []results.Attempt
	open     map[sim.Time]int // first-send instants of the requests in flight
	recs     []*restartRec
}

// restartRec is one event being followed.
type restartRec struct {
	ev                      scenarios.Event
	at                      sim.Time
	children                int        // Apache children alive at the command
	forks                   []sim.Time // Apache children forked since, up to the horizon
	firstChild, firstDaemon sim.Time   // -1: none yet
	old                     int        // processes alive at the command still alive
	oldGone                 sim.Time   // when the last of them went; -1 not yet
	peak                    []float64  // the largest total PSS per pssBucket since the command
}

// pssBucket is the resolution of a restart's PSS peak.
const pssBucket = 50 * sim.Millisecond

// init starts following the scenario's events, if it has any.
func (rs *restartStats) init(s *server, loadStart, end sim.Time) {
	rs.s = s
	if len(s.sc.Events) == 0 {
		return
	}
	rs.on = true
	first, last := sim.Never, sim.Time(0)
	for _, ev := range s.sc.Events {
		at := loadStart + sim.Time(ev.At.Duration)
		first, last = min(first, at), max(last, at)
	}
	rs.from = first - sim.Time(results.RestartBaseline)
	rs.to = min(last+sim.Time(results.RestartHorizon), end)
	rs.open = map[sim.Time]int{}
}

// send records a request first sent now.
func (st *stats) send(now sim.Time) {
	st.offered++
	if rs := &st.restarts; rs.on && now < rs.to {
		rs.open[now]++
	}
}

// restartEvent starts following ev, happening now.
func (st *stats) restartEvent(ev scenarios.Event) {
	rs := &st.restarts
	if !rs.on {
		return
	}
	now := st.s.sim.Now()
	r := &restartRec{ev: ev, at: now, children: int(math.Round(st.children.Value())), firstChild: -1, firstDaemon: -1, oldGone: -1}
	for _, p := range st.s.mem.procs {
		if p.kind != kindParent {
			r.old++
		}
	}
	if r.old == 0 {
		r.oldGone = now
	}
	r.peak = append(r.peak, st.pss.Value())
	rs.recs = append(rs.recs, r)
}

// open reports whether r still follows what happens at t.
func (r *restartRec) open(t sim.Time) bool {
	return t >= r.at && t < r.at+sim.Time(results.RestartHorizon)
}

// forked notes a process forked at instant at.
func (st *stats) forked(kind procKind, at sim.Time) {
	for _, r := range st.restarts.recs {
		if !r.open(at) {
			continue
		}
		switch kind {
		case kindChild:
			r.forks = append(r.forks, at)
			if r.firstChild < 0 {
				r.firstChild = at
			}
		case kindDaemon:
			if r.firstDaemon < 0 {
				r.firstDaemon = at
			}
		}
	}
}

// gone notes that process p, born at born, has gone.
func (rs *restartStats) gone(born sim.Time) {
	now := rs.s.sim.Now()
	for _, r := range rs.recs {
		if born < r.at && r.old > 0 {
			if r.old--; r.old == 0 {
				r.oldGone = now
			}
		}
	}
}

// pss notes the total PSS (MB) from now on.
func (rs *restartStats) pss(now sim.Time, mb float64) {
	for _, r := range rs.recs {
		if !r.open(now) {
			continue
		}
		i := int((now - r.at) / pssBucket)
		for len(r.peak) <= i {
			r.peak = append(r.peak, r.peak[len(r.peak)-1])
		}
		r.peak[i] = math.Max(r.peak[i], mb)
	}
}

// attempt records a request first sent at start that ended now.
func (st *stats) attempt(start sim.Time, ok bool) {
	rs := &st.restarts
	now := st.s.sim.Now()
	if !rs.on || start >= rs.to {
		return
	}
	if rs.open[start]--; rs.open[start] <= 0 {
		delete(rs.open, start)
	}
	if now < rs.from {
		return
	}
	ls := st.s.loadStart
	rs.attempts = append(rs.attempts, results.Attempt{Start: (start - ls).Duration(), End: (now - ls).Duration(), OK: ok})
}

// summary computes each event's cost.
func (rs *restartStats) summary(s *server) []results.Restart {
	var out []results.Restart
	end := s.loadStart + sim.Time(s.sc.Duration.Duration)
	// The requests still in flight at the end, in a fixed order.
	starts := make([]sim.Time, 0, len(rs.open))
	for t := range rs.open {
		starts = append(starts, t)
	}
	slices.Sort(starts)
	for _, t := range starts {
		for range rs.open[t] {
			rs.attempts = append(rs.attempts, results.Attempt{Start: (t - s.loadStart).Duration(), End: (end - s.loadStart).Duration(), Unfinished: true})
		}
	}
	rs.open = nil
	from := sim.Time(0)
	for i, r := range rs.recs {
		next := end
		if i+1 < len(rs.recs) {
			next = rs.recs[i+1].at
		}
		at := (r.at - s.loadStart).Duration()
		w := results.RestartWindow(at, (from - s.loadStart).Duration(), (next - s.loadStart).Duration(), rs.attempts)
		winEnd := r.at + sim.Time(w.Window)
		from = winEnd
		rec := results.Restart{
			AtS: round2(at.Seconds()), Action: r.ev.Action, Group: r.ev.Group,
			WindowS: round3(w.Window.Seconds()), Failed: w.Failed, Delayed: w.Delayed,
			BaselineP99MS: round2(float64(w.BaselineP99) / 1e6), WindowP99MS: round2(float64(w.P99) / 1e6),
		}
		forks := 0
		for _, t := range r.forks {
			if t <= winEnd+sim.Second {
				forks++
			}
		}
		rec.ExtraForks = max(0, forks-r.children)
		until := r.oldGone
		if until < 0 {
			until = next
		}
		until = max(until, winEnd)
		peak := 0.0
		for j, v := range r.peak {
			if r.at+sim.Time(j)*pssBucket > until {
				break
			}
			peak = math.Max(peak, v)
		}
		rec.PeakPSSMB = round2(peak)
		if r.firstChild >= 0 {
			v := round3((r.firstChild - r.at).Seconds())
			rec.FirstChildS = &v
		}
		if r.firstDaemon >= 0 {
			v := round3((r.firstDaemon - r.at).Seconds())
			rec.FirstDaemonS = &v
		}
		out = append(out, rec)
	}
	return out
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
