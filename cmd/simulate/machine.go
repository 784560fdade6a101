package main

import (
	"fmt"
	"io"
	goruntime "runtime"
	"strconv"

	"github.com/forkcast/forkcast/models"
	"github.com/forkcast/forkcast/results"
	rt "github.com/forkcast/forkcast/runtime"
	"github.com/forkcast/forkcast/scenarios"
)

// fitsThisMachine is the guard before a real Apache runs a scenario here
// (runtime and validate): the simulator predicts the run for this very
// machine — its RAM, swap and cores, whatever the scenario's [host] says,
// since runtime mode uses this machine and not the scenario's — and the
// command refuses, unless force, when the predicted peak memory passes half
// of this machine's RAM. (With the scenario's own host.ram the simulator's
// OOM killer would cap the prediction at that RAM, and a scenario that
// needs 30 GB here would pass as 1 GB.)
func fitsThisMachine(sc *scenarios.Scenario, force bool, stderr io.Writer) error {
	if force {
		return nil
	}
	ram, swap := rt.MachineMemory()
	if ram <= 0 {
		fmt.Fprintln(stderr, "simulate: warning: this machine's RAM is unknown (no /proc/meminfo); running without the memory check")
		return nil
	}
	here := *sc
	for _, o := range []scenarios.Override{
		{Key: "host.ram", Value: strconv.Quote(strconv.FormatInt(ram, 10) + "B")},
		{Key: "host.swap", Value: strconv.Quote(strconv.FormatInt(swap, 10) + "B")},
		{Key: "host.cpus", Value: strconv.Itoa(goruntime.NumCPU())},
	} {
		if err := scenarios.Set(&here, o.Key, o.Value); err != nil {
			return err
		}
	}
	ctx, done, err := budget(false, stderr, &here)
	if err != nil {
		return err
	}
	defer done()
	pred, err := models.SimulateContext(ctx, &here)
	if err != nil {
		return internalError(err, &here, stderr)
	}
	return checkPredicted(pred, float64(ram))
}

// checkPredicted refuses a prediction whose memory passes half of ram bytes.
func checkPredicted(pred results.Run, ram float64) error {
	limit := ram / 2 / (1 << 20)
	if pss := pred.Summary.Peak.PSSMB; pss > limit {
		return exitError{code: 2, err: fmt.Errorf("refusing to run on this machine: the simulator, given this machine's %.0f MB of RAM and %d cores, predicts a peak of %.0f MB PSS (%d processes), more than half its RAM (%.0f MB); driven by app.import_memory and the most processes the configuration allows (apache.max_request_workers, wsgi.daemon_process.*.processes); pass --force to run anyway",
			ram/(1<<20), goruntime.NumCPU(), pss, pred.Summary.Peak.Processes, limit)}
	}
	if pred.Summary.OOMKills > 0 {
		return exitError{code: 2, err: fmt.Errorf("refusing to run on this machine: the simulator, given this machine's %.0f MB of RAM, predicts %d OOM kills; pass --force to run anyway",
			ram/(1<<20), pred.Summary.OOMKills)}
	}
	return nil
}
