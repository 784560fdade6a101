package runtime

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestForeignCPUIsTheMachineLessOurTree: the machine's busy time less this
// process's tree (children it reaped included) is foreign, and the
// processes outside the tree are named by their CPU; steal counts too.
func TestForeignCPUIsTheMachineLessOurTree(t *testing.T) {
	self := os.Getpid()
	a := cpuSnapshot{busy: 1000, steal: 10, procs: map[int]procCPU{
		self: {ppid: 1, comm: "simulate", start: 5, own: 100, kids: 0},
		7001: {ppid: self, comm: "apache2", start: 6, own: 10, kids: 50},
		9000: {ppid: 1, comm: "go", start: 1, own: 400, kids: 100},
		9100: {ppid: 1, comm: "kworker/0:1", start: 1, own: 5},
		9300: {ppid: 1, comm: "old-daemon", start: 1, own: 5000}, // exits during the run, reaped by init
		1:    {ppid: 0, comm: "init", start: 0},
	}}
	b := cpuSnapshot{busy: 2000, steal: 30, procs: map[int]procCPU{
		self: {ppid: 1, comm: "simulate", start: 5, own: 150, kids: 20},   // +70, a reaped ss included
		7001: {ppid: self, comm: "apache2", start: 6, own: 20, kids: 350}, // +310: children that exited
		7002: {ppid: 7001, comm: "apache2", start: 90, own: 120},          // forked during the run: +120
		9000: {ppid: 1, comm: "go", start: 1, own: 600, kids: 300},        // +400
		9100: {ppid: 1, comm: "kworker/0:1", start: 1, own: 7},            // +2
		9200: {ppid: 1, comm: "python3", start: 95, own: 80},              // new: +80
		1:    {ppid: 0, comm: "init", start: 0, own: 0, kids: 5030},       // reaped old-daemon: 5000 before the run, +30 in it
	}}
	f := foreignCPU(a, b, 2, 10*time.Second)
	// busy 1000 ticks, ours 70 + 310 + 120 = 500: foreign 500 ticks = 5 s of 20.
	assert.InDelta(t, 5.0, f.Seconds, 1e-9)
	assert.InDelta(t, 0.25, f.Share, 1e-9)
	require.Len(t, f.Top, 5)
	assert.Equal(t, "go", f.Top[0].Command)
	assert.InDelta(t, 4.0, f.Top[0].Seconds, 1e-9)
	assert.Equal(t, "python3", f.Top[1].Command)
	assert.Equal(t, "init", f.Top[2].Command, "charged only with what old-daemon spent during the run")
	assert.InDelta(t, 0.3, f.Top[2].Seconds, 1e-9)
	assert.Equal(t, "(hypervisor steal)", f.Top[3].Command)
	assert.Equal(t, "kworker/0:1", f.Top[4].Command)
	assert.Contains(t, f.String(), "25% of the cores")
	assert.Contains(t, f.String(), "go[9000] 4.0 s")
	// Apache's tree alone: the parent's own, the children it reaped, and
	// the child forked during the run.
	assert.InDelta(t, 4.3, treeCPU(a, b, 7001), 1e-9, "310 + 120 ticks")
}

// TestForeignCPUSeesABusyProcess reads the real /proc: a CPU-bound process
// that is not ours shows up by name.
func TestForeignCPUSeesABusyProcess(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	// setsid would not help: the burner is our child; make it someone
	// else's by letting a shell start it in the background and exit.
	out, err := exec.Command(sh, "-c", `(exec sh -c 'while :; do :; done') >/dev/null 2>&1 & echo $!`).Output()
	require.NoError(t, err)
	var pid int
	_, err = fmt.Sscan(string(out), &pid)
	require.NoError(t, err)
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	a := takeCPUSnapshot()
	time.Sleep(500 * time.Millisecond)
	b := takeCPUSnapshot()
	f := foreignCPU(a, b, 2, 500*time.Millisecond)
	found := false
	for _, p := range f.Top {
		if p.PID == pid {
			found = true
			assert.Greater(t, p.Seconds, 0.05)
		}
	}
	assert.True(t, found, "the burner %d is named: %+v", pid, f.Top)
	assert.Greater(t, f.Seconds, 0.05)
}

