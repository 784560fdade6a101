package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/forkcast/forkcast/pool"
	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/sweep"
)

func init() {
	register(command{name: "sweep", summary: "vary scenario keys over a grid, replicate each point, and tabulate the trade-offs (locally or as Slurm/Kubernetes array tasks)", run: sweepCmd})
}

// varyList is the repeatable --vary flag.
type varyList []sweep.Vary

func (v *varyList) String() string { return fmt.Sprint(*v) }

func (v *varyList) Set(s string) error {
	x, err := sweep.ParseVary(s)
	if err != nil {
		return err
	}
	*v = append(*v, x)
	return nil
}

const sweepUsage = `sweep FILE|BUILTIN --vary KEY=VALUES... [--replications R] [--variant V] [--seed N] [--duration D] [--set KEY=VALUE]...
                     [--out DIR] [--jobs N] [--force] [--no-plots]
       simulate sweep FILE|BUILTIN --vary KEY=VALUES... --plan DIR [--tasks N | --task-work D] [--cpus-per-task C] [--force]
       simulate sweep --task N|env [--jobs N] DIR
       simulate sweep --merge DIR [--out DIR] [--force] [--no-plots]

VALUES is a list a,b,c or a range: A..B:STEP (10..150:10), A..B:xF (1..64:x2), A..B:log10 (1..1000:log10).
Several --vary make a grid. Each point runs R times; replication r has the same seed at every point.
See docs/sweep.md.`

func sweepCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sweep", sweepUsage, stderr)
	var sf scenarioFlags
	sf.register(fs)
	var vary varyList
	fs.Var(&vary, "vary", "vary a scenario key over `KEY=VALUES` (repeatable: a grid)")
	reps := fs.Int("replications", 0, "replications `R` of every point (default: the scenario's validate.replications)")
	out := fs.String("out", "", "output `DIR` (default out/<scenario>[-<variant>]-sweep)")
	force := fs.Bool("force", false, "run beyond the work limit (docs/sweep.md), and replace an existing --out or --plan")
	noPlots := fs.Bool("no-plots", false, "do not draw figures")
	jobs := jobsFlag(fs)
	planDir := fs.String("plan", "", "write the sweep as array tasks for Slurm or Kubernetes into `DIR` instead of running it")
	tasks := fs.Int("tasks", 0, "with --plan: cut the sweep into `N` tasks (default: from --task-work)")
	taskWork := fs.Duration("task-work", sweep.DefaultTaskWork, "with --plan: estimated CPU time per task, `D`")
	cpus := fs.Int("cpus-per-task", 1, "with --plan: cores per task, `C`")
	task := fs.String("task", "", "run task `N` of the plan DIR (env: from JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID or AWS_BATCH_JOB_ARRAY_INDEX)")
	merge := fs.String("merge", "", "assemble the table and figures from the task results in plan `DIR`")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := checkJobs(*jobs); err != nil {
		return err
	}
	switch {
	case *task != "":
		if len(pos) != 1 {
			return usagef("--task needs the plan directory: simulate sweep --task N DIR")
		}
		if len(vary) > 0 || *merge != "" || *planDir != "" {
			return usagef("--task takes only --jobs and the plan directory")
		}
		return sweepTask(pos[0], *task, *jobs, stdout, stderr)
	case *merge != "":
		if len(pos) > 0 || len(vary) > 0 || *planDir != "" {
			return usagef("--merge takes only the plan directory, --out, --force and --no-plots")
		}
		return sweepMerge(*merge, *out, *force, !*noPlots, stdout)
	}

	if len(pos) > 1 {
		return usagef("expected one scenario, got %s", strings.Join(pos, " "))
	}
	arg := ""
	if len(pos) == 1 {
		arg = pos[0]
	}
	if *reps < 0 {
		return usagef("--replications %d: want 1 or more", *reps)
	}
	if *tasks < 0 || *cpus < 1 || *taskWork <= 0 {
		return usagef("--tasks, --cpus-per-task and --task-work want positive values")
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
	d := sweep.Design{Source: src, Vary: vary, Replications: *reps}
	if d.Replications == 0 {
		d.Replications = base.Validate.Replications
	}
	if err := d.Check(); err != nil {
		return usagef("%v", err)
	}
	points, err := d.Points()
	if err != nil {
		return err
	}
	work := sweep.Work(points, d.Replications)
	runs := len(points) * d.Replications

	if *planDir != "" {
		if *out != "" {
			return usagef("--out does not apply to --plan: the merge writes the output (simulate sweep --merge DIR --out OUT)")
		}
		return sweepPlan(d, points, *planDir, sweep.PlanOptions{Tasks: *tasks, TaskWork: *taskWork, CPUsPerTask: *cpus}, work, *force, stdout)
	}

	workers := pool.Workers(*jobs)
	if work > sweep.MaxWork && !*force {
		return usagef("refusing to run: %d points × %d replications = %d simulations, estimated at %s of CPU (%s on %d workers), more than the limit of %s (docs/sweep.md): narrow the sweep, plan it for a cluster with --plan DIR, or pass --force",
			len(points), d.Replications, runs, roundDuration(work), roundDuration(work/time.Duration(workers)), workers, sweep.MaxWork)
	}
	dir := *out
	if dir == "" {
		dir = defaultOutDir(base) + "-sweep"
	}
	if err := results.CheckOutput(dir, *force); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := sweep.Options{Jobs: *jobs}
	began := time.Now()
	var bar *progressLine
	if isTerminal(stderr) {
		bar = &progressLine{w: stderr, began: began, workers: workers}
		opts.Progress = bar.update
	}
	table, err := sweep.RunPoints(ctx, d, points, opts)
	if bar != nil {
		bar.finish()
	}
	if err != nil {
		return err
	}
	wall := time.Since(began)
	if err := sweep.Write(dir, table, *force, !*noPlots); err != nil {
		return err
	}
	printSweep(stdout, table)
	fmt.Fprintf(stdout, "\n%d points × %d replications = %d simulations in %s on %d workers (estimated %s of CPU); wrote %s\n",
		len(points), d.Replications, runs, wall.Round(time.Millisecond), workers, roundDuration(work), dir)
	return nil
}

