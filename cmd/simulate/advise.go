package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	goruntime "runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/forkcast/forkcast/advise"
	"github.com/forkcast/forkcast/plots"
	"github.com/forkcast/forkcast/pool"
	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sweep"
)

func init() {
	register(command{name: "advise", summary: "search MPM and mod_wsgi settings that meet memory, p99 and error goals; verify them on fresh replications; compare with defaults", run: adviseCmd})
}

const adviseUsage = `advise FILE|BUILTIN [--memory-budget SIZE] [--p99 DURATION] [--errors PCT] [--replications R]
                      [--allow-mpm] [--allow-daemon] [--variant V] [--seed N] [--duration D] [--set KEY=VALUE]...
                      [--out DIR] [--jobs N] [--force] [--verify [--max-duration D]]

Searches the settings that matter for the scenario's MPM and mode (and, with --allow-mpm and
--allow-daemon, the other MPMs and daemon mode) for the cheapest that meets the goals, each candidate
replicated with common random numbers; verifies the recommendation on fresh replications; prints it
as Apache directives next to the current settings, Debian's defaults, apache2buddy's formula and
mod_wsgi-express's defaults. See docs/advise.md.`

// adviseMaxCandidates bounds the work estimate: the most candidates a
// family's search evaluates, coarse grids and refinements of each inner
// value (about 8 + 2·log₂ H each; docs/advise.md), rounded up.
const adviseMaxCandidates = 50

func adviseCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("advise", adviseUsage, stderr)
	var sf scenarioFlags
	sf.register(fs)
	budgetFlag := fs.String("memory-budget", "", "peak memory (total PSS) `SIZE` the worst replication may use, e.g. 3GiB (default: host.ram minus a tenth, at least 64 MiB, at most half)")
	p99 := fs.String("p99", "", "latency objective: the p99 response time's upper 95% bound, `DURATION` (default: none; then the fastest setting within the other goals)")
	errorsFlag := fs.String("errors", "0.1%", "error budget: failed requests (every cause) as a share of offered, `PCT` (0.1% or 0.001)")
	reps := fs.Int("replications", 0, "replications `R` per candidate, and R fresh ones to verify (default: the scenario's validate.replications)")
	allowMPM := fs.Bool("allow-mpm", false, "may recommend another MPM")
	allowDaemon := fs.Bool("allow-daemon", false, "may recommend mod_wsgi daemon mode instead of embedded mode")
	out := fs.String("out", "", "output `DIR` (default out/<scenario>[-<variant>]-advise)")
	force := fs.Bool("force", false, "run beyond the work limit, and replace an existing --out")
	jobs := jobsFlag(fs)
	verify := fs.Bool("verify", false, "replay the recommended and the current settings on this machine's Apache + mod_wsgi (when they fit it) and report predicted against measured")
	maxDur := fs.Duration("max-duration", 10*time.Minute, "with --verify: do not replay scenarios longer than `D`, unless --force")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := checkJobs(*jobs); err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("expected one scenario, got %s", strings.Join(pos, " "))
	}
	arg := ""
	if len(pos) == 1 {
		arg = pos[0]
	}
	if *reps < 0 || *reps == 1 {
		return usagef("--replications %d: want 2 or more (confidence intervals need two)", *reps)
	}
	sets, err := sf.overrides()
	if err != nil {
		return err
	}
	src, err := sweep.OpenSource(arg, sf.variant, sets)
	if err != nil {
		return err
	}
	base, err := src.Load()
	if err != nil {
		return err
	}
	var goals advise.Goals
	if goals.MemoryBudget, err = parseBudget(*budgetFlag, base); err != nil {
		return err
	}
	if *p99 != "" {
		d, err := time.ParseDuration(*p99)
		if err != nil || d <= 0 {
			return usagef("--p99 %q: want a positive duration such as 500ms or 2s", *p99)
		}
		goals.P99 = d
	}
	if goals.Errors, err = parsePercent(*errorsFlag); err != nil {
		return err
	}
	if err := goals.Check(base, *allowDaemon); err != nil {
		return usagef("%v", err)
	}
	if err := advise.Supports(base); err != nil {
		return usagef("%v", err)
	}
	if *verify {
		// A missing Apache is reported before anything runs (exit 3).
		if measureRuntime == nil {
			return errNoRuntime
		}
		if err := runtimeReady(); err != nil {
			return err
		}
	}
	opts := advise.Options{Replications: *reps, AllowMPM: *allowMPM, AllowDaemon: *allowDaemon, Sweep: sweep.Options{Jobs: *jobs}}
	if opts.Replications == 0 {
		opts.Replications = max(base.Validate.Replications, 2)
	}

	families := 1
	if *allowMPM {
		families += 2
	}
	if *allowDaemon {
		families += 2
	}
	work := time.Duration(families*adviseMaxCandidates+6) * 2 * time.Duration(opts.Replications) * sweep.RunCost(base)
	workers := pool.Workers(*jobs)
	if work > sweep.MaxWork && !*force {
		return usagef("refusing to run: the search is estimated at up to %s of CPU (%s on %d workers), more than the limit of %s: shorten the scenario (--duration), use fewer --replications, or pass --force",
			roundDuration(work), roundDuration(work/time.Duration(workers)), workers, sweep.MaxWork)
	}
	dir := *out
	if dir == "" {
		dir = defaultOutDir(base) + "-advise"
	}
	if err := results.CheckOutput(dir, *force); err != nil {
		return err
	}
	ctx, cancel, err := budget(*force, stderr, base)
	if err != nil {
		return err
	}
	if isTerminal(stderr) {
		opts.Progress = func(n int, what string) {
			fmt.Fprintf(stderr, "\r\033[K%d candidates evaluated; %s…", n, what)
		}
	}
	rep, err := advise.Advise(ctx, src, goals, opts)
	cancel()
	if opts.Progress != nil {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if err != nil {
		if errors.Is(err, advise.ErrImpossible) || errors.Is(err, advise.ErrUnsupported) {
			return usagef("%v", err)
		}
		return err
	}
	if *verify {
		if err := adviseReplay(rep, *maxDur, *force, stderr); err != nil {
			return err
		}
	}
	collectAtDefault()
	fig, err := adviseFigure(rep)
	if err != nil {
		return err
	}
	if err := rep.Write(dir, base.Apache.MPM, *force, map[string][]byte{fig.Name + ".png": fig.PNG}); err != nil {
		return err
	}
	rep.Print(stdout, base.Apache.MPM)
	fmt.Fprintf(stdout, "\n%d candidates × %d replications, and %d fresh replications, in %s on %d workers; wrote %s\n",
		len(rep.Evaluated), rep.Replications, rep.Replications, rep.Wall.Round(time.Millisecond), workers, dir)
	return nil
}

// adviseFigure draws every candidate's mean peak memory against its mean
// p99, with their 95% intervals, and the Pareto front of those within the
// memory budget.
func adviseFigure(rep *advise.Report) (plots.Figure, error) {
	var pts []plots.ParetoPoint
	var in []int
	var xs, ys []float64
	var lo, hi float64 = math.Inf(1), 0
	for _, c := range rep.Evaluated {
		pss, p99 := c.Figures["peak_pss_mb"], c.Figures["latency_p99_ms"]
		if p99.N == 0 {
			continue
		}
		pt := plots.ParetoPoint{X: pss.Mean, Y: p99.Mean / 1000, XLo: pss.Mean, XHi: pss.Mean, YLo: p99.Mean / 1000, YHi: p99.Mean / 1000, Label: c.Short()}
		if pss.Lo != nil {
			pt.XLo, pt.XHi = *pss.Lo, *pss.Hi
		}
		if p99.Lo != nil {
			pt.YLo, pt.YHi = max(*p99.Lo, 0)/1000, *p99.Hi/1000
		}
		lo, hi = min(lo, pt.Y), max(hi, pt.Y)
		if c.Judgement.Memory {
			in = append(in, len(pts))
			xs, ys = append(xs, pt.X), append(ys, pt.Y)
		}
		pts = append(pts, pt)
	}
	for _, i := range sweep.ParetoFront(xs, ys) {
		pts[in[i]].Front = true
	}
	// The front is drawn as a staircase through its points in order.
	sort.SliceStable(pts, func(i, j int) bool {
		if pts[i].X != pts[j].X {
			return pts[i].X < pts[j].X
		}
		return pts[i].Y < pts[j].Y
	})
	title := fmt.Sprintf("advise %s: every candidate, means of %d replications\nred: the Pareto front within the memory budget (%.0f MB)",
		rep.Scenario, rep.Replications, rep.Goals.MemoryBudget.MiBs())
	return plots.Pareto("advise_pareto", title, "peak PSS (MB)", "latency p99 (s)", lo > 0 && hi/lo >= 20, pts)
}

