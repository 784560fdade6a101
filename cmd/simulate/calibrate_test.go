package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/validate"
)

type stubProber struct{}

func (stubProber) Apache(_ context.Context, p validate.ApacheProbe) (validate.ApacheSample, error) {
	s := validate.ApacheSample{Parent: validate.Memory{RSS: 7 << 20, Private: 1 << 20}, ParentCPU: time.Duration(p.Children) * time.Millisecond}
	for range p.Children {
		m := validate.Memory{RSS: 5 << 20, Private: 256 << 10}
		if p.Python {
			m.Private += 4 << 20
			m.RSS += 6 << 20
		}
		s.Children = append(s.Children, m)
		s.ChildCPU = append(s.ChildCPU, time.Millisecond)
	}
	return s, nil
}

func (stubProber) Burn(context.Context, float64) (time.Duration, error) {
	return 1200 * time.Millisecond, nil
}

// Requests: 50 ms of background a second, 0.8 ms per request.
func (stubProber) Requests(_ context.Context, rate float64, d time.Duration, _ bool) (validate.RequestsSample, error) {
	n := int64(rate * d.Seconds())
	return validate.RequestsSample{CPU: time.Duration(d.Seconds()*50)*time.Millisecond + time.Duration(n)*800*time.Microsecond, Completed: n, Lateness: 60 * time.Microsecond}, nil
}

// Responses: the CPU × 1.2 and 0.8 ms at the server, and 2 ms more.
func (stubProber) Responses(_ context.Context, cpu time.Duration, n int, _ bool) (validate.ResponsesSample, error) {
	var s validate.ResponsesSample
	for range n {
		s.Latencies = append(s.Latencies, time.Duration(1.2*float64(cpu))+2800*time.Microsecond)
	}
	return s, nil
}

// Threads: 20 KiB per idle thread, 40 KiB more once a thread has served.
func (stubProber) Threads(_ context.Context, p validate.ThreadsProbe) (validate.ThreadsSample, error) {
	var s validate.ThreadsSample
	rest := int64(600<<10 + p.Threads*20<<10)
	s.Child = [6]validate.Memory{{Private: rest}, {Private: rest}, {Private: rest + int64(p.Threads)*40<<10}, {Private: rest}}
	return s, nil
}

// ForkBursts: the parent's maintenance forks 8, 16 and 32 children at
// 0.8 ms of its CPU each.
func (stubProber) ForkBursts(context.Context) ([]validate.ForkBurst, error) {
	return []validate.ForkBurst{{Forks: 8, CPU: 6400 * time.Microsecond}, {Forks: 16, CPU: 12800 * time.Microsecond}, {Forks: 32, CPU: 25600 * time.Microsecond}}, nil
}

// Touch: 0.5 ms per MiB throughout (a host that backs all the memory).
func (stubProber) Touch(_ context.Context, step int64) (validate.TouchSample, error) {
	s := validate.TouchSample{Step: step}
	for range 10 {
		s.CPU = append(s.CPU, time.Duration(step>>20)*500*time.Microsecond)
	}
	return s, nil
}

// Sched: sleeps end 3 ms late per burner beyond the first on 2 cores;
// forks never wait.
func (stubProber) Sched(_ context.Context, k int) (validate.SchedSample, error) {
	s := validate.SchedSample{Cores: 2, Burners: k}
	for range 5 {
		s.Wakes = append(s.Wakes, time.Duration(max(0, k-1))*3*time.Millisecond/2)
	}
	return s, nil
}

// Balance: processes on 2 cores that never move.
func (stubProber) Balance(_ context.Context, n int) (validate.BalanceSample, error) {
	s := validate.BalanceSample{Cores: 2, Tasks: n}
	cpu := make([]int, n)
	for i := range cpu {
		cpu[i] = i % 2
	}
	for i := range 10 {
		s.Points = append(s.Points, validate.BalancePoint{At: time.Duration(i) * 5 * time.Millisecond, CPU: cpu})
	}
	return s, nil
}