// sweepPlan writes the plan directory.
func sweepPlan(d sweep.Design, points []sweep.Point, dir string, o sweep.PlanOptions, work time.Duration, force bool, stdout io.Writer) error {
	if limit := 100 * sweep.MaxWork; work > limit && !force {
		return usagef("refusing to plan: estimated at %s of CPU, more than the limit for a plan of %s (docs/sweep.md): narrow the sweep, or pass --force", roundDuration(work), limit)
	}
	p, err := sweep.NewPlan(d, points, o)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	if err := sweep.WritePlan(dir, p, exe, force); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "planned %d points × %d replications = %d simulations (estimated %s of CPU) as %d task(s) in %s\n",
		p.Points, p.Replications, p.Points*p.Replications, roundDuration(work), len(p.Tasks), dir)
	fmt.Fprintf(stdout, "  Slurm:      sbatch %s\n", filepath.Join(dir, "sweep.sbatch"))
	fmt.Fprintf(stdout, "  Kubernetes: kubectl apply -f %s   (edit the image and volume first; untested)\n", filepath.Join(dir, "job.yaml"))
	fmt.Fprintf(stdout, "  then:       simulate sweep --merge %s\n", dir)
	if tmp := os.TempDir(); strings.HasPrefix(exe, tmp) || strings.Contains(exe, "go-build") {
		fmt.Fprintf(stdout, "note: this simulate (%s) is a temporary build (go run?): install it (go install ./cmd/simulate) and set SIMULATE to its path for the tasks\n", exe)
	}
	return nil
}