// adviseReplay plays the recommended and the current settings on this
// machine's Apache + mod_wsgi, one after the other, each only when it fits
// here: no longer than maxDur, predicted for this machine's cores, and
// predicted by the simulator, given this machine's RAM, to stay under half
// of it without an OOM kill (fitsThisMachine).
func adviseReplay(rep *advise.Report, maxDur time.Duration, force bool, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	todo := []struct {
		name string
		c    *advise.Candidate
	}{{"recommended", rep.Recommended}}
	for _, a := range rep.Alternatives {
		if a.Family == "current" {
			todo = append(todo, struct {
				name string
				c    *advise.Candidate
			}{"current", a})
		}
	}
	for _, x := range todo {
		sc := x.c.Scenario
		skip := ""
		switch {
		case sc.Duration.Duration > maxDur && !force:
			skip = fmt.Sprintf("it lasts %v, longer than --max-duration %v", sc.Duration.Duration, maxDur)
		case sc.Host.CPUs != goruntime.NumCPU():
			skip = fmt.Sprintf("predicted for host.cpus = %d; this machine has %d, so the figures would not compare (set host.cpus, or a host profile from simulate calibrate)", sc.Host.CPUs, goruntime.NumCPU())
		default:
			if err := fitsThisMachine(sc, force, io.Discard); err != nil {
				skip = err.Error()
			}
		}
		if skip != "" {
			fmt.Fprintf(stderr, "simulate advise: --verify: not replaying the %s settings: %s\n", x.name, skip)
			rep.AddReplay(x.name, x.c, skip, nil)
			continue
		}
		fmt.Fprintf(stderr, "simulate advise: --verify: replaying the %s settings for %v on this machine's Apache\n", x.name, sc.Duration)
		run, err := measureRuntime(ctx, sc)
		if err != nil {
			return err
		}
		rep.AddReplay(x.name, x.c, "", &run.Summary)
	}
	return nil
}

// parseBudget reads --memory-budget: a size (scenarios.ParseSize), or the
// default host.ram minus advise.Margin.
func parseBudget(s string, sc *scenarios.Scenario) (scenarios.Size, error) {
	if s == "" {
		return advise.DefaultMemoryBudget(sc.Host), nil
	}
	if strings.HasPrefix(strings.TrimSpace(s), "-") {
		return 0, usagef("--memory-budget %q: want a positive size such as 200MiB or 3GiB", s)
	}
	v, err := scenarios.ParseSize(s)
	if err != nil || v <= 0 {
		return 0, usagef("--memory-budget %q: want a positive size such as 200MiB or 3GiB", s)
	}
	return v, nil
}

// parsePercent reads --errors: "0.1%" or a share "0.001".
func parsePercent(s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64)
	if pct {
		v /= 100
	}
	if err != nil || v < 0 || v > 1 || v != v {
		return 0, usagef("--errors %q: want a share of requests from 0%% to 100%%, e.g. 0.1%% or 0.001", s)
	}
	return v, nil
}
