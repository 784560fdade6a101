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

// pythonGroup runs a probe script in a process group of its own and
// returns what it printed; whatever it forked is killed when it ends, is
// cancelled or fails.
func (p *apacheProber) pythonGroup(ctx context.Context, script string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, p.python, append([]string{"-c", script}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.Output()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // any process left behind
	}
	if err != nil {
		return nil, fmt.Errorf("python3: %w", err)
	}
	return out, nil
}

func (p *apacheProber) Sched(ctx context.Context, burners int) (validate.SchedSample, error) {
	s := validate.SchedSample{Cores: goruntime.NumCPU(), Burners: burners}
	out, err := p.pythonGroup(ctx, schedScript, strconv.Itoa(burners), strconv.Itoa(schedWakes),
		strconv.FormatFloat(schedSleep.Seconds(), 'f', -1, 64), strconv.Itoa(schedBursts), strconv.Itoa(schedBurstForks),
		strconv.FormatFloat(schedChildCPU.Seconds(), 'f', -1, 64))
	if err != nil {
		return s, err
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

// The balance probe: each process burns balanceCPU of CPU, sampled every
// balanceStep.
const (
	balanceCPU  = 2 * time.Second
	balanceStep = 5 * time.Millisecond
)

// balanceScript is the balance probe: it forks its CPU-bound processes,
// then reads each one's /proc/PID/stat every step and records the core it
// is on (field 39, processor) until one of them has ended. It prints JSON
// and kills what is left; Go kills its process group whatever happens.
const balanceScript = `
import json, os, signal, sys, time
n, cpu, step = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
kids = []
for _ in range(n):
    pid = os.fork()
    if pid == 0:
        end = time.process_time() + cpu
        while time.process_time() < end:
            pass
        os._exit(0)
    kids.append(pid)
points = []
t0 = time.perf_counter_ns()
try:
    while True:
        cpus = []
        for pid in kids:
            try:
                with open("/proc/%d/stat" % pid) as f:
                    stat = f.read()
            except OSError:
                break
            fields = stat[stat.rindex(")") + 2:].split()
            if fields[0] in "ZX":
                break
            cpus.append(int(fields[36]))
        if len(cpus) < n:
            break
        points.append([time.perf_counter_ns() - t0, cpus])
        time.sleep(step)
finally:
    for pid in kids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for pid in kids:
        os.waitpid(pid, 0)
print(json.dumps(points))
`

func (p *apacheProber) Balance(ctx context.Context, tasks int) (validate.BalanceSample, error) {
	s := validate.BalanceSample{Cores: goruntime.NumCPU(), Tasks: tasks}
	out, err := p.pythonGroup(ctx, balanceScript, strconv.Itoa(tasks),
		strconv.FormatFloat(balanceCPU.Seconds(), 'f', -1, 64), strconv.FormatFloat(balanceStep.Seconds(), 'f', -1, 64))
	if err != nil {
		return s, err
	}
	var pts [][2]json.RawMessage // [ns since the start, [core of each process]]
	if err := json.Unmarshal(out, &pts); err != nil {
		return s, fmt.Errorf("python3 printed %q: %w", out, err)
	}
	for _, pt := range pts {
		var at int64
		var cpu []int
		if json.Unmarshal(pt[0], &at) != nil || json.Unmarshal(pt[1], &cpu) != nil || len(cpu) != tasks {
			return s, fmt.Errorf("python3 printed the point [%s, %s], not [ns, [a core for each of %d processes]]", pt[0], pt[1], tasks)
		}
		s.Points = append(s.Points, validate.BalancePoint{At: time.Duration(at), CPU: cpu})
	}
	return s, nil
}
