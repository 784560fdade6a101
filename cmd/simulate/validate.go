package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/forkcast/forkcast/plots"
	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/validate"
)

func init() {
	register(command{
		name:    "validate",
		summary: "predict a scenario (simulator replications), measure it on a real Apache, and compare",
		run:     validateCmd,
	})
}

// measureRuntime measures a scenario against the real Apache + mod_wsgi of
// this machine (runtime mode); nil in a build without runtime mode.
// validate_runtime.go sets it.
var measureRuntime validate.Measure

// forceKey marks a context whose measurement runs with --force: whatever
// mod_wsgi version this machine loads.
type forceKey struct{}

// runtimeReady reports, before anything is simulated, whether runtime mode
// can run here; its error should be an exitError with code 3 for a missing
// Apache. validate_runtime.go sets it.
var runtimeReady = func() error { return errNoRuntime }

var errNoRuntime = exitError{code: 3, err: errors.New("runtime mode is not part of this build of simulate; " +
	"compare existing result directories with --from PRED_DIR... --measured DIR")}

// predictSimulator is the simulator with the resolved scenario attached.
var predictSimulator validate.Predict = simulate

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func validateCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("validate", "validate FILE|BUILTIN... [--variant V] [--replications N] [--seed N] [--set KEY=VALUE]... [--out DIR] [--force] [--max-duration D] [--no-plots] [--jobs N]\n"+
		"       simulate validate --from PRED_DIR... --measured DIR [FILE] [--out DIR] [--no-plots]\n"+
		"       simulate validate FILE --measured DIR [--out DIR] [--no-plots]   (predict now, compare with an earlier measurement)\n"+
		"       simulate validate --summary DIR...   (add up earlier validations: every validation.json below the DIRs)", stderr)
	var sf scenarioFlags
	sf.register(fs)
	sf.registerForce(fs, true)
	reps := fs.Int("replications", 0, "simulator replications `N` of the measured seed (default: the scenario's validate.replications)")
	out := fs.String("out", "", "output `DIR` (default out/<scenario>[-<variant>]-validate)")
	maxDur := fs.Duration("max-duration", 10*time.Minute, "refuse scenarios longer than this `DURATION` unless --force")
	noPlots := fs.Bool("no-plots", false, "do not draw the predicted-band figures")
	jobs := jobsFlag(fs)
	var from stringList
	fs.Var(&from, "from", "compare existing predicted result `DIR`s (repeatable; a directory of result directories counts as all of them)")
	measuredDir := fs.String("measured", "", "with --from: the measured result `DIR`")
	summary := fs.Bool("summary", false, "add up the validations already written below the DIRs given: case by case and over all")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if *summary {
		return validateSummary(pos, stdout)
	}
	if *reps < 0 {
		return usagef("--replications %d: want 1 or more", *reps)
	}
	if err := checkJobs(*jobs); err != nil {
		return err
	}
	if len(from) > 0 || *measuredDir != "" {
		return validateFrom(from, *measuredDir, pos, sf, *out, !*noPlots, *jobs, *reps, stdout)
	}
	if len(pos) == 0 {
		return usagef("expected a scenario (a file or a built-in name), or several for a suite; or compare result directories with --from PRED_DIR... --measured DIR")
	}
	if measureRuntime == nil {
		return errNoRuntime
	}
	if err := runtimeReady(); err != nil {
		return err
	}
	opt := caseOptions{reps: *reps, jobs: *jobs, maxDur: *maxDur, plot: !*noPlots, force: sf.force, stderr: stderr}
	if len(pos) > 1 {
		return validateSuite(pos, sf, *out, opt, stdout)
	}
	sc, err := sf.open(pos[0])
	if err != nil {
		return err
	}
	dir := *out
	if dir == "" {
		dir = defaultOutDir(sc) + "-validate"
	}
	rep, err := validateCase(sc, dir, opt)
	if err != nil {
		return err
	}
	return finishValidation(rep, dir, stdout)
}

// caseOptions are validate's flags that apply to every case.
type caseOptions struct {
	reps   int
	jobs   int // replications predicted at once (0: one per core)
	maxDur time.Duration
	plot   bool
	force  bool
	stderr io.Writer
}