// Runtime mode's own CPU counts the commands it runs and reaps (the
// sampler's ss): they compete with Apache like the load generator does.
func TestSelfCPUCountsReapedCommands(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("needs python3")
	}
	before := selfCPU()
	require.NoError(t, exec.Command(py, "-c", "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass").Run())
	assert.Greater(t, selfCPU()-before, 250*time.Millisecond, "the command's 0.3 s of CPU")
}

// Apache's tree's CPU, as the sampler sums it each sweep, counts a child's
// time while it runs, while it is a zombie and once its parent has reaped
// it, with no dip and no double count: each interval's use is a
// difference of these sums.
func TestSamplerCountsTheTreesCPUThroughAReap(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("needs python3")
	}
	// This test process stands for Apache's parent.
	sm := newSampler(Layout{Root: t.TempDir()}, os.Getpid(), newRunClock(time.Now()), 100*time.Millisecond, false)
	start := sm.sweep(false).ApacheCPU
	cmd := exec.Command(py, "-c", "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4: pass")
	require.NoError(t, cmd.Start())
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		st, ok := readStat(cmd.Process.Pid)
		require.True(t, ok)
		if st.state == 'Z' {
			break // exited, not reaped
		}
		require.True(t, time.Now().Before(deadline), "the child never exited")
	}
	zombie := sm.sweep(false)
	require.NoError(t, cmd.Wait())
	reaped := sm.sweep(false)
	assert.Greater(t, zombie.ApacheCPU-start, 350*time.Millisecond, "the zombie's 0.4 s")
	assert.GreaterOrEqual(t, reaped.ApacheCPU, zombie.ApacheCPU, "reaping moves the child's time into its parent's")
	assert.Less(t, reaped.ApacheCPU-zombie.ApacheCPU, 100*time.Millisecond, "and counts it once")
	assert.GreaterOrEqual(t, reaped.MachineBusy, reaped.ApacheCPU-start, "the machine was busy at least that long")
}

// Foreign CPU interval by interval is the machine's busy time less
// Apache's tree's and runtime mode's own, from their values at t=0.
func TestForeignByInterval(t *testing.T) {
	const srv = 7001
	before := cpuSnapshot{busy: 500, procs: map[int]procCPU{ // 5 s busy, 3 s of it Apache's (ticks of 10 ms)
		srv:  {ppid: 1, own: 100, kids: 100},
		7002: {ppid: srv, own: 100},
	}}
	ms := time.Millisecond
	var samples []Sample
	for at := 100 * ms; at <= 2*time.Second; at += 100 * ms {
		// Apache 1 core, runtime mode 0.2, others 0.3 in the first second
		// and 0.8 in the second.
		s := Sample{At: at, ApacheCPU: 3*time.Second + at, SelfCPU: time.Second + at/5}
		other := at * 3 / 10
		if at > time.Second {
			other = 300*ms + (at-time.Second)*8/10
		}
		s.MachineBusy = 5*time.Second + at + at/5 + other
		samples = append(samples, s)
	}
	got := foreignByInterval(samples, before, srv, time.Second, time.Second, 2)
	require.Len(t, got, 2)
	assert.InDelta(t, 0.3, got[0], 0.001)
	assert.InDelta(t, 0.8, got[1], 0.06, "from the first second's last sample (0.9 s) to 2 s")
	apache := apacheByInterval(samples, before, srv, time.Second, 2)
	assert.InDelta(t, 1.0, apache[0], 0.001)
	assert.InDelta(t, 1.0, apache[1], 0.001)
}
