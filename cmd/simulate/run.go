package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/forkcast/forkcast/models"
	pl "github.com/forkcast/forkcast/plots"
	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

func init() {
	register(command{name: "run", summary: "simulate a scenario (default: the built-in " + scenarios.DefaultBuiltin + ")", run: runCmd})
}

func runCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", "run [FILE|BUILTIN] [--variant NAME] [--seed N] [--duration D] [--set KEY=VALUE]... [--out DIR] [--no-plots] [--force]", stderr)
	var sf scenarioFlags
	sf.register(fs)
	sf.registerForce(fs, true)
	out := fs.String("out", "", "output `DIR` (default out/<scenario>[-<variant>])")
	noPlots := fs.Bool("no-plots", false, "do not draw figures")
	arg, err := scenarioArg(fs, args)
	if err != nil {
		return err
	}
	sc, err := sf.open(arg)
	if err != nil {
		return err
	}
	if sc.Variant == "" && len(sc.Variants) > 0 {
		fmt.Fprintf(stderr, "note: %s defines variants %s; this runs its base scenario (--variant NAME runs one, simulate compare %s runs them all)\n",
			sc.Name, strings.Join(sc.Variants, ", "), arg)
	}
	dir := *out
	if dir == "" {
		dir = defaultOutDir(sc)
	}
	if err := results.CheckOutput(dir, true); err != nil {
		return err // before any work: something not forkcast's is in the way
	}
	ctx, done, err := budget(sf.force, stderr, sc)
	if err != nil {
		return err
	}
	defer done()
	collectAtDefault()
	began := time.Now()
	// Rows and log lines go to their files as the simulation produces
	// them, so a run of days needs no more memory than one of minutes;
	// the figures show what the files hold: a follower thins their rows
	// as they are written, and readies the images, on the core the
	// simulation leaves free.
	var run results.Run
	err = results.Publish(dir, results.SourceSimulator, true, func(tmp string) error {
		w, err := results.NewWriter(tmp, results.SimulatorEpoch)
		if err != nil {
			return err
		}
		var sink models.Sink = w
		var drawing *pl.Follower
		if !*noPlots {
			drawing = pl.Follow(sc.Interval.Seconds())
			defer drawing.Stop()
			sink = followed{w, drawing}
		}
		run, err = models.SimulateInto(ctx, sc, withProgress(sink, stderr))
		if err != nil {
			w.Abort()
			return internalError(err, sc, stderr)
		}
		if run.Scenario, err = scenarios.Format(sc); err != nil {
			w.Abort()
			return err
		}
		if err := w.Close(run); err != nil {
			return err
		}
		if drawing == nil {
			return nil
		}
		return drawing.Run(tmp)
	})
	if err != nil {
		return err
	}
	wall := time.Since(began) // the run's whole time, files and figures included
	printSummary(stdout, run)
	fmt.Fprintf(stdout, "\nsimulated %s in %s (%.0f× real time); wrote %s\n",
		sc.Duration, wall.Round(time.Millisecond), sc.Duration.Seconds()/wall.Seconds(), dir)
	return nil
}

// followed is a run's sink that also gives each row to the follower
// drawing the run's figures.
type followed struct {
	models.Sink
	drawing *pl.Follower
}

func (f followed) Row(r results.Row) error {
	if err := f.Sink.Row(r); err != nil {
		return err
	}
	f.drawing.Row(r)
	return nil
}

// simulate runs the model and attaches the resolved scenario.
func simulate(sc *scenarios.Scenario) (results.Run, error) {
	run, err := models.Simulate(sc)
	if err != nil {
		return run, err
	}
	run.Scenario, err = scenarios.Format(sc)
	return run, err
}

func defaultOutDir(sc *scenarios.Scenario) string {
	name := sc.Name
	if sc.Variant != "" {
		name += "-" + sc.Variant
	}
	return filepath.Join("out", name)
}

// fillRun writes a run's files and, if asked, its figures into dir.
func fillRun(dir string, run results.Run, plots bool) error {
	if err := results.WriteFiles(dir, run); err != nil {
		return err
	}
	if plots {
		return pl.Run(dir, run)
	}
	return nil
}