// validateCase measures sc on the real Apache, predicts the run as it was
// measured (validate.AsMeasured) and compares, writing everything to dir. A measurement disturbed by other processes
// is written but not judged: the error is then a *validate.DisturbedError
// wrapped in an exitError with code ExitDisturbed.
func validateCase(sc *scenarios.Scenario, dir string, opt caseOptions) (*validate.Report, error) {
	if opt.reps > 0 {
		sc.Validate.Replications = opt.reps
	}
	if sc.Duration.Duration > opt.maxDur && !opt.force {
		return nil, usagef("refusing to run: %s lasts %v, longer than --max-duration %v (raise it, or pass --force)", sc.Source, sc.Duration.Duration, opt.maxDur)
	}
	if err := results.CheckOutput(dir, opt.force); err != nil {
		return nil, err
	}
	if err := fitsThisMachine(sc, opt.force, opt.stderr); err != nil {
		return nil, err
	}
	same := make([]*scenarios.Scenario, sc.Validate.Replications)
	for i := range same {
		same[i] = sc
	}
	// The budget is checked before anything runs; the predictions come
	// after the measurement, which they are of.
	_, done, err := budget(opt.force, opt.stderr, same...)
	if err != nil {
		return nil, err
	}
	done()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(opt.stderr, "simulate validate: measuring %s for %v on the real Apache\n", sc.Name, sc.Duration)
	measured, err := measureRuntime(context.WithValue(ctx, forceKey{}, opt.force), sc)
	if err != nil {
		return nil, err
	}
	if measured.Scenario == nil {
		measured.Scenario, _ = scenarios.Format(sc)
	}
	predicted, err := predictAsMeasured(sc, measured, opt.jobs, opt.force, opt.stderr)
	if err != nil {
		return nil, err
	}
	if err := validate.Disturbed(measured); err != nil && !opt.force {
		// Keep what was predicted and measured, but judge nothing.
		if werr := writeValidation(dir, opt.force, predicted, measured, nil, false); werr != nil {
			return nil, werr
		}
		return nil, exitError{code: ExitDisturbed, err: fmt.Errorf("%s: %w (wrote %s without validation.json)", caseName(sc), err, dir)}
	}
	rep, err := validate.Compare(sc, predicted, measured)
	if err != nil {
		return nil, err
	}
	if err := writeValidation(dir, opt.force, predicted, measured, rep, opt.plot); err != nil {
		return nil, err
	}
	return rep, nil
}

// predictAsMeasured runs sc's replications as the measured run had it
// (validate.AsMeasured: runtime mode's own CPU as host.background_cpu),
// within the run budget.
func predictAsMeasured(sc *scenarios.Scenario, measured results.Run, jobs int, force bool, stderr io.Writer) ([]results.Run, error) {
	as := validate.AsMeasured(sc, measured)
	same := make([]*scenarios.Scenario, as.Validate.Replications)
	for i := range same {
		same[i] = as
	}
	_, done, err := budget(force, stderr, same...)
	if err != nil {
		return nil, err
	}
	defer done()
	if as != sc {
		fmt.Fprintf(stderr, "simulate validate: predicting %d replications with runtime mode's own %.2f cores of CPU (host.background_cpu)\n",
			as.Validate.Replications, as.Host.BackgroundCPU-sc.Host.BackgroundCPU)
	}
	return validate.Replicate(as, as.Validate.Replications, jobs, predictSimulator)
}

func caseName(sc *scenarios.Scenario) string {
	if sc.Variant != "" {
		return sc.Name + "[" + sc.Variant + "]"
	}
	return sc.Name
}

