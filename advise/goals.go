package advise

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sweep"
	"github.com/forkcast/forkcast/validate"
)

// Goals are what a recommendation must meet.
type Goals struct {
	// MemoryBudget bounds the peak memory in use (total PSS) of the
	// worst replication; any OOM kill fails it too.
	MemoryBudget scenarios.Size `json:"memory_budget_bytes"`
	// P99 bounds the upper end of the 95% interval of the mean p99
	// response time of completed requests; 0 is no latency goal.
	P99 time.Duration `json:"p99,omitempty"`
	// Errors bounds the upper end of the 95% interval of the mean share of
	// requests that failed (503, 504, resets, refusals, client timeouts,
	// 500: every cause).
	Errors float64 `json:"errors_share"`
}

// ErrImpossible marks goals no setting can meet, and ErrUnsupported a
// scenario the search cannot size: bad input, not a failed run.
var (
	ErrImpossible  = errors.New("impossible goals")
	ErrUnsupported = errors.New("not supported by advise")
)

// DefaultErrors is the default error budget: 0.1% of requests.
const DefaultErrors = 0.001

// Margin is the memory the default budget leaves to everything but Apache
// and mod_wsgi — the kernel, sshd, cron, logging, a database client, the
// page cache that keeps the app's files warm: a tenth of RAM, at least
// 64 MiB, at most half of RAM.
func Margin(ram scenarios.Size) scenarios.Size {
	m := max(ram/10, 64*scenarios.MiB)
	return min(m, ram/2)
}

// DefaultMemoryBudget is host.ram minus Margin.
func DefaultMemoryBudget(h scenarios.Host) scenarios.Size { return h.RAM - Margin(h.RAM) }

// Check refuses goals that cannot be met by any setting: a budget of zero
// or less, one below the smallest server that can serve the app at all
// (MinimumMemory), an error share outside [0, 1], a negative p99.
func (g Goals) Check(sc *scenarios.Scenario, allowDaemon bool) error {
	if g.MemoryBudget <= 0 {
		return fmt.Errorf("memory budget %s: want a positive size", g.MemoryBudget)
	}
	if need, how := MinimumMemory(sc, allowDaemon); g.MemoryBudget < need {
		return fmt.Errorf("memory budget %.1f MB is impossible: even one process needs %.1f MB (%s)%w", g.MemoryBudget.MiBs(), need.MiBs(), how, quiet(ErrImpossible))
	}
	if g.Errors < 0 || g.Errors > 1 || math.IsNaN(g.Errors) {
		return fmt.Errorf("error budget %g%%: want 0%% to 100%%", 100*g.Errors)
	}
	if g.P99 < 0 {
		return fmt.Errorf("p99 goal %s: want a positive duration", g.P99)
	}
	return nil
}

// A Judgement is how a candidate fares against the goals.
type Judgement struct {
	// WorstPeakMB is the largest peak PSS over the replications (with R ≤
	// 100 replications, the 99th percentile of them is the largest).
	WorstPeakMB float64 `json:"worst_peak_pss_mb"`
	OOMKills    float64 `json:"oom_kills_max"`
	P99HiMS     float64 `json:"p99_hi_ms"`    // upper 95% bound of the mean p99; +Inf when no request completed
	ErrorsHi    float64 `json:"errors_hi"`    // upper 95% bound of the mean failed share
	Memory      bool    `json:"meets_memory"` // the memory goal
	P99         bool    `json:"meets_p99"`
	Errors      bool    `json:"meets_errors"`
	Why         string  `json:"why,omitempty"` // the goals it fails, with the numbers
}

// Meets reports whether every goal is met.
func (j Judgement) Meets() bool { return j.Memory && j.P99 && j.Errors }

// hi is the upper 95% bound of e's mean (the mean with one replication);
// +Inf without a value.
func hi(e validate.Estimate) float64 {
	switch {
	case e.N == 0:
		return math.Inf(1)
	case e.Hi != nil:
		return *e.Hi
	}
	return e.Mean
}