// sweepTask runs one task of a plan.
func sweepTask(dir, arg string, jobs int, stdout, stderr io.Writer) error {
	index, err := strconv.Atoi(arg)
	if arg == "env" {
		index, err = sweep.TaskIndexFromEnv()
		if err != nil {
			return usagef("%v", err)
		}
	} else if err != nil || index < 0 {
		return usagef("--task %q: want a task number (0 or more) or env", arg)
	}
	// A bad plan or index is bad input (exit 2): retrying the task cannot
	// help (job.yaml fails the index at once on exit code 2).
	plan, err := sweep.ReadPlan(dir)
	if err != nil {
		return usageError{err.Error()}
	}
	if index >= len(plan.Tasks) {
		return usagef("task %d: the plan %s has tasks 0 to %d", index, dir, len(plan.Tasks)-1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	began := time.Now()
	opts := sweep.Options{Jobs: jobs}
	var bar *progressLine
	if isTerminal(stderr) {
		bar = &progressLine{w: stderr, began: began, workers: pool.Workers(jobs)}
		opts.Progress = bar.update
	}
	done, err := sweep.RunTask(ctx, dir, index, opts)
	if bar != nil {
		bar.finish()
	}
	if err != nil {
		return err
	}
	if !done {
		fmt.Fprintf(stdout, "task %d: its results are already in %s; nothing to do\n", index, filepath.Join(dir, "results"))
		return nil
	}
	fmt.Fprintf(stdout, "task %d: done in %s\n", index, time.Since(began).Round(time.Millisecond))
	return nil
}

// sweepMerge assembles a plan's results.
func sweepMerge(planDir, out string, force, plots bool, stdout io.Writer) error {
	table, err := sweep.Merge(planDir)
	if err != nil {
		return err
	}
	dir := out
	if dir == "" {
		name := table.Scenario
		if table.Variant != "" {
			name += "-" + table.Variant
		}
		dir = filepath.Join("out", name+"-sweep")
	}
	if err := sweep.Write(dir, table, force, plots); err != nil {
		return err
	}
	printSweep(stdout, table)
	fmt.Fprintf(stdout, "\nmerged %d points × %d replications from %s; wrote %s\n", table.Points, table.Replications, planDir, dir)
	return nil
}

// printSweep prints the headline metrics at every point.
func printSweep(w io.Writer, t *sweep.Table) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{}
	for _, v := range t.Vary {
		head = append(head, v.Key)
	}
	head = append(head, "peak PSS MB", "peak procs", "p50", "p99", "req/s", "failed", "OOM kills")
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	const maxRows = 40
	for p := range min(t.Points, maxRows) {
		r := t.Get(p, "peak_pss_mb")
		cells := append([]string(nil), r.Settings...)
		f := func(name, format string, scale float64) string {
			m := t.Get(p, name).Mean
			if m == nil {
				return "–"
			}
			return fmt.Sprintf(format, *m*scale)
		}
		lat := func(name string) string {
			m := t.Get(p, name).Mean
			if m == nil {
				return "–"
			}
			return msString(*m)
		}
		cells = append(cells, f("peak_pss_mb", "%.0f", 1), f("peak_processes", "%.1f", 1), lat("latency_p50_ms"), lat("latency_p99_ms"),
			f("throughput_rps", "%.1f", 1), f("failed_share", "%.1f%%", 100), f("oom_kills", "%.1f", 1))
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	tw.Flush()
	if t.Points > maxRows {
		fmt.Fprintf(w, "(%d more points in sweep.csv)\n", t.Points-maxRows)
	}
}

// progressLine draws a sweep's progress on a terminal, at most every 200 ms.
type progressLine struct {
	w       io.Writer
	began   time.Time
	workers int
	mu      sync.Mutex
	last    time.Time
	drawn   bool
}

func (b *progressLine) update(p sweep.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if now.Sub(b.last) < 200*time.Millisecond && p.Done < p.Total {
		return
	}
	b.last = now
	elapsed := now.Sub(b.began)
	eta := time.Duration(float64(elapsed) / float64(p.Done) * float64(p.Total-p.Done))
	fmt.Fprintf(b.w, "\r\033[Ksweep: %d/%d points, %d/%d simulations, %s elapsed, ETA %s (%d workers)",
		p.PointsDone, p.Points, p.Done, p.Total, clock(elapsed), clock(eta), b.workers)
	b.drawn = true
}

func (b *progressLine) finish() {
	if b.drawn {
		fmt.Fprintln(b.w)
	}
}

// clock writes d as m:ss or h:mm:ss.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// roundDuration rounds an estimate for printing.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Hour:
		return d.Round(time.Minute)
	case d >= time.Minute:
		return d.Round(time.Second)
	}
	return d.Round(10 * time.Millisecond)
}
