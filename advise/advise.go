package advise

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sweep"
	"github.com/forkcast/forkcast/validate"
)

// A Report is an advice: the recommendation, its verification on fresh
// replications, the alternatives and what the search saw.
type Report struct {
	Scenario     string   `json:"scenario"`
	Goals        Goals    `json:"goals"`
	Replications int      `json:"replications"`
	Seeds        []uint64 `json:"seeds"`        // the search's (replications 0 … R−1)
	VerifySeeds  []uint64 `json:"verify_seeds"` // the verification's (R … 2R−1)

	Recommended *Candidate `json:"recommended"`
	// MeetsGoals: the recommendation meets every goal in the search;
	// otherwise Binding says which goal binds.
	MeetsGoals bool   `json:"meets_goals"`
	Binding    string `json:"binding,omitempty"`
	// Verified is the recommendation judged on the fresh replications.
	Verified        Judgement         `json:"verified"`
	VerifiedFigures map[string]Figure `json:"verified_figures"`

	Alternatives []*Candidate `json:"alternatives"` // current settings, Debian's, apache2buddy's, mod_wsgi-express's
	Notes        []string     `json:"notes,omitempty"`
	// Front is the Pareto front of worst peak memory against the p99 upper
	// bound among the candidates within the memory budget.
	Front     []*Candidate `json:"pareto_front"`
	Evaluated []*Candidate `json:"evaluated"` // every candidate, in the order evaluated
	Families  []string     `json:"families"`
	// Replays are the settings played on a real Apache (--verify).
	Replays []Replay      `json:"replays,omitempty"`
	Wall    time.Duration `json:"-"`
}

// Advise searches the settings of src's scenario for goals (doc.go),
// verifies the recommendation on fresh replications and evaluates the
// alternatives under the same random numbers.
func Advise(ctx context.Context, src sweep.Source, goals Goals, opts Options) (*Report, error) {
	began := time.Now()
	if opts.Replications < 1 {
		return nil, fmt.Errorf("advise: %d replications: want 1 or more", opts.Replications)
	}
	base, err := src.Load()
	if err != nil {
		return nil, err
	}
	if err := goals.Check(base, opts.AllowDaemon); err != nil {
		return nil, err
	}
	fams, err := families(base, goals, opts.AllowMPM, opts.AllowDaemon)
	if err != nil {
		return nil, err
	}
	e := &evaluator{ctx: ctx, src: src, goals: goals, opts: opts, seen: map[string]*Candidate{}}
	rep := &Report{Scenario: base.Name, Goals: goals, Replications: opts.Replications,
		Seeds: sweep.Seeds(base.Seed, 2*opts.Replications)[:opts.Replications]}
	for r := opts.Replications; r < 2*opts.Replications; r++ {
		rep.VerifySeeds = append(rep.VerifySeeds, sweep.Seed(base.Seed, r))
	}

	// The search: each family, each inner value, one dimension at a time.
	var bests []*Candidate
	for _, f := range fams {
		rep.Families = append(rep.Families, f.name)
		bs, err := e.searchFamily(f)
		if err != nil {
			return nil, err
		}
		bests = append(bests, bs...)
	}
	best := goals.best(bests)
	// Then the winner's extras: spare servers, a daemon's queue-timeout.
	if f := best.fam; f != nil && f.extras != nil {
		var cs []*Candidate
		for _, v := range f.extras(best.k, best.t) {
			c, err := e.candidate(f.name, v.label, v.sets)
			if err != nil {
				return nil, err
			}
			cs = append(cs, c)
		}
		done, err := e.run(f.name+": spares and timeouts", cs...)
		if err != nil {
			return nil, err
		}
		best = goals.best(append(done, best))
	}
	if best.Judgement.Tier() == 2 {
		return nil, fmt.Errorf("memory budget %.0f MB is impossible for this traffic: the least memory any searched setting used was %.0f MB at worst (%s)%w",
			goals.MemoryBudget.MiBs(), best.Judgement.WorstPeakMB, best.Label, quiet(ErrImpossible))
	}
	rep.Recommended = best
	rep.MeetsGoals = best.Judgement.Meets()
	if !rep.MeetsGoals {
		rep.Binding = binding(goals, e.all)
	}

	// The alternatives, under the same replications.
	alts, notes, err := alternatives(e, base, goals)
	if err != nil {
		return nil, err
	}
	rep.Alternatives, rep.Notes = alts, notes
	for _, a := range alts {
		if a.key != best.key && goals.better(a, best) {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s ranks before the recommendation by the rule (%.0f MB at worst, p99 up to %s): it differs in settings the search keeps as they are (doc.go): consider it",
				a.Label, a.Judgement.WorstPeakMB, fmtMS(a.Judgement.P99HiMS)))
		}
	}

	// Verification on replications the search never saw.
	res, err := Replicate(ctx, best.Scenario, opts.Replications, 2*opts.Replications, opts.Sweep)
	if err != nil {
		return nil, err
	}
	rep.Verified = goals.Judge(res)
	rep.VerifiedFigures = figures(res)

	rep.Front = front(e.all)
	rep.Evaluated = e.all
	rep.Wall = time.Since(began)
	return rep, nil
}