// Judge judges one evaluated candidate.
func (g Goals) Judge(r sweep.Result) Judgement {
	var j Judgement
	for _, v := range r.Values[sweep.MetricIndex("peak_pss_mb")] {
		j.WorstPeakMB = max(j.WorstPeakMB, v)
	}
	for _, v := range r.Values[sweep.MetricIndex("oom_kills")] {
		j.OOMKills = max(j.OOMKills, v)
	}
	j.P99HiMS = hi(r.Estimate("latency_p99_ms"))
	j.ErrorsHi = hi(r.Estimate("failed_share"))
	budget := g.MemoryBudget.MiBs()
	j.Memory = j.WorstPeakMB <= budget && j.OOMKills == 0
	j.P99 = g.P99 == 0 || j.P99HiMS <= float64(g.P99)/float64(time.Millisecond)
	j.Errors = j.ErrorsHi <= g.Errors
	var why []string
	if j.OOMKills > 0 {
		why = append(why, fmt.Sprintf("OOM kills (up to %.0f in a replication)", j.OOMKills))
	}
	if j.WorstPeakMB > budget {
		why = append(why, fmt.Sprintf("peak memory %.0f MB > budget %.0f MB", j.WorstPeakMB, budget))
	}
	if !j.P99 {
		why = append(why, fmt.Sprintf("p99 up to %s > %s", fmtMS(j.P99HiMS), g.P99))
	}
	if !j.Errors {
		why = append(why, fmt.Sprintf("errors up to %s > %s", fmtShare(j.ErrorsHi), fmtShare(g.Errors)))
	}
	j.Why = strings.Join(why, "; ")
	return j
}

// better reports whether candidate a ranks before b (the rule in doc.go).
func (g Goals) better(a, b *Candidate) bool {
	ja, jb := a.Judgement, b.Judgement
	if ta, tb := tier(ja), tier(jb); ta != tb {
		return ta < tb
	}
	var keys [][2]float64
	switch tier(ja) {
	case 0: // meets every goal
		if g.P99 > 0 {
			ma, mb := ja.WorstPeakMB, jb.WorstPeakMB
			if math.Abs(ma-mb) < memoryResolutionMB {
				ma, mb = 0, 0 // the same memory, to a budget's resolution
			}
			keys = [][2]float64{{ma, mb}, {float64(a.workers()), float64(b.workers())}, {ja.P99HiMS, jb.P99HiMS}}
		} else {
			keys = [][2]float64{{ja.P99HiMS, jb.P99HiMS}, {ja.WorstPeakMB, jb.WorstPeakMB}}
		}
	case 1: // meets the memory goal only
		keys = [][2]float64{{max(ja.ErrorsHi-g.Errors, 0), max(jb.ErrorsHi-g.Errors, 0)},
			{ja.P99HiMS, jb.P99HiMS}, {ja.WorstPeakMB, jb.WorstPeakMB}}
	default: // over the memory budget: the least memory
		keys = [][2]float64{{ja.OOMKills, jb.OOMKills}, {ja.WorstPeakMB, jb.WorstPeakMB}, {ja.P99HiMS, jb.P99HiMS}}
	}
	for _, k := range keys {
		if k[0] != k[1] {
			return k[0] < k[1]
		}
	}
	return a.order < b.order
}

// memoryResolutionMB is the least difference in peak memory that ranks one
// server that meets the goals before another (see doc.go).
const memoryResolutionMB = 1.0

// workers is the candidate's capacity, processes × threads (its search
// keys k and t; 0 for a comparison outside the search).
func (c *Candidate) workers() int { return c.k * max(c.t, 1) }

func tier(j Judgement) int {
	switch {
	case j.Meets():
		return 0
	case j.Memory:
		return 1
	}
	return 2
}

// best returns the candidate that ranks first.
func (g Goals) best(cs []*Candidate) *Candidate {
	var b *Candidate
	for _, c := range cs {
		if b == nil || g.better(c, b) {
			b = c
		}
	}
	return b
}

func fmtMS(ms float64) string {
	switch {
	case math.IsInf(ms, 1):
		return "none completed"
	case ms >= 10000:
		return fmt.Sprintf("%.1fs", ms/1000)
	case ms >= 1000:
		return fmt.Sprintf("%.2fs", ms/1000)
	}
	return fmt.Sprintf("%.0fms", ms)
}

func fmtShare(s float64) string {
	switch {
	case s == 0:
		return "0%"
	case s < 0.001:
		return fmt.Sprintf("%.3f%%", 100*s)
	case s < 0.1:
		return fmt.Sprintf("%.2f%%", 100*s)
	}
	return fmt.Sprintf("%.1f%%", 100*s)
}

// quiet wraps a sentinel error without adding to the message.
func quiet(err error) error { return quietError{err} }

type quietError struct{ err error }

func (e quietError) Error() string { return "" }
func (e quietError) Unwrap() error { return e.err }
