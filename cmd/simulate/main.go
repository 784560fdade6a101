// Command simulate is forkcast's command line: simulate Apache httpd's process
// management for a Python web application, run the same scenario against a
// real Apache, and compare, plot and validate the results.
//
// Exit codes: 0 success; 1 a run or validation failed; 2 bad input (usage,
// scenario errors; nothing is written); 3 a missing dependency (runtime mode).
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
	// A simulation's live heap is about a megabyte while it allocates a few
	// objects per request, so Go's default GOGC=100 collects every few MB.
	// Collecting less often makes long runs ~25% faster (BenchmarkPreforkSpikeHour
	// with GOGC=400) for a few MB of memory. GOGC in the environment still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "simulate: unknown command %q\n", args[0])
		printUsage(stderr)
		return 2
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
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'simulate COMMAND -h' for a command's flags.")
}