// Tier is 0 when every goal is met, 1 when only the memory goal is, 2
// when not even that.
func (j Judgement) Tier() int { return tier(j) }

// Replicate runs sc in replications from … to−1 (seeds sweep.Seed(sc.Seed,
// r)) and returns the metrics' values and estimates.
func Replicate(ctx context.Context, sc *scenarios.Scenario, from, to int, opts sweep.Options) (sweep.Result, error) {
	var runs []sweep.Run
	for r := from; r < to; r++ {
		runs = append(runs, sweep.Run{Point: 0, Rep: r})
	}
	vals, err := sweep.Simulate(ctx, []*scenarios.Scenario{sc}, runs, opts)
	if err != nil {
		return sweep.Result{}, err
	}
	res := sweep.Result{Values: make([][]float64, len(sweep.Metrics)), Estimates: make([]validate.Estimate, len(sweep.Metrics))}
	for m := range sweep.Metrics {
		var have []float64
		for i := range runs {
			v := vals[i][m]
			res.Values[m] = append(res.Values[m], v)
			if !math.IsNaN(v) {
				have = append(have, v)
			}
		}
		res.Estimates[m] = validate.NewEstimate(have)
	}
	return res, nil
}

// binding names the goal that no candidate within the memory budget meets.
func binding(g Goals, all []*Candidate) string {
	var withinP99, withinErr, both, overBoth bool
	bestP99, bestErr := math.Inf(1), math.Inf(1)
	for _, c := range all {
		j := c.Judgement
		if j.P99 && j.Errors && !j.Memory {
			overBoth = true
		}
		if !j.Memory {
			continue
		}
		bestP99, bestErr = min(bestP99, j.P99HiMS), min(bestErr, j.ErrorsHi)
		withinP99 = withinP99 || j.P99
		withinErr = withinErr || j.Errors
		both = both || j.P99 && j.Errors
	}
	budget := fmt.Sprintf("%.0f MB", g.MemoryBudget.MiBs())
	switch {
	case overBoth:
		return fmt.Sprintf("the memory budget (%s) binds: settings that meet the latency and error goals need more memory; the recommendation is the best within the budget", budget)
	case !withinP99 && !withinErr:
		return fmt.Sprintf("the p99 and error goals bind: within %s the best p99 is %s (goal %s) and the fewest errors %s (goal %s)", budget, fmtMS(bestP99), g.P99, fmtShare(bestErr), fmtShare(g.Errors))
	case !withinP99:
		return fmt.Sprintf("the p99 goal binds: within %s the best p99 is %s (goal %s)", budget, fmtMS(bestP99), g.P99)
	case !withinErr:
		return fmt.Sprintf("the error goal binds: within %s the fewest errors are %s (goal %s)", budget, fmtShare(bestErr), fmtShare(g.Errors))
	case !both:
		return "the p99 and error goals conflict: settings that meet one miss the other"
	}
	return ""
}

// front is the Pareto front of worst peak memory against the p99 upper
// bound among the candidates within the memory budget, by memory.
func front(all []*Candidate) []*Candidate {
	var in []*Candidate
	var xs, ys []float64
	for _, c := range all {
		if c.Judgement.Memory && !math.IsInf(c.Judgement.P99HiMS, 1) {
			in = append(in, c)
			xs, ys = append(xs, c.Judgement.WorstPeakMB), append(ys, c.Judgement.P99HiMS)
		}
	}
	var out []*Candidate
	for _, i := range sweep.ParetoFront(xs, ys) {
		out = append(out, in[i])
	}
	return out
}
