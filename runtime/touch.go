package runtime

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

// touchScript touches fresh memory as the synthetic app does (app.py:
// touch), step bytes at a time up to limit, keeping it all, and prints each
// step's CPU time in seconds as it goes.
const touchScript = `
import sys, time
step, limit = int(sys.argv[1]), int(sys.argv[2])
kept = []
for _ in range(limit // step):
    t = time.thread_time()
    kept.append(bytearray(b"\x01") * step)
    print(time.thread_time() - t, flush=True)
`

// TouchStep is how much fresh memory a step of the touch probe touches.
const TouchStep = 20 << 20

// TouchLimit is how much fresh memory the touch probe may take: a quarter
// of what the machine has available, at most 1.5 GiB.
func TouchLimit() int64 { return min(1536<<20, memAvailable()/4) }

// FirstTouches runs the touch probe (docs/model.md §8.5) with python:
// fresh memory touched step bytes at a time up to limit, each step's CPU
// per MiB. With untilCold it stops at the first run of dear steps
// (results.FirstTouches.Split), which is all a run needs to know.
func FirstTouches(ctx context.Context, python string, step, limit int64, untilCold bool) (results.FirstTouches, error) {
	f := results.FirstTouches{StepMiB: float64(step) / float64(scenarios.MiB)}
	if limit < step {
		return f, nil
	}
	cmd := exec.CommandContext(ctx, python, "-c", touchScript, strconv.FormatInt(step, 10), strconv.FormatInt(limit, 10))
	out, err := cmd.StdoutPipe()
	if err != nil {
		return f, err
	}
	if err := cmd.Start(); err != nil {
		return f, fmt.Errorf("%s: %w", python, err)
	}
	sc := bufio.NewScanner(out)
	stopped := false
	for sc.Scan() {
		v, err := strconv.ParseFloat(strings.TrimSpace(sc.Text()), 64)
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			return f, fmt.Errorf("%s printed %q", python, sc.Text())
		}
		f.MSPerMiB = append(f.MSPerMiB, v*1000/f.StepMiB)
		if _, _, _, cold := f.Split(); untilCold && cold {
			stopped = true
			cmd.Process.Kill()
			break
		}
	}
	err = cmd.Wait()
	if err != nil && !stopped {
		return f, fmt.Errorf("%s: %w", python, err)
	}
	return f, nil
}

// memAvailable is /proc/meminfo's MemAvailable in bytes (0 if unknown).
func memAvailable() int64 {
	var avail int64
	readKB("/proc/meminfo", func(key string, bytes int64) {
		if key == "MemAvailable" {
			avail = bytes
		}
	})
	return avail
}

// touchProbe measures the first touches just before the load, when the
// scenario's host profile says the host backs only so much fresh memory;
// nothing otherwise, or without python3.
func touchProbe(ctx context.Context, h scenarios.Host) (*results.FirstTouches, error) {
	if touchCPUPerByte(h) == 0 {
		return nil, nil
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		return nil, fmt.Errorf("the touch probe needs python3: %w", err)
	}
	f, err := FirstTouches(ctx, py, TouchStep, TouchLimit(), true)
	if err != nil || len(f.MSPerMiB) == 0 {
		return nil, fmt.Errorf("the touch probe touched nothing: %v", err)
	}
	return &f, nil
}
