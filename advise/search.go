package advise

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sweep"
)

// A Candidate is one setting of the server: overrides over the scenario,
// evaluated over the search's replications.
type Candidate struct {
	Label     string               `json:"label"`  // what is set, in Apache's words
	Family    string               `json:"family"` // MPM and mode
	Sets      []scenarios.Override `json:"sets"`   // over the scenario
	Scenario  *scenarios.Scenario  `json:"-"`
	Result    sweep.Result         `json:"-"`
	Judgement Judgement            `json:"judgement"`
	Figures   map[string]Figure    `json:"figures"`
	order     int                  // evaluation order: the last tie-break
	key       string
	fam       *family // the family and values it was searched with; nil for comparisons
	k, t      int
}

// A Figure is one metric's estimate: mean and 95% interval of the mean.
type Figure struct {
	Mean float64  `json:"mean"`
	Lo   *float64 `json:"ci_lo,omitempty"`
	Hi   *float64 `json:"ci_hi,omitempty"`
	// RunLo … RunHi is the 95% prediction interval for one more run.
	RunLo *float64 `json:"run_lo,omitempty"`
	RunHi *float64 `json:"run_hi,omitempty"`
	N     int      `json:"n"`
}

// Options say how a search runs.
type Options struct {
	Replications int  // per candidate, search and verification alike
	AllowMPM     bool // may switch MPM
	AllowDaemon  bool // may switch from embedded to daemon mode
	Sweep        sweep.Options
	// Progress, if set, is told each batch of candidates as it starts.
	Progress func(evaluated int, what string)
}

// evaluator runs candidates once each, caching them by their overrides.
type evaluator struct {
	ctx   context.Context
	src   sweep.Source
	goals Goals
	opts  Options
	seen  map[string]*Candidate
	all   []*Candidate
}

// candidate makes (without running) a candidate from overrides.
func (e *evaluator) candidate(family, label string, sets []scenarios.Override) (*Candidate, error) {
	key := overridesKey(sets)
	if c, ok := e.seen[key]; ok {
		return c, nil
	}
	sc, err := e.src.Load(sets...)
	if err != nil {
		return nil, fmt.Errorf("advise: %s: %w", label, err)
	}
	return &Candidate{Label: label, Family: family, Sets: sets, Scenario: sc, key: key}, nil
}

func overridesKey(sets []scenarios.Override) string {
	parts := make([]string, len(sets))
	for i, o := range sets {
		parts[i] = o.String()
	}
	return strings.Join(parts, "\n")
}

// run evaluates the candidates not yet evaluated, all at once on the pool
// (replications 0 … R−1: common random numbers with every other candidate).
func (e *evaluator) run(what string, cs ...*Candidate) ([]*Candidate, error) {
	var fresh []*Candidate
	out := make([]*Candidate, len(cs))
	for i, c := range cs {
		if old, ok := e.seen[c.key]; ok {
			out[i] = old
			continue
		}
		e.seen[c.key] = c
		fresh = append(fresh, c)
		out[i] = c
	}
	if len(fresh) == 0 {
		return out, nil
	}
	if e.opts.Progress != nil {
		e.opts.Progress(len(e.all), what)
	}
	scs := make([]*scenarios.Scenario, len(fresh))
	for i, c := range fresh {
		scs[i] = c.Scenario
	}
	res, err := sweep.Evaluate(e.ctx, scs, e.opts.Replications, e.opts.Sweep)
	if err != nil {
		return nil, err
	}
	for i, c := range fresh {
		c.Result = res[i]
		c.Judgement = e.goals.Judge(res[i])
		c.Figures = figures(res[i])
		c.order = len(e.all)
		e.all = append(e.all, c)
	}
	return out, nil
}

// figures keeps the headline metrics' estimates.
func figures(r sweep.Result) map[string]Figure {
	out := map[string]Figure{}
	for _, m := range []string{"peak_pss_mb", "peak_processes", "latency_p50_ms", "latency_p99_ms", "failed_share", "throughput_rps", "oom_kills"} {
		e := r.Estimate(m)
		out[m] = Figure{Mean: e.Mean, Lo: e.Lo, Hi: e.Hi, RunLo: e.RunLo, RunHi: e.RunHi, N: e.N}
	}
	return out
}

