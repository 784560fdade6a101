package main

import (
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"text/tabwriter"

	"github.com/forkcast/forkcast/validate"
)

// suiteCoverage adds up the reports' coverage, naming the values outside
// their interval after their case (names[i] for reps[i]).
func suiteCoverage(reps []*validate.Report, names []string) validate.Coverage {
	var total validate.Coverage
	for i, r := range reps {
		total.Add(r, names[i]+".")
	}
	return total
}

// writeCoverage finishes a suite's summary line with the coverage of the
// one-run intervals over reps, then writes the rank histogram, over all
// values and metric by metric.
func writeCoverage(w io.Writer, total validate.Coverage, reps []*validate.Report) {
	fmt.Fprintf(w, "coverage %d of %d measured values inside their one-run 95%% interval (%.0f%%), mean interval width %.0f%% of the predicted mean\n",
		total.Inside, total.Total, 100*total.Share, 100*total.MeanWidth)
	if total.Ranks.N == 0 {
		return
	}
	fmt.Fprintf(w, "suite %s\nranks by metric, fifths lowest first:\n", total.Ranks.Text())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, name := range validate.Names() {
		var h validate.Ranks
		for _, r := range reps {
			for _, m := range r.Metrics {
				if m.Name == name && m.Rank != nil {
					h.Add(*m.Rank)
				}
			}
		}
		if h.N > 0 {
			fmt.Fprintf(tw, "  %s	%d	%s\n", name, h.N, h)
		}
	}
	tw.Flush()
}

// validateSummary adds up the validations already written under dirs —
// every validation.json below them, say a suite measured several times —
// case by case and over all: metrics passing, coverage of the one-run
// intervals, and where the measured values ranked among the
// replications. Nothing is simulated or measured. Over many runs of a
// case the ranks show whether the model gives a two-way outcome its real
// odds, which no single run can.
func validateSummary(dirs []string, stdout io.Writer) error {
	if len(dirs) == 0 {
		return usagef("--summary: expected the directories of earlier validations")
	}
	type group struct {
		name           string
		reps           []*validate.Report
		metrics, fails int
	}
	var groups []*group
	byName := map[string]*group{}
	var all []*validate.Report
	var names []string
	for _, dir := range dirs {
		var found int
		root, err := filepath.EvalSymlinks(dir) // a link named on the command line is followed, as find -H does
		if err != nil {
			return usagef("--summary %s: %v", dir, err)
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || d.Name() != "validation.json" {
				return err
			}
			r, err := validate.ReadFile(path)
			if err != nil {
				return err
			}
			found++
			name := r.Scenario
			if r.Variant != "" {
				name += "[" + r.Variant + "]"
			}
			g := byName[name]
			if g == nil {
				g = &group{name: name}
				byName[name] = g
				groups = append(groups, g)
			}
			g.reps = append(g.reps, r)
			g.metrics += len(r.Metrics)
			g.fails += len(r.Failed)
			all, names = append(all, r), append(names, name)
			return nil
		})
		if err != nil {
			return usagef("--summary %s: %v", dir, err)
		}
		if found == 0 {
			return usagef("--summary %s: no validation.json below it (the output of simulate validate)", dir)
		}
	}
	slices.SortFunc(groups, func(a, b *group) int {
		if a.name < b.name {
			return -1
		}
		return 1
	})
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "case	runs	metrics passing	own runs passing	coverage	mean 95% width	ranks, fifths lowest first	")
	metrics, fails := 0, 0
	for _, g := range groups {
		c := suiteCoverage(g.reps, make([]string, len(g.reps)))
		ranks := "none (older validations, or every value predicted exactly)"
		if c.Ranks.N > 0 {
			ranks = c.Ranks.String()
		}
		fmt.Fprintf(tw, "%s	%d	%d/%d	%s	%d/%d	%.0f%%	%s\n", g.name, len(g.reps), g.metrics-g.fails, g.metrics,
			ownRuns(g.reps...), c.Inside, c.Total, 100*c.MeanWidth, ranks)
		metrics, fails = metrics+g.metrics, fails+g.fails
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\n%d validations of %d cases: metrics %d of %d pass; ", len(all), len(groups), metrics-fails, metrics)
	writeCoverage(stdout, suiteCoverage(all, names), all)
	cases := make([][]*validate.Report, len(groups))
	for i, g := range groups {
		cases[i] = g.reps
	}
	writeSelf(stdout, cases)
	return nil
}

// writeSelf sets the measured misses beside what the model's own runs
// miss (validate.SelfCheck). cases holds each case's validations; a case
// whose validations have no self-check (fewer than 3 replications, or
// written before there was one) is left out, and said to be.
func writeSelf(w io.Writer, cases [][]*validate.Report) {
	judged, left := 0, 0
	var measured, self float64 // metrics missed by a run of every case, on average
	allPass := 1.0             // the chance that the model's run of every case passes every metric, the cases independent
	for _, reps := range cases {
		var fails, misses, pass float64
		n := 0
		for _, r := range reps {
			if r.Self == nil {
				continue
			}
			n++
			fails += float64(len(r.Failed))
			misses += r.Self.ExpectedMisses()
			pass += r.Self.PassShare()
		}
		if n == 0 {
			left++
			continue
		}
		judged++
		measured += fails / float64(n)
		self += misses / float64(n)
		allPass *= pass / float64(n)
	}
	if judged == 0 {
		return
	}
	cases1 := func(n int) string {
		if n == 1 {
			return "1 case"
		}
		return fmt.Sprintf("%d cases", n)
	}
	fmt.Fprintf(w, "the model against itself (each replication judged as the measurement against the others), over %s: a run of each misses %.2f metrics on average and passes every metric with probability %.0f%%; the measured runs missed %.2f",
		cases1(judged), self, 100*allPass, measured)
	if left > 0 {
		fmt.Fprintf(w, " (%s without a self-check left out)", cases1(left))
	}
	fmt.Fprintln(w)
}

// ownRuns is the "own runs passing" column: of the replications of reps
// judged against their fellows (validate.SelfCheck), those that passed
// every metric; "-" when none was.
func ownRuns(reps ...*validate.Report) string {
	passed, runs := 0, 0
	for _, r := range reps {
		if r.Self != nil {
			passed, runs = passed+r.Self.Passed, runs+r.Self.Runs
		}
	}
	if runs == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d", passed, runs)
}