// validateSuite validates several scenarios one after another (every
// variant of a file that has variants, unless --variant picks one), each
// into OUT/<name>[-<variant>], and prints each case's table and then the
// suite's: metrics passing, coverage of the one-run 95% intervals and
// their mean width, case by case and over the suite. It exits 1 if a case
// missed, ExitDisturbed if a case could not be judged, 2 on bad input.
func validateSuite(files []string, sf scenarioFlags, out string, opt caseOptions, stdout io.Writer) error {
	if out == "" {
		out = filepath.Join("out", "validation-suite")
	}
	var cases []*scenarios.Scenario
	for _, f := range files {
		sc, err := sf.open(f)
		if err != nil {
			return err
		}
		if sf.variant != "" || len(sc.Variants) == 0 {
			cases = append(cases, sc)
			continue
		}
		for _, v := range sc.Variants {
			one := sf
			one.variant = v
			vs, err := one.open(f)
			if err != nil {
				return err
			}
			cases = append(cases, vs)
		}
	}
	type row struct {
		name string
		rep  *validate.Report
		err  error
	}
	var rows []row
	for _, sc := range cases {
		dir := filepath.Join(out, filepath.Base(defaultOutDir(sc)))
		rep, err := validateCase(sc, dir, opt)
		var ee exitError
		if err != nil && !(errors.As(err, &ee) && ee.code == ExitDisturbed) {
			return fmt.Errorf("%s: %w", caseName(sc), err)
		}
		if rep != nil {
			rep.WriteTable(stdout)
			fmt.Fprintln(stdout)
		} else {
			fmt.Fprintf(stdout, "%s: %v\n\n", caseName(sc), err)
		}
		rows = append(rows, row{caseName(sc), rep, err})
	}
	failed, disturbed := 0, 0
	var reps []*validate.Report
	var names []string
	for _, r := range rows {
		if r.rep == nil {
			disturbed++
			continue
		}
		if !r.rep.Pass {
			failed++
		}
		reps, names = append(reps, r.rep), append(names, r.name)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "case	metrics passing	own runs passing	median abs % error	coverage	mean 95% width	misses / outside the interval	")
	for _, r := range rows {
		if r.rep == nil {
			fmt.Fprintf(tw, "%s	not judged: disturbed						\n", r.name)
			continue
		}
		c := r.rep.Coverage
		fmt.Fprintf(tw, "%s	%d/%d	%s	%.1f%%	%d/%d	%.0f%%	%s / %s\n", r.name, len(r.rep.Metrics)-len(r.rep.Failed), len(r.rep.Metrics),
			ownRuns(r.rep), r.rep.MAPE, c.Inside, c.Total, 100*c.MeanWidth, strings.Join(r.rep.Failed, ", "), strings.Join(c.Outside, ", "))
	}
	tw.Flush()
	total := suiteCoverage(reps, names)
	fmt.Fprintf(stdout, "\nsuite: %d cases, %d outside tolerance, %d not judged; ", len(rows), failed, disturbed)
	writeCoverage(stdout, total, reps)
	each := make([][]*validate.Report, len(reps))
	for i, r := range reps {
		each[i] = []*validate.Report{r}
	}
	writeSelf(stdout, each)
	fmt.Fprintf(stdout, "wrote %s\n", out)
	switch {
	case disturbed > 0:
		return exitError{code: ExitDisturbed, err: fmt.Errorf("%d of %d cases not judged: the measurement was disturbed (see above)", disturbed, len(rows))}
	case failed > 0:
		return exitError{code: 1, err: fmt.Errorf("%d of %d cases outside tolerance", failed, len(rows))}
	}
	return nil
}

// writeValidation writes predicted/replication-N/ and measured/ result
// directories, validation.json and the band figures as one output dir,
// replacing an older forkcast output there only if replace.
func writeValidation(dir string, replace bool, predicted []results.Run, measured results.Run, rep *validate.Report, plot bool) error {
	return results.Publish(dir, "validate", replace, func(tmp string) error {
		for _, p := range predicted {
			if err := results.WriteFiles(filepath.Join(tmp, "predicted", "replication-"+strconv.Itoa(p.Summary.Replication)), p); err != nil {
				return err
			}
		}
		if err := results.WriteFiles(filepath.Join(tmp, "measured"), measured); err != nil {
			return err
		}
		if rep == nil {
			return nil // not judged
		}
		return fillValidation(tmp, predicted, measured, rep, plot)
	})
}

// finishDir writes validation.json and, if asked, the band figures as the
// output dir (comparisons of result directories that exist elsewhere).
func finishDir(dir string, predicted []results.Run, measured results.Run, rep *validate.Report, plot bool) error {
	return results.Publish(dir, "validate", true, func(tmp string) error {
		return fillValidation(tmp, predicted, measured, rep, plot)
	})
}

func fillValidation(dir string, predicted []results.Run, measured results.Run, rep *validate.Report, plot bool) error {
	if err := rep.WriteFile(filepath.Join(dir, "validation.json")); err != nil {
		return err
	}
	if plot {
		return plots.Band(dir, predicted, measured)
	}
	return nil
}

// finishValidation prints the table; a metric outside tolerance exits 1.
func finishValidation(rep *validate.Report, dir string, stdout io.Writer) error {
	rep.WriteTable(stdout)
	fmt.Fprintf(stdout, "\nwrote %s\n", filepath.Join(dir, "validation.json"))
	if !rep.Pass {
		return exitError{code: 1, err: fmt.Errorf("%d of %d metrics outside tolerance: %s", len(rep.Failed), len(rep.Metrics), strings.Join(rep.Failed, ", "))}
	}
	return nil
}

