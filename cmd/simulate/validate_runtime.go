package main

import (
	"context"
	"os"

	"github.com/forkcast/forkcast/results"
	rt "github.com/forkcast/forkcast/runtime"
	"github.com/forkcast/forkcast/scenarios"
)

func init() {
	runtimeReady = func() error {
		if _, err := rt.Locate(""); err != nil {
			return exitError{code: 3, err: err}
		}
		return nil
	}
	measureRuntime = func(ctx context.Context, sc *scenarios.Scenario) (results.Run, error) {
		force, _ := ctx.Value(forceKey{}).(bool)
		return measureWith(ctx, sc, force)
	}
}

// measureWith is runtime mode for validate; force measures whatever
// mod_wsgi this machine has.
func measureWith(ctx context.Context, sc *scenarios.Scenario, force bool) (results.Run, error) {
	if err := rt.Check(sc); err != nil {
		return results.Run{}, usagef("%s: %v", sc.Source, err)
	}
	var progress *os.File
	if fi, err := os.Stderr.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		progress = os.Stderr
	}
	opt := rt.Options{Info: os.Stderr, AnyModWSGI: force}
	if progress != nil {
		opt.Progress = progress
	}
	res, err := rt.Run(ctx, sc, opt)
	if err != nil {
		return results.Run{}, runtimeError(sc, err)
	}
	run := res.Run
	run.Scenario, err = scenarios.Format(sc)
	return run, err
}
