package main

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/forkcast/forkcast/results"
)

// A verdict is what a report says first: what happened in each run, in a
// few computed sentences, and for several runs which meets which goal.
type verdict struct {
	Runs  []runVerdict
	Goals []goal // with two or more runs
	Best  string // which run meets every goal, or the closest
}

type runVerdict struct {
	Label string
	Lines []string
}

// A goal is one thing a configuration should achieve, checked for each run.
type goal struct {
	Name  string
	Cells []goalCell // one per run
}

type goalCell struct {
	Met  bool
	Text string
}

func buildVerdict(labels []string, runs []results.Run) verdict {
	var v verdict
	for i, r := range runs {
		v.Runs = append(v.Runs, runVerdict{Label: labels[i], Lines: runFacts(r)})
	}
	if len(runs) > 1 {
		v.Goals = goals(runs)
		v.Best = bestRun(labels, v.Goals)
	}
	return v
}

// runFacts are the sentences about one run: workers against
// MaxRequestWorkers, memory against RAM and the OOM killer, failures,
// and response times.
func runFacts(r results.Run) []string {
	s := r.Summary
	var out []string
	out = append(out, workerFact(r))
	out = append(out, memoryFact(r))
	if s.OOMKills > 0 {
		out = append(out, fmt.Sprintf("The OOM killer killed %d processes.", s.OOMKills))
	} else {
		out = append(out, "No process was killed by the OOM killer.")
	}
	out = append(out, failureFact(s))
	out = append(out, latencyFact(r))
	return out
}

// workerFact compares the workers Apache ran with MaxRequestWorkers.
func workerFact(r results.Run) string {
	s := r.Summary
	daemons := ""
	if s.Peak.DaemonProcesses > 0 {
		daemons = fmt.Sprintf(", beside %d mod_wsgi daemon processes", s.Peak.DaemonProcesses)
	}
	if s.MPM == "prefork" {
		switch {
		case s.MaxWorkers <= 0:
			return fmt.Sprintf("Apache ran up to %d children%s.", s.Peak.ApacheChildren, daemons)
		case s.Peak.ApacheChildren >= s.MaxWorkers:
			return fmt.Sprintf("Apache reached MaxRequestWorkers: %d children of %d%s; it could start no more, and connections waited in the listen backlog (up to %d).",
				s.Peak.ApacheChildren, s.MaxWorkers, daemons, s.Peak.ListenQueue)
		}
		return fmt.Sprintf("Apache ran up to %d children, %s of MaxRequestWorkers (%d)%s.",
			s.Peak.ApacheChildren, percent(float64(s.Peak.ApacheChildren), float64(s.MaxWorkers)), s.MaxWorkers, daemons)
	}
	busy := peakBusyWorkers(r.Rows)
	text := fmt.Sprintf("Apache ran up to %d children; at most %.0f worker threads were busy at once (interval mean)", s.Peak.ApacheChildren, busy)
	if s.MaxWorkers > 0 {
		text += fmt.Sprintf(", %s of MaxRequestWorkers (%d)", percent(busy, float64(s.MaxWorkers)), s.MaxWorkers)
		if busy >= float64(s.MaxWorkers)-0.5 {
			text += ": every worker was taken"
		}
	}
	return text + daemons + "."
}

// peakBusyWorkers is the largest interval mean of workers not idle:
// busy, importing, keep-alive and closing.
func peakBusyWorkers(rows []results.Row) float64 {
	var m float64
	for _, r := range rows {
		m = max(m, r.Busy+r.Importing+r.KeepAlive+r.Closing)
	}
	return m
}

// memoryFact compares peak memory with RAM.
func memoryFact(r results.Run) string {
	s := r.Summary
	if s.RAMMB <= 0 {
		return fmt.Sprintf("Memory in use peaked at %.0f MB PSS (the host's RAM is not known).", s.Peak.PSSMB)
	}
	if s.Peak.PSSMB <= s.RAMMB {
		return fmt.Sprintf("Memory in use peaked at %.0f MB PSS, %s of RAM (%.0f MB).", s.Peak.PSSMB, percent(s.Peak.PSSMB, s.RAMMB), s.RAMMB)
	}
	text := fmt.Sprintf("Memory in use passed RAM (%.0f MB)", s.RAMMB)
	for _, row := range r.Rows {
		if row.PSSMB > s.RAMMB {
			text += fmt.Sprintf(" at t = %s", seconds(row.TimeS))
			break
		}
	}
	text += fmt.Sprintf(" and peaked at %.0f MB PSS, %.1f× RAM", s.Peak.PSSMB, s.Peak.PSSMB/s.RAMMB)
	var swap float64
	for _, row := range r.Rows {
		swap = max(swap, row.SwapMB)
	}
	if swap > 0 {
		text += fmt.Sprintf("; up to %.0f MB of swap in use (of %.0f MB), which slows all work", swap, s.SwapMB)
	}
	return text + "."
}

// failureFact is the failure share and its main cause.
func failureFact(s results.Summary) string {
	q := s.Requests
	text := ""
	if q.Failed == 0 {
		text = fmt.Sprintf("No request failed (of %d offered).", q.Offered)
	} else {
		cause, n := mainCause(q.Failures)
		text = fmt.Sprintf("%d of %d offered requests failed (%s), most by %s (%d).",
			q.Failed, q.Offered, percent(float64(q.Failed), float64(q.Offered)), cause, n)
	}
	if q.Unfinished > 0 {
		text += fmt.Sprintf(" %d were still unfinished when the run ended.", q.Unfinished)
	}
	return text
}