// validateFrom compares existing result directories. The scenario (for
// tolerances and the surge) is FILE if given, else the measured run's
// scenario.toml, else the first predicted run's.
func validateFrom(from []string, measuredDir string, pos []string, sf scenarioFlags, out string, plot bool, jobs, reps int, stdout io.Writer) error {
	if measuredDir == "" {
		return usagef("--from needs --measured DIR")
	}
	var file string
	for _, p := range pos {
		if strings.HasSuffix(p, ".toml") {
			if file != "" {
				return usagef("one scenario file expected, got %s and %s", file, p)
			}
			file = p
			continue
		}
		from = append(from, p) // `--from a b c`: the shell's glob
	}
	if len(from) == 0 {
		// Predict now and compare with a measurement taken earlier: how a
		// changed model fares against runs already measured.
		if file == "" {
			return usagef("--measured needs --from PRED_DIR..., or a scenario FILE to predict now")
		}
		return validateAgainst(file, measuredDir, sf, out, plot, jobs, reps, stdout)
	}
	if reps > 0 {
		return usagef("--replications %d: --from compares the replications already in its directories; it applies when predicting (FILE --measured DIR)", reps)
	}
	var dirs []string
	for _, f := range from {
		ds, err := resultDirsIn(f)
		if err != nil {
			return err
		}
		dirs = append(dirs, ds...)
	}
	predicted, err := readResultDirs(dirs)
	if err != nil {
		return err
	}
	ms, err := readResultDirs([]string{measuredDir})
	if err != nil {
		return err
	}
	measured := ms[0]
	if err := validate.Disturbed(measured); err != nil && !sf.force {
		return exitError{code: ExitDisturbed, err: fmt.Errorf("%s: %w (--force judges it anyway)", measuredDir, err)}
	}
	var sc *scenarios.Scenario
	switch {
	case file != "":
		sc, err = sf.open(file)
	case measured.Scenario != nil:
		sc, err = savedScenario(measuredDir, measured)
	case predicted[0].Scenario != nil:
		sc, err = savedScenario(dirs[0], predicted[0])
	default:
		return usagef("no scenario.toml in %s or %s: name the scenario file", measuredDir, dirs[0])
	}
	if err != nil {
		return err
	}
	rep, err := validate.Compare(sc, predicted, measured)
	if err != nil {
		return usagef("%v", err)
	}
	dir := out
	if dir == "" {
		dir = defaultOutDir(sc) + "-validate"
	}
	if err := outsideInputs(dir, append(dirs, measuredDir)); err != nil {
		return err
	}
	if err := finishDir(dir, predicted, measured, rep, plot); err != nil {
		return err
	}
	return finishValidation(rep, dir, stdout)
}

// savedScenario is the scenario a result directory saved: its variant
// already applied, and named after the run's summary, so that the
// validation is the case's (say restart-prefork[lazy-full]).
func savedScenario(dir string, r results.Run) (*scenarios.Scenario, error) {
	sc, err := scenarios.Parse(filepath.Join(dir, "scenario.toml"), r.Scenario, "")
	if err != nil {
		return nil, err
	}
	if sc.Variant == "" {
		sc.Variant = r.Summary.Variant
	}
	return sc, nil
}

// validateAgainst predicts the scenario now and compares the predictions
// with a measured result directory.
func validateAgainst(file, measuredDir string, sf scenarioFlags, out string, plot bool, jobs, reps int, stdout io.Writer) error {
	sc, err := sf.open(file)
	if err != nil {
		return err
	}
	if reps > 0 {
		sc.Validate.Replications = reps
	}
	ms, err := readResultDirs([]string{measuredDir})
	if err != nil {
		return err
	}
	if err := validate.Disturbed(ms[0]); err != nil && !sf.force {
		return exitError{code: ExitDisturbed, err: fmt.Errorf("%s: %w (--force judges it anyway)", measuredDir, err)}
	}
	predicted, err := predictAsMeasured(sc, ms[0], jobs, sf.force, io.Discard)
	if err != nil {
		return err
	}
	rep, err := validate.Compare(sc, predicted, ms[0])
	if err != nil {
		return usagef("%v", err)
	}
	dir := out
	if dir == "" {
		dir = defaultOutDir(sc) + "-validate"
	}
	if err := outsideInputs(dir, []string{measuredDir}); err != nil {
		return err
	}
	if err := finishDir(dir, predicted, ms[0], rep, plot); err != nil {
		return err
	}
	return finishValidation(rep, dir, stdout)
}

// resultDirsIn returns dir if it is a result directory, else the result
// directories directly inside it, sorted.
func resultDirsIn(dir string) ([]string, error) {
	if _, err := os.Stat(filepath.Join(dir, "summary.json")); err == nil {
		return []string{dir}, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, usagef("%s: no such directory", dir)
		}
		return nil, usagef("%s: %v", dir, err)
	}
	var out []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "summary.json")); e.IsDir() && err == nil {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	if len(out) == 0 {
		return nil, usagef("%s is not a forkcast result directory and holds none (no summary.json)", dir)
	}
	sort.Strings(out)
	return out, nil
}

// machineRAMMB is MemTotal from /proc/meminfo in MB; 0 if unknown.
func machineRAMMB() float64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				kb, _ := strconv.ParseFloat(f[0], 64)
				return kb / 1024
			}
		}
	}
	return 0
}
