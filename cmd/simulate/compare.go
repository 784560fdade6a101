package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/forkcast/forkcast/plots"
	"github.com/forkcast/forkcast/pool"
	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

func init() {
	register(command{name: "compare", summary: "run every variant of a scenario under common random numbers, side by side", run: compareCmd})
}

func compareCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("compare", "compare FILE|BUILTIN [--seed N] [--duration D] [--set KEY=VALUE]... [--out DIR] [--no-plots] [--jobs N] [--force]", stderr)
	var sf scenarioFlags
	sf.register(fs)
	sf.registerForce(fs, true)
	out := fs.String("out", "", "output `DIR` (default out/<scenario>); each variant in a subdirectory")
	noPlots := fs.Bool("no-plots", false, "do not draw figures")
	jobs := jobsFlag(fs)
	arg, err := scenarioArg(fs, args)
	if err != nil {
		return err
	}
	if err := checkJobs(*jobs); err != nil {
		return err
	}
	if sf.variant != "" {
		return usagef("compare runs every variant; --variant does not apply (use run)")
	}
	base, err := sf.open(arg)
	if err != nil {
		return err
	}
	variants := base.Variants
	if len(variants) < 2 {
		// Nothing to set side by side: refused before anything runs, as
		// bad input (it was found only after simulating, by the figures).
		has := "no variants"
		if len(variants) == 1 {
			has = "one variant, " + variants[0]
		}
		return usagef("%s has %s: compare runs a scenario's variants side by side and needs two or more ([variant.NAME] tables; simulate scenarios lists the built-ins'); to simulate it once, use simulate run", arg, has)
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("out", base.Name)
	}
	// Load every variant first, so a bad one stops the command before
	// anything is written. The same seed gives every variant the same
	// arrivals and requests (common random numbers).
	var scs []*scenarios.Scenario
	for _, v := range variants {
		vf := sf
		vf.variant = v
		sc, err := vf.open(arg)
		if err != nil {
			return err
		}
		scs = append(scs, sc)
	}
	if err := results.CheckOutput(dir, true); err != nil {
		return err
	}
	ctx, done, err := budget(sf.force, stderr, scs...)
	if err != nil {
		return err
	}
	defer done()
	// The variants are independent simulations: they run on every core and
	// come back in the scenario's order (package pool).
	runs, err := pool.Map(ctx, *jobs, len(scs), func(i int) (results.Run, error) {
		return simulateIn(ctx, scs[i], stderr)
	})
	if err != nil {
		return err
	}
	// One output: every variant in its subdirectory and the comparison
	// figures, replacing an older comparison only once all are written.
	names := make([]string, len(runs))
	for i, sc := range scs {
		names[i] = sc.Variant
		if names[i] == "" {
			names[i] = "base"
		}
	}
	err = results.Publish(dir, "compare", true, func(tmp string) error {
		// Each variant's files and figures go to its own subdirectory, so
		// they too are drawn in parallel.
		_, err := pool.Map(context.Background(), *jobs, len(runs), func(i int) (struct{}, error) {
			return struct{}{}, fillRun(filepath.Join(tmp, names[i]), runs[i], !*noPlots)
		})
		if err != nil || *noPlots {
			return err
		}
		return plots.Compare(tmp, runs, names)
	})
	if err != nil {
		return err
	}
	printComparison(stdout, runs)
	fmt.Fprintf(stdout, "\nwrote %s\n", dir)
	return nil
}

// printComparison prints the runs' headline figures side by side.
func printComparison(w io.Writer, runs []results.Run) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(label string, f func(s results.Summary) string) {
		cells := []string{label}
		for _, r := range runs {
			cells = append(cells, f(r.Summary))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	row("", func(s results.Summary) string {
		if s.Variant == "" {
			return "base"
		}
		return s.Variant
	})
	row("MPM / mode", func(s results.Summary) string { return s.MPM + "/" + s.Mode })
	row("peak Apache children", func(s results.Summary) string { return fmt.Sprint(s.Peak.ApacheChildren) })
	row("peak daemon processes", func(s results.Summary) string { return fmt.Sprint(s.Peak.DaemonProcesses) })
	row("peak PSS MB", func(s results.Summary) string { return fmt.Sprintf("%.0f", s.Peak.PSSMB) })
	row("peak RSS MB", func(s results.Summary) string { return fmt.Sprintf("%.0f", s.Peak.RSSMB) })
	latency := func(v func(results.Latency) float64) func(results.Summary) string {
		return func(s results.Summary) string {
			if s.Requests.Completed == 0 {
				return "none completed"
			}
			return msString(v(s.Latency))
		}
	}
	row("latency p50", latency(func(l results.Latency) float64 { return l.P50 }))
	row("latency p99", latency(func(l results.Latency) float64 { return l.P99 }))
	row("latency max", latency(func(l results.Latency) float64 { return l.Max }))
	row("offered", func(s results.Summary) string { return fmt.Sprint(s.Requests.Offered) })
	row("completed", func(s results.Summary) string { return fmt.Sprint(s.Requests.Completed) })
	row("failed", func(s results.Summary) string { return fmt.Sprint(s.Requests.Failed) })
	row("throughput /s", func(s results.Summary) string { return fmt.Sprintf("%.1f", s.Throughput) })
	row("spawns / kills", func(s results.Summary) string { return fmt.Sprintf("%d / %d", s.Spawns, s.Kills) })
	row("app imports", func(s results.Summary) string { return fmt.Sprint(s.Imports) })
	row("OOM kills", func(s results.Summary) string { return fmt.Sprint(s.OOMKills) })
	tw.Flush()
}