func mainCause(f results.Failures) (string, int64) {
	causes := []struct {
		name string
		n    int64
	}{{"500", f.S500}, {"503", f.S503}, {"504", f.S504}, {"connection refused", f.Refused},
		{"connection reset", f.Reset}, {"client timeout", f.ClientTimeout}}
	best := causes[0]
	for _, c := range causes[1:] {
		if c.n > best.n {
			best = c
		}
	}
	return best.name, best.n
}

// latencyFact is the worst response time, from latency.hdr when there is one.
func latencyFact(r results.Run) string {
	s := r.Summary
	if s.Requests.Completed == 0 {
		return "No request completed: there is no response time to report."
	}
	l, from := exactLatency(r)
	return fmt.Sprintf("The worst response time was %s (p99 %s, p50 %s) over %d completed requests%s.",
		msString(l.Max), msString(l.P99), msString(l.P50), s.Requests.Completed, from)
}

// exactLatency is the run's latency quantiles from latency.hdr when the
// directory has it, else summary.json's, with a note on the source.
func exactLatency(r results.Run) (results.Latency, string) {
	if h := r.Latencies; h != nil && h.Count() > 0 {
		return results.Latency{P50: h.QuantileMS(0.5), P90: h.QuantileMS(0.9), P99: h.QuantileMS(0.99), Max: h.MaxMS(), Mean: h.MeanMS()}, ""
	}
	return r.Summary.Latency, " (summary.json; no latency.hdr)"
}

// goals checks each run against what one usually wants of a configuration.
func goals(runs []results.Run) []goal {
	check := func(name string, f func(r results.Run) goalCell) goal {
		g := goal{Name: name}
		for _, r := range runs {
			g.Cells = append(g.Cells, f(r))
		}
		return g
	}
	out := []goal{
		check("stays under RAM", func(r results.Run) goalCell {
			s := r.Summary
			if s.RAMMB <= 0 {
				return goalCell{false, "RAM unknown"}
			}
			return goalCell{s.Peak.PSSMB <= s.RAMMB, fmt.Sprintf("peak %.0f of %.0f MB", s.Peak.PSSMB, s.RAMMB)}
		}),
		check("no OOM kills", func(r results.Run) goalCell {
			return goalCell{r.Summary.OOMKills == 0, fmt.Sprintf("%d", r.Summary.OOMKills)}
		}),
		check("no failed requests", func(r results.Run) goalCell {
			q := r.Summary.Requests
			return goalCell{q.Failed == 0, fmt.Sprintf("%d failed (%s)", q.Failed, percent(float64(q.Failed), float64(q.Offered)))}
		}),
		check("workers to spare (below MaxRequestWorkers)", func(r results.Run) goalCell {
			s := r.Summary
			if s.MaxWorkers <= 0 {
				return goalCell{false, "MaxRequestWorkers unknown"}
			}
			used := float64(s.Peak.ApacheChildren)
			if s.MPM != "prefork" {
				used = peakBusyWorkers(r.Rows)
			}
			return goalCell{used < float64(s.MaxWorkers)-0.5, fmt.Sprintf("peak %.0f of %d", used, s.MaxWorkers)}
		}),
	}
	// Lowest p99 among the runs where requests completed.
	p99 := make([]float64, len(runs))
	best := math.Inf(1)
	for i, r := range runs {
		p99[i] = math.NaN()
		if r.Summary.Requests.Completed > 0 {
			l, _ := exactLatency(r)
			p99[i] = l.P99
			best = min(best, p99[i])
		}
	}
	g := goal{Name: "lowest p99"}
	for i := range runs {
		if math.IsNaN(p99[i]) {
			g.Cells = append(g.Cells, goalCell{false, "none completed"})
			continue
		}
		g.Cells = append(g.Cells, goalCell{p99[i] == best, msString(p99[i])})
	}
	return append(out, g)
}

// bestRun names the runs meeting every goal, or the closest.
func bestRun(labels []string, gs []goal) string {
	met := make([]int, len(labels))
	for _, g := range gs {
		for i, c := range g.Cells {
			if c.Met {
				met[i]++
			}
		}
	}
	var all []string
	for i, n := range met {
		if n == len(gs) {
			all = append(all, labels[i])
		}
	}
	if len(all) > 0 {
		return "Meets every goal: " + strings.Join(all, ", ") + "."
	}
	order := make([]int, len(labels))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return met[order[a]] > met[order[b]] })
	return fmt.Sprintf("No run meets every goal; the closest is %s (%d of %d).", labels[order[0]], met[order[0]], len(gs))
}

func percent(part, whole float64) string {
	if whole <= 0 {
		return "—"
	}
	p := 100 * part / whole
	if p > 0 && p < 0.1 {
		return "<0.1%"
	}
	return fmt.Sprintf("%.1f%%", p)
}

func seconds(s float64) string {
	switch {
	case s >= 2*3600:
		return fmt.Sprintf("%.1f h", s/3600)
	case s >= 15*60:
		return fmt.Sprintf("%.1f min", s/60)
	}
	return fmt.Sprintf("%g s", s)
}