// A family is the settings of one MPM and mode: make gives a candidate's
// overrides for the capacity key k (and the inner parameter t: threads).
type family struct {
	name  string
	base  []scenarios.Override // switches MPM or mode
	make  func(k, t int) (label string, sets []scenarios.Override)
	inner []int // values of t searched; each a one-dimensional search on k
	lo    int   // the least k
	hi    func(t int) int
	// stopEarly: with a p99 goal, once an inner value gives a candidate that
	// meets every goal, larger inner values (more memory) are not searched.
	stopEarly bool
	// extras lists the variants tried around the best k and t once the
	// search is done (spare servers; a daemon's queue-timeout), each a
	// label and the overrides of the whole candidate; nil: none.
	extras func(k, t int) []variant
}

// search1D finds the best k for one inner value t: a coarse geometric
// grid on [lo, hi], then refinement around the best (doc.go).
func (e *evaluator) search1D(f family, t int) (*Candidate, error) {
	lo, hi := f.lo, max(f.hi(t), f.lo)
	eval := map[int]*Candidate{}
	get := func(what string, ks ...int) error {
		var cs []*Candidate
		var idx []int
		for _, k := range ks {
			if _, ok := eval[k]; ok || k < lo || k > hi {
				continue
			}
			label, sets := f.make(k, t)
			c, err := e.candidate(f.name, label, append(append([]scenarios.Override(nil), f.base...), sets...))
			if err != nil {
				return err
			}
			if c.fam == nil {
				c.fam, c.k, c.t = &f, k, t
			}
			cs, idx = append(cs, c), append(idx, k)
		}
		done, err := e.run(what, cs...)
		if err != nil {
			return err
		}
		for i, c := range done {
			eval[idx[i]] = c
		}
		return nil
	}
	if err := get(f.name+": coarse grid", geometric(lo, hi, coarsePoints)...); err != nil {
		return nil, err
	}
	for {
		ks := sortedKeys(eval)
		cs := make([]*Candidate, len(ks))
		for i, k := range ks {
			cs[i] = eval[k]
		}
		b := e.goals.best(cs)
		i := slices.Index(cs, b)
		var next []int
		if i > 0 && ks[i]-ks[i-1] > 1 {
			next = append(next, (ks[i-1]+ks[i])/2)
		}
		// A candidate that meets every goal with a p99 goal is chosen for
		// its memory, which grows with k: nothing above it can do better.
		if i < len(ks)-1 && ks[i+1]-ks[i] > 1 && !(b.Judgement.Meets() && e.goals.P99 > 0) {
			next = append(next, (ks[i]+ks[i+1])/2)
		}
		if len(next) == 0 {
			return b, nil
		}
		if err := get(f.name+": refining", next...); err != nil {
			return nil, err
		}
	}
}

// A variant is a candidate's label and overrides.
type variant struct {
	label string
	sets  []scenarios.Override
}

// coarsePoints is the size of the coarse grid of each one-dimensional search.
const coarsePoints = 8

func sortedKeys(m map[int]*Candidate) []int {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	return ks
}

// geometric returns about n integers from lo to hi, both included, evenly
// spaced on a log scale (and never closer than 1).
func geometric(lo, hi, n int) []int {
	if hi <= lo {
		return []int{lo}
	}
	out := []int{lo}
	r := math.Pow(float64(hi)/float64(lo), 1/float64(n-1))
	for i := 1; i < n; i++ {
		k := int(math.Round(float64(lo) * math.Pow(r, float64(i))))
		k = min(max(k, out[len(out)-1]+1), hi)
		if k > out[len(out)-1] {
			out = append(out, k)
		}
	}
	if out[len(out)-1] != hi {
		out = append(out, hi)
	}
	return out
}

// searchFamily runs the one-dimensional search for each inner value and
// returns the best of each.
func (e *evaluator) searchFamily(f family) ([]*Candidate, error) {
	var out []*Candidate
	for _, t := range f.inner {
		b, err := e.search1D(f, t)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
		if f.stopEarly && e.goals.P99 > 0 && b.Judgement.Meets() {
			break
		}
	}
	return out, nil
}

func ov(key string, v any) scenarios.Override {
	switch x := v.(type) {
	case int:
		return scenarios.Override{Key: key, Value: strconv.Itoa(x)}
	case bool:
		return scenarios.Override{Key: key, Value: strconv.FormatBool(x)}
	case string:
		return scenarios.Override{Key: key, Value: strconv.Quote(x)}
	}
	panic(fmt.Sprintf("advise: override %s of type %T", key, v))
}