// printSummary prints the short human summary of a run.
func printSummary(w io.Writer, run results.Run) {
	s := run.Summary
	title := s.Scenario
	if s.Variant != "" {
		title += " [" + s.Variant + "]"
	}
	fmt.Fprintf(w, "%s — %s, %s mode, seed %d, %gs (%s)\n", title, s.MPM, s.Mode, s.Seed, s.DurationS, s.Source)
	fmt.Fprintf(w, "  processes  peak %d Apache children, %d mod_wsgi daemons (%d with the parent)\n",
		s.Peak.ApacheChildren, s.Peak.DaemonProcesses, s.Peak.Processes)
	fmt.Fprintf(w, "  memory     peak PSS %.0f MB, RSS %.0f MB; RAM %.0f MB + swap %.0f MB\n", s.Peak.PSSMB, s.Peak.RSSMB, s.RAMMB, s.SwapMB)
	if s.Requests.Completed == 0 {
		fmt.Fprintf(w, "  latency    none completed: no response time to report\n")
	} else {
		fmt.Fprintf(w, "  latency    p50 %s  p90 %s  p99 %s  max %s\n", msString(s.Latency.P50), msString(s.Latency.P90), msString(s.Latency.P99), msString(s.Latency.Max))
	}
	r := s.Requests
	f := r.Failures
	fmt.Fprintf(w, "  requests   %d offered, %d completed (%.1f/s), %d failed, %d unfinished\n", r.Offered, r.Completed, s.Throughput, r.Failed, r.Unfinished)
	if r.Failed > 0 {
		fmt.Fprintf(w, "  failures   408: %d  500: %d  503: %d  504: %d  refused: %d  reset: %d  client timeout: %d\n", f.S408, f.S500, f.S503, f.S504, f.Refused, f.Reset, f.ClientTimeout)
	}
	fmt.Fprintf(w, "  children   %d spawned, %d killed idle, %d recycled; %d app imports; %d OOM kills\n", s.Spawns, s.Kills, s.Recycled, s.Imports, s.OOMKills)
	if s.DaemonStarts > 0 {
		fmt.Fprintf(w, "  daemons    %d started, %d restarts\n", s.DaemonStarts, s.DaemonRestarts)
	}
	for _, rs := range s.Restarts {
		fmt.Fprintf(w, "  %-10s %s\n", "restart", restartLine(rs))
	}
	if n := s.LogCounts; len(n) > 0 {
		var counts []string
		for _, k := range sortedKeys(n) {
			counts = append(counts, fmt.Sprintf("%s×%d", k, n[k]))
		}
		fmt.Fprintf(w, "  error log  %s\n", strings.Join(counts, " "))
	}
}

// restartLine is what one [[event]] cost, on one line: e.g. "graceful_restart
// at 10s: 1.42s disturbed, 0 failed, 38 slower than p99 96ms; new children
// after 0.12s, daemons after 0.11s; 1 extra fork; peak PSS 212 MB".
func restartLine(r results.Restart) string {
	what := r.Action
	if r.Group != "" {
		what += " " + r.Group
	}
	line := fmt.Sprintf("%s at %gs: %s disturbed, %d failed, %d slower than p99 %s", what, r.AtS,
		msString(r.WindowS*1000), r.Failed, r.Delayed, msString(r.BaselineP99MS))
	var births []string
	if r.FirstChildS != nil {
		births = append(births, "children after "+msString(*r.FirstChildS*1000))
	}
	if r.FirstDaemonS != nil {
		births = append(births, "daemons after "+msString(*r.FirstDaemonS*1000))
	}
	if len(births) > 0 {
		line += "; new " + strings.Join(births, ", ")
	}
	return line + fmt.Sprintf("; %d extra forks; peak PSS %.0f MB", r.ExtraForks, r.PeakPSSMB)
}

func msString(v float64) string {
	switch {
	case v >= 10000:
		return fmt.Sprintf("%.1fs", v/1000)
	case v >= 1000:
		return fmt.Sprintf("%.2fs", v/1000)
	}
	return fmt.Sprintf("%.0fms", v)
}

// progress wraps a run's sink and, on a terminal, shows how far the run
// has got: simulated time, wall time and the time left, on one line of
// stderr rewritten twice a second. Elsewhere (a pipe, a file, CI) it says
// nothing.
type progress struct {
	models.Sink
	w            io.Writer
	began, shown time.Time
}

func withProgress(sink models.Sink, stderr io.Writer) models.Sink {
	if !isTerminal(stderr) {
		return sink
	}
	now := time.Now()
	return &progress{Sink: sink, w: stderr, began: now, shown: now}
}

// Progress implements models.ProgressSink.
func (p *progress) Progress(done, total time.Duration) {
	now := time.Now()
	if now.Sub(p.shown) < 500*time.Millisecond && done < total {
		return
	}
	p.shown = now
	wall := now.Sub(p.began)
	left := "?"
	if done > 0 {
		left = (time.Duration(float64(wall) * float64(total-done) / float64(done))).Round(time.Second).String()
	}
	fmt.Fprintf(p.w, "\rsimulated %s of %s in %s; about %s left   ", done.Round(time.Second), total, wall.Round(time.Second), left)
	if done >= total {
		fmt.Fprintln(p.w)
	}
}
