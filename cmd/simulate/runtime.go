package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/forkcast/forkcast/results"
	rt "github.com/forkcast/forkcast/runtime"
	"github.com/forkcast/forkcast/scenarios"
)

func init() {
	register(command{
		name:    "runtime",
		summary: "run a scenario against a real Apache + mod_wsgi on this machine and measure it",
		run:     runRuntime,
	})
}

func runRuntime(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("runtime", "runtime FILE|BUILTIN [--variant V] [--seed N] [--duration D] [--set KEY=VALUE]... [--wsgi-script FILE] [--access-log FILE] [--out DIR] [--max-duration 10m] [--force]\n\n"+
		"Plays the scenario against a real Apache httpd + mod_wsgi on 127.0.0.1 and writes\n"+
		"summary.json, timeseries.csv and events.log like 'simulate run'. Needs:\n    "+rt.InstallLine, stderr)
	var sf scenarioFlags
	sf.register(fs)
	sf.registerForce(fs, false)
	out := fs.String("out", "", "output `DIR`, which must not exist (default out/<name>[-<variant>]-runtime)")
	maxDur := fs.Duration("max-duration", 10*time.Minute, "refuse scenarios longer than this, unless --force")
	apache := fs.String("apache", "", "the apache2 binary (default $"+rt.EnvApache+", else "+rt.DefaultBinary+")")
	script := fs.String("wsgi-script", "", "serve your own WSGI `FILE` instead of the synthetic app (its costs are its own; [app] only sizes the memory check)")
	accessLog := fs.String("access-log", "", "also save Apache's access log of the run to `FILE` (a new file), in the format a replay population reads: log_format = '"+rt.ReplayLogFormat+"'")
	file, err := scenarioArg(fs, args)
	if err != nil {
		return err
	}
	if file == "" {
		fs.Usage()
		return usagef("no scenario given (a file or a built-in name)")
	}
	s, err := sf.open(file)
	if err != nil {
		return err
	}
	if err := rt.Check(s); err != nil {
		return usagef("%s: %v", file, err)
	}
	if *script != "" {
		if fi, err := os.Stat(*script); err != nil || fi.IsDir() {
			return usagef("--wsgi-script %s: not a readable file", *script)
		}
	}
	// A missing Apache is reported before anything else is done.
	if _, err := rt.Locate(*apache); err != nil {
		return exitError{code: 3, err: err}
	}

	if s.Duration.Duration > *maxDur && !sf.force {
		return exitError{code: 2, err: fmt.Errorf("refusing to run: %s lasts %v, longer than --max-duration %v (raise it, or pass --force)",
			file, s.Duration.Duration, *maxDur)}
	}
	if err := fitsThisMachine(s, sf.force, stderr); err != nil {
		return err
	}

	dir := *out
	if dir == "" {
		name := s.Name
		if s.Variant != "" {
			name += "-" + s.Variant
		}
		dir = filepath.Join("out", name+"-runtime")
	}
	if err := results.CheckNew(dir); err != nil {
		return err // a measurement is not repeatable: never replaced, even with --force
	}
	if *accessLog != "" {
		if _, err := os.Lstat(*accessLog); err == nil {
			return &results.OutputError{Path: *accessLog, Msg: "exists: choose another file for --access-log"}
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var progress io.Writer
	if isTerminal(stdout) {
		progress = stdout
	}
	res, err := rt.Run(ctx, s, rt.Options{Binary: *apache, Progress: progress, Info: stderr, WSGIScript: *script, AnyModWSGI: sf.force, AccessLog: *accessLog})
	if err != nil {
		return runtimeError(s, err)
	}
	run := res.Run
	if run.Scenario, err = scenarios.Format(s); err != nil {
		return err
	}
	if err := results.WriteDir(dir, run); err != nil {
		return err
	}
	sum := res.Run.Summary
	fmt.Fprintf(stdout, "%s: %d requests, %d completed, %d failed, %d unfinished; p50 %.0f ms, p99 %.0f ms; peak %d processes, %.0f MB PSS; %d spawns, %d imports\n",
		dir, sum.Requests.Offered, sum.Requests.Completed, sum.Requests.Failed, sum.Requests.Unfinished,
		sum.Latency.P50, sum.Latency.P99, sum.Peak.Processes, sum.Peak.PSSMB, sum.Spawns, sum.Imports)
	if m := sum.Measurement; m != nil {
		phase := ""
		if m.TickPhaseS > 0 {
			phase = fmt.Sprintf("the load started %.3f s before the parent's maintenance tick (tick_phase); ", m.TickPhaseS)
		}
		fmt.Fprintf(stdout, "measured with mod_wsgi %s; %sother processes used %s\n", m.ModWSGI, phase, m.ForeignCPU)
	}
	return nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// runtimeError maps runtime mode's errors to exit codes: 3 for a missing
// Apache, 2 for a scenario asking for another mod_wsgi.
func runtimeError(s *scenarios.Scenario, err error) error {
	var ve *rt.VersionError
	switch {
	case errors.Is(err, rt.ErrMissing):
		return exitError{code: 3, err: err}
	case errors.As(err, &ve):
		return usagef("%s: %v", s.Source, err)
	}
	return err
}
