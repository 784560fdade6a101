package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/forkcast/forkcast/scenarios"
)

// parseInterleaved parses flags that may come before or after the
// positional arguments ("run FILE --seed 3" and "run --seed 3 FILE").
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// scenarioFlags are the flags that select and adjust a scenario.
type scenarioFlags struct {
	variant  string
	seed     string
	duration string
	sets     setList
	force    bool
	warnings io.Writer // where a loaded scenario's warnings go: the command's stderr
}

type setList []scenarios.Override

func (s *setList) String() string { return fmt.Sprint(*s) }

func (s *setList) Set(v string) error {
	o, err := scenarios.ParseOverride(v)
	if err != nil {
		return err
	}
	*s = append(*s, o)
	return nil
}

func (f *scenarioFlags) register(fs *flag.FlagSet) {
	f.warnings = fs.Output()
	fs.StringVar(&f.variant, "variant", "", "apply the scenario's variant `NAME`")
	fs.StringVar(&f.seed, "seed", "", "random seed `N` (default: the scenario's)")
	fs.StringVar(&f.duration, "duration", "", "simulated `DURATION` (default: the scenario's), e.g. 10m")
	fs.Var(&f.sets, "set", "override a scenario key, `KEY=VALUE` (repeatable), e.g. apache.max_request_workers=50")
}

// registerForce adds --force, for the commands that run scenarios; with
// replaces, it also replaces an existing forkcast output (a measurement
// never is).
func (f *scenarioFlags) registerForce(fs *flag.FlagSet, replaces bool) {
	usage := "run past the time and memory limits a run is held to (and the memory guard of real runs)"
	if replaces {
		usage += ", and replace an existing forkcast output"
	}
	fs.BoolVar(&f.force, "force", false, usage)
}

// overrides returns --seed and --duration as scenario overrides, then --set.
func (f *scenarioFlags) overrides() ([]scenarios.Override, error) {
	var out []scenarios.Override
	if f.seed != "" {
		// A scenario's seed is a TOML integer: at most 2^63-1.
		if n, err := strconv.ParseInt(f.seed, 10, 64); err != nil || n < 0 {
			return nil, usagef("--seed %q: want an integer from 0 to %d", f.seed, int64(math.MaxInt64))
		}
		out = append(out, scenarios.Override{Key: "seed", Value: f.seed})
	}
	if f.duration != "" {
		if d, err := time.ParseDuration(f.duration); err != nil || d <= 0 {
			return nil, usagef("--duration %q: want a positive duration such as 90s or 2h", f.duration)
		}
		out = append(out, scenarios.Override{Key: "duration", Value: strconv.Quote(f.duration)})
	}
	return append(out, f.sets...), nil
}

// open loads the scenario named by arg (a file, a built-in name, or "" for
// the default built-in) with the flags applied.
func (f *scenarioFlags) open(arg string) (*scenarios.Scenario, error) {
	sets, err := f.overrides()
	if err != nil {
		return nil, err
	}
	sc, err := scenarios.Open(arg, f.variant, sets...)
	if err != nil {
		return nil, err
	}
	// What httpd or mod_wsgi would log or change: the lines check prints.
	if f.warnings != nil {
		for _, w := range sc.Warnings {
			name := sc.Name
			if sc.Variant != "" {
				name += " [" + sc.Variant + "]"
			}
			fmt.Fprintf(f.warnings, "warning: %s: %s\n", name, w)
		}
	}
	return sc, nil
}

// jobsFlag registers --jobs: how many simulations run at once (package
// pool; 0, the default, is one per core). The outputs do not depend on it.
func jobsFlag(fs *flag.FlagSet) *int {
	return fs.Int("jobs", 0, "run at most `N` simulations at once (default 0: one per core, GOMAXPROCS); the output does not depend on it")
}

// checkJobs rejects a negative --jobs.
func checkJobs(jobs int) error {
	if jobs < 0 {
		return usagef("--jobs %d: want 0 (one per core) or more", jobs)
	}
	return nil
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: simulate %s\n\nflags:\n", usage)
		printFlags(stderr, fs)
	}
	return fs
}

// printFlags is flag.PrintDefaults written with the double dashes the
// usage lines use (the flag package accepts -x and --x alike, but prints
// -x). Hand-written because this is all that differs: a CLI library would
// be a large dependency for one printer.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" {
			def = fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "%s\n    \t%s%s\n", line, strings.ReplaceAll(usage, "\n", "\n    \t"), def)
	})
}

// scenarioArg parses a command's flags and its one optional scenario
// argument (a file or a built-in name; "" for the default built-in).
func scenarioArg(fs *flag.FlagSet, args []string) (string, error) {
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return "", err
	}
	switch len(pos) {
	case 0:
		return "", nil
	case 1:
		return pos[0], nil
	}
	return "", usagef("expected at most one scenario, got %s", strings.Join(pos, " "))
}
