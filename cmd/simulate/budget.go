package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	rt "runtime"
	"runtime/debug"
	"runtime/metrics"
	"syscall"
	"time"

	"github.com/forkcast/forkcast/models"
	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

// Every simulation has a budget. Before anything runs, the scenarios'
// estimated cost (models.EstimateCost) is checked against models'
// DefaultLimits: beyond them the command refuses, naming the estimate and
// the keys that drive it, unless --force. While it runs, the process holds
// a soft memory limit (debug.SetMemoryLimit) and a watchdog that stops the
// simulation with a clear error if its heap passes a hard limit or it runs
// far past its estimate — a misestimate ends in a message, not a Go crash
// or a run that never ends. Ctrl-C stops it too.

// ExitInternal is the exit code of a bug in forkcast (a panic in the
// engine); 2 stays for the user's mistakes.
const ExitInternal = 70

// budget returns a context for simulating scs one after another: it checks
// their total estimate (a *models.BudgetError unless force), prints it on
// stderr when the run will be long, and arms the watchdogs. cancel must be
// called when the simulations are done.
func budget(force bool, stderr io.Writer, scs ...*scenarios.Scenario) (context.Context, context.CancelFunc, error) {
	var total models.Estimate
	for _, sc := range scs {
		e := models.EstimateCost(sc)
		if !force {
			if err := e.Check(sc, models.DefaultLimits); err != nil {
				return nil, nil, err
			}
		}
		total.Wall += e.Wall
		total.Memory = max(total.Memory, e.Memory)
	}
	if total.Wall > 10*time.Second && len(scs) > 0 {
		fmt.Fprintf(stderr, "simulate: estimated cost %s\n", models.EstimateCost(scs[0]))
	}
	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancelCause(ctx)

	ram := float64(machineRAMMB()) * (1 << 20)
	hard := 1.5 * models.DefaultLimits.Memory
	if force && ram > 0 {
		hard = 0.75 * ram
	}
	if ram > 0 {
		hard = min(hard, 0.75*ram)
	}
	debug.SetMemoryLimit(int64(hard * 0.8))
	deadline := max(5*total.Wall, 15*time.Minute)
	done := make(chan struct{})
	go watch(ctx, cancel, done, hard, deadline, force, total.Wall)
	return ctx, func() {
		close(done)
		cancel(nil)
		stopSignals()
		debug.SetMemoryLimit(-1)
	}, nil
}

// watch stops the simulation (through cancel) when the heap passes hard
// bytes or, unless force, the run passes deadline.
func watch(ctx context.Context, cancel context.CancelCauseFunc, done <-chan struct{}, hard float64, deadline time.Duration, force bool, estimate time.Duration) {
	began := time.Now()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		metrics.Read(sample)
		if heap := float64(sample[0].Value.Uint64()); heap > hard {
			rt.GC()
			metrics.Read(sample)
			if heap = float64(sample[0].Value.Uint64()); heap > hard {
				cancel(fmt.Errorf("stopped: the simulation's memory reached %.1f GiB, past this run's limit of %.1f GiB; its estimate was too low, which is a bug in the estimate: please report it, and lower the traffic or the server's size",
					heap/(1<<30), hard/(1<<30)))
				return
			}
		}
		if !force && time.Since(began) > deadline {
			cancel(fmt.Errorf("stopped after %v: the run took far longer than its estimate (%v); this is a bug in the estimate, please report it, or pass --force to let it run",
				time.Since(began).Round(time.Second), estimate.Round(time.Second)))
			return
		}
	}
}

// internalError reports a panic inside the engine: a one-line message, the
// scenario that caused it saved where the user can attach it to a report,
// and exit code ExitInternal.
func internalError(err error, sc *scenarios.Scenario, stderr io.Writer) error {
	var ie *models.InternalError
	if !errors.As(err, &ie) {
		return err
	}
	where := "(could not save the scenario)"
	if text, ferr := scenarios.Format(sc); ferr == nil {
		if f, cerr := os.CreateTemp("", "forkcast-crash-*.toml"); cerr == nil {
			fmt.Fprintf(f, "%s\n# stack:\n", text)
			for _, line := range splitLines(string(ie.Stack)) {
				fmt.Fprintf(f, "# %s\n", line)
			}
			f.Close()
			where = f.Name()
		}
	}
	return exitError{code: ExitInternal, err: fmt.Errorf("internal error, please report it: %v; the scenario that caused it, with the stack, is in %s", ie.Value, where)}
}

func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		out = append(out, s[:i])
		if i < len(s) {
			i++
		}
		s = s[i:]
	}
	return out
}

// simulateIn runs one scenario under ctx (from budget), attaching the
// resolved scenario; a panic becomes an internal error.
func simulateIn(ctx context.Context, sc *scenarios.Scenario, stderr io.Writer) (results.Run, error) {
	run, err := models.SimulateContext(ctx, sc)
	if err != nil {
		return run, internalError(err, sc, stderr)
	}
	run.Scenario, err = scenarios.Format(sc)
	return run, err
}
