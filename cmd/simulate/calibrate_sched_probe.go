package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	goruntime "runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/forkcast/forkcast/validate"
)

// Scheduler probe sizes: sleeps per load, and bursts of forks like a
// prefork parent's 16 (each child burns CPU, as a new child runs
// child_init and imports).
const (
	schedWakes      = 12
	schedSleep      = 100 * time.Millisecond
	schedBursts     = 3
	schedBurstForks = 16
	schedChildCPU   = 30 * time.Millisecond
)

// schedScript is the scheduler probe: it forks its burners (CPU-bound
// loops), then sleeps schedWakes times and records how late each sleep
// ended, then, schedBursts times, sleeps 250 ms (as the parent sleeps
// between ticks) and forks a burst of children that burn CPU, recording
// the wall and CPU time at which each fork returned. It prints JSON and
// kills its burners; Go kills its process group whatever happens.
const schedScript = `
import json, os, signal, sys, time
k, wakes, sleep, bursts, forks, child = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
def burn(seconds):
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass
burners = []
for _ in range(k):
    pid = os.fork()
    if pid == 0:
        while True:
            pass
    burners.append(pid)
out = {"wakes": [], "bursts": []}
try:
    time.sleep(0.2)
    for _ in range(wakes):
        t = time.perf_counter_ns()
        time.sleep(sleep)
        out["wakes"].append(time.perf_counter_ns() - t - int(sleep * 1e9))
    for _ in range(bursts):
        time.sleep(0.25)
        w0, c0 = time.perf_counter_ns(), time.process_time_ns()
        steps, kids = [], []
        for _ in range(forks):
            pid = os.fork()
            if pid == 0:
                burn(child)
                os._exit(0)
            steps.append([time.perf_counter_ns() - w0, time.process_time_ns() - c0])
            kids.append(pid)
        for pid in kids:
            os.waitpid(pid, 0)
        out["bursts"].append(steps)
finally:
    for pid in burners:
        os.kill(pid, signal.SIGKILL)
    for pid in burners:
        os.waitpid(pid, 0)
print(json.dumps(out))
`

func (p *apacheProber) Sched(ctx context.Context, burners int) (validate.SchedSample, error) {
	s := validate.SchedSample{Cores: goruntime.NumCPU(), Burners: burners}
	cmd := exec.CommandContext(ctx, p.python, "-c", schedScript, strconv.Itoa(burners), strconv.Itoa(schedWakes),
		strconv.FormatFloat(schedSleep.Seconds(), 'f', -1, 64), strconv.Itoa(schedBursts), strconv.Itoa(schedBurstForks),
		strconv.FormatFloat(schedChildCPU.Seconds(), 'f', -1, 64))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.Output()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // any burner left behind
	}
	if err != nil {
		return s, fmt.Errorf("python3: %w", err)
	}
	var raw struct {
		Wakes  []int64      `json:"wakes"`
		Bursts [][][2]int64 `json:"bursts"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		return s, fmt.Errorf("python3 printed %q: %w", out, err)
	}
	for _, w := range raw.Wakes {
		s.Wakes = append(s.Wakes, time.Duration(w))
	}
	for _, b := range raw.Bursts {
		var steps []validate.ForkStep
		for _, st := range b {
			steps = append(steps, validate.ForkStep{Wall: time.Duration(st[0]), CPU: time.Duration(st[1])})
		}
		s.Bursts = append(s.Bursts, steps)
	}
	return s, nil
}
