// Command simulate is forkcast's command line: simulate Apache httpd's process
// management for a Python web application, run the same scenario against a
// real Apache, and compare, plot and validate the results.
//
// Exit codes (exitCodes below; the README's "Bad input" section lists them
// too): 0 success; 1 a run failed or a validation is out of tolerance; 2
// bad input or a refused run (usage, scenario errors, an output path that
// is not forkcast's, a run past its budget; nothing is written); 3 a
// missing dependency (Apache for runtime mode); 4 a validation not judged
// because the measurement was disturbed (other processes used more than
// validate.MaxForeignCPU of the cores); 70 an internal error, a bug in
// forkcast.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"

	"github.com/forkcast/forkcast/models"
	"github.com/forkcast/forkcast/results"
)

// A command is one subcommand. Each lives in its own file and registers
// itself from init, so subcommands stay independent of each other.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

// usageError is bad input: it exits with code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// exitError carries a specific exit code.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

func main() {
	// Commands that simulate many times (sweep, advise, compare, validate)
	// allocate a scenario's structures for each simulation, and Go's
	// default GOGC=100 collects every few MB: at GOGC=400 the sweep
	// benchmark ran 216 simulations a second on two cores against 146
	// (BenchmarkSweepSpeedup, alternated, 2026-12-05). GOGC in the
	// environment still wins. run, which simulates once, collects at the
	// default (collectAtDefault).
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

// collectAtDefault sets Go's GC back to its default, GOGC=100, unless GOGC
// is in the environment. Before figures are drawn: rendering allocates
// large short-lived images, and at GOGC=400 a day-long run's figures took
// ~67 MB of RSS against ~44 MB. And for run's one simulation, which
// allocates little once it has started (requests and connections are
// reused): the default costs it nothing measurable (the CLI's hour with
// figures 0.881 s either way, medians of six alternated rounds,
// 2026-12-05), where GOGC=400 let a day-long run's heap grow to five times
// its live ~12 MB (the figures' images and thinned rows, made during the
// run) and its RSS peak at 97 MB against 53.
func collectAtDefault() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(100)
	}
}

func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		printUsage(stdout)
		return 0
	case "--version", "-version", "version":
		fmt.Fprintln(stdout, versionLine())
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "simulate: unknown command %q\n", args[0])
		printUsage(stderr)
		return 2
	}
	if wantsHelp(args[1:]) {
		// A command's help is asked for: it goes to stdout, exit 0.
		stderr = stdout
	}
	err := c.run(args[1:], stdout, stderr)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0 // -h printed the command's usage
	}
	fmt.Fprintf(stderr, "simulate %s: %v\n", c.name, err)
	var ue usageError
	var ee exitError
	var oe *results.OutputError
	var be *models.BudgetError
	var ie *models.InternalError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ie):
		fmt.Fprintln(stderr, "simulate: this is a bug in forkcast, please report it")
		return ExitInternal
	case errors.As(err, &ue), errors.As(err, &oe), errors.As(err, &be), isInputError(err):
		return 2
	}
	return 1
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: simulate COMMAND [ARGS]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'simulate COMMAND --help' for a command's flags; 'simulate --version' for the version.")
	fmt.Fprintln(w, "\nexit codes:")
	for _, c := range exitCodes {
		fmt.Fprintf(w, "  %-3d %s\n", c.code, c.meaning)
	}
}

// ExitDisturbed is validate's exit code for a measurement it refuses to
// judge (validate.Disturbed).
const ExitDisturbed = 4

// exitCodes are simulate's exit codes.
var exitCodes = []struct {
	code    int
	meaning string
}{
	{0, "success"},
	{1, "a run failed, or a validation is out of tolerance"},
	{2, "bad input or a refused run: usage, scenario errors, an output path that is not forkcast's, a run past its budget (nothing is written)"},
	{3, "a missing dependency: Apache and mod_wsgi for runtime mode"},
	{ExitDisturbed, "a validation not judged: other processes used more than 10% of the cores during the measurement (the message names them)"},
	{ExitInternal, "an internal error: a bug in forkcast, please report it"},
}

// wantsHelp reports whether a command's arguments ask for its help.
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// versionLine is forkcast's version and the VCS revision it was built from.
func versionLine() string {
	line := "forkcast " + results.Version
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return line
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		line += " (module " + bi.Main.Path + " " + v + ")"
	}
	var rev, when, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = ", modified"
			}
		}
	}
	if rev != "" {
		line += fmt.Sprintf(", revision %s (%s%s)", rev, when, dirty)
	}
	return line + ", " + bi.GoVersion
}