func TestCalibrateWritesALoadableProfile(t *testing.T) {
	old := newProber
	t.Cleanup(func() { newProber = old })
	newProber = func(string) (validate.Prober, error) { return stubProber{}, nil }
	dir := t.TempDir()
	out := filepath.Join(dir, "hosts", "calibrated.toml")
	code, stdout, stderr := runCLI("calibrate", "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "cpu_second = 1.200")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "s.toml"), []byte("[host]\nprofile = \"hosts/calibrated.toml\"\n[[workload.phase]]\nduration = \"5s\"\nrate = 1\n"), 0o644))
	sc, err := scenarios.Load(filepath.Join(dir, "s.toml"), "")
	require.NoError(t, err)
	assert.Equal(t, 1.2, sc.Host.CPUSecond)
	assert.Equal(t, 4*scenarios.MiB, sc.Host.PythonInterpreter)
	assert.Equal(t, 800*time.Microsecond, sc.Host.ForkTime.Duration, "the parent's CPU per fork in its maintenance bursts")
	assert.Equal(t, 3*time.Millisecond, sc.Host.SchedWakeWait.Duration, "the wake-up lateness per queued task per core")
	assert.Zero(t, sc.Host.SchedRun.Duration, "forks never waited: the parent is never preempted")
	assert.Zero(t, sc.Host.SchedMigrate, "no process moved: processor sharing")
	assert.Equal(t, 60*time.Microsecond, sc.Host.ArrivalJitter.Duration)
	require.Len(t, sc.Host.ResponseDelay, 5)
	assert.Equal(t, 2*time.Millisecond, sc.Host.ResponseDelay.Draw(time.Second, 0.5), "2 ms beyond the time at the server")
	assert.Equal(t, sc.Host.ResponseDelay, sc.Host.ResponseDelayDaemon)
}

func TestCalibrateWithoutApacheExits3(t *testing.T) {
	t.Setenv("FORKCAST_APACHE2", filepath.Join(t.TempDir(), "no-apache2"))
	code, _, stderr := runCLI("calibrate", "--out", filepath.Join(t.TempDir(), "c.toml"))
	assert.Equal(t, 3, code)
	assert.Contains(t, stderr, "apt-get install")
}

// The error log of a graceful restart measured on a 2-core VM (runtime
// mode's lazy prefork, five idle children): the parent reloaded before
// any child had torn Python down. Lines that are not the restart's are
// skipped; a log without the new generation says so.
func TestTornDownFirstReadsTheErrorLogInOrder(t *testing.T) {
	log := `[Fri Dec 04 16:32:15.045121 2026] [mpm_prefork:notice] [pid 13352] AH00163: Apache/2.4.71 (Debian) mod_wsgi/4.9.4 Python/3.11 configured -- resuming normal operations
[Fri Dec 04 16:32:30.174825 2026] [mpm_prefork:notice] [pid 13352] AH00171: Graceful restart requested, doing restart
[Fri Dec 04 16:32:30.181030 2026] [mpm_prefork:notice] [pid 13352] AH00163: Apache/2.4.71 (Debian) mod_wsgi/4.9.4 Python/3.11 configured -- resuming normal operations
[Fri Dec 04 16:32:30.217626 2026] [wsgi:info] [pid 13355] mod_wsgi (pid=13355): Python has shutdown.
[Fri Dec 04 16:32:30.217731 2026] [wsgi:info] [pid 13354] mod_wsgi (pid=13354): Python has shutdown.
`
	assert.Equal(t, 0, tornDownFirst(log))
	// On the VM where the woken children took the parent's core.
	log = `[Thu Dec 03 10:00:00.000000 2026] [mpm_prefork:notice] [pid 1] AH00171: Graceful restart requested, doing restart
[Thu Dec 03 10:00:00.009000 2026] [wsgi:info] [pid 2] mod_wsgi (pid=2): Python has shutdown.
[Thu Dec 03 10:00:00.017000 2026] [wsgi:info] [pid 3] mod_wsgi (pid=3): Python has shutdown.
[Thu Dec 03 10:00:00.030000 2026] [mpm_prefork:notice] [pid 1] AH00163: Apache/2.4.71 (Debian) configured -- resuming normal operations
[Thu Dec 03 10:00:00.041000 2026] [wsgi:info] [pid 4] mod_wsgi (pid=4): Python has shutdown.
`
	assert.Equal(t, 2, tornDownFirst(log))
	assert.Equal(t, -1, tornDownFirst(strings.SplitN(log, "\n", 3)[0]+"\n"), "no new generation")
	assert.Equal(t, -1, tornDownFirst(""), "no restart")
}
