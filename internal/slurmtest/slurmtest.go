// Package slurmtest starts a one-node Slurm cluster on this machine for a
// test: munged with a key of its own, then slurmctld and slurmd in the
// foreground, with their configuration, state, spool, pid files, sockets
// and logs in a temporary directory and their ports chosen free on
// 127.0.0.1. The test's cleanup cancels the cluster's jobs and stops the
// daemons by their process ids, also when the test fails.
//
// The node is this machine as `slurmd -C` describes it (its CPUs, sockets,
// cores and RealMemory), named localhost; SelectType is select/cons_tres,
// SlurmUser root. Slurm and munge come from Debian's slurm-wlm and munge
// packages; slurmd must run as root.
package slurmtest

import (
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Programs are the Slurm and munge programs a cluster needs.
var Programs = []string{"munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "sinfo"}

// Available reports why a cluster cannot start here, or nil.
func Available() error {
	var missing []string
	for _, p := range Programs {
		if _, err := exec.LookPath(p); err != nil {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("slurm is not installed (no %s): apt-get install -y slurm-wlm munge", strings.Join(missing, ", "))
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("a test Slurm cluster needs root (slurmd runs jobs as their users)")
	}
	return nil
}

// A Cluster is a running one-node Slurm cluster.
type Cluster struct {
	Dir   string // everything the cluster writes
	Conf  string // its slurm.conf: SLURM_CONF for the client commands
	t     testing.TB
	procs []*exec.Cmd // munged, slurmctld, slurmd, in start order
	also  []string    // more directories whose processes Stop ends
}

// Also makes Stop end any process still running whose working directory
// or command line is inside dir (a job's own files, e.g.).
func (c *Cluster) Also(dir string) { c.also = append(c.also, dir) }

// Start starts a cluster and registers its Stop with t.Cleanup. It fails t
// if the cluster does not come up within a minute.
func Start(t testing.TB) *Cluster {
	t.Helper()
	if err := Available(); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "forkcast-slurm-")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{Dir: dir, Conf: filepath.Join(dir, "slurm.conf"), t: t}
	t.Cleanup(func() {
		c.Stop()
		if !t.Failed() {
			os.RemoveAll(dir)
		} else {
			t.Logf("slurmtest: the cluster's files and logs are in %s", dir)
		}
	})
	if err := c.start(); err != nil {
		c.dumpLogs()
		t.Fatalf("slurmtest: %v", err)
	}
	return c
}

func (c *Cluster) path(name string) string { return filepath.Join(c.Dir, name) }

func (c *Cluster) start() error {
	for _, d := range []string{"munge", "state", "spool", "log"} {
		if err := os.MkdirAll(c.path(d), 0o700); err != nil {
			return err
		}
	}
	// munged refuses a key readable by others; a fresh random key makes a
	// cluster of its own, deaf to any other munged on the machine.
	key := make([]byte, 1024)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	if err := os.WriteFile(c.path("munge/munge.key"), key, 0o400); err != nil {
		return err
	}
	socket := c.path("munge/munge.socket")
	if err := c.daemon("munged", "munged", "--foreground", "--force", "--socket="+socket,
		"--key-file="+c.path("munge/munge.key"), "--pid-file="+c.path("munge/munged.pid"),
		"--seed-file="+c.path("munge/munged.seed"), "--log-file="+c.path("log/munged.log")); err != nil {
		return err
	}
	if err := waitFor(10*time.Second, func() bool { _, err := os.Stat(socket); return err == nil }); err != nil {
		return fmt.Errorf("munged did not create its socket: %w", err)
	}
	node, err := nodeLine()
	if err != nil {
		return err
	}
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	conf := fmt.Sprintf(`# A one-node test cluster written by forkcast's internal/slurmtest.
ClusterName=forkcast-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=%d
SlurmdPort=%d
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=%s
CredType=cred/munge
StateSaveLocation=%s
SlurmdSpoolDir=%s
SlurmctldPidFile=%s
SlurmdPidFile=%s
SlurmctldLogFile=%s
SlurmdLogFile=%s
MailProg=/bin/true
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=localhost NodeAddr=127.0.0.1 %s State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
`, ports[0], ports[1], socket, c.path("state"), c.path("spool"), c.path("slurmctld.pid"), c.path("slurmd.pid"),
		c.path("log/slurmctld.log"), c.path("log/slurmd.log"), node)
	if err := os.WriteFile(c.Conf, []byte(conf), 0o644); err != nil {
		return err
	}
	if err := c.daemon("slurmctld", "slurmctld", "-D", "-i", "-f", c.Conf); err != nil {
		return err
	}
	if err := c.daemon("slurmd", "slurmd", "-D", "-N", "localhost", "-f", c.Conf); err != nil {
		return err
	}
	err = waitFor(60*time.Second, func() bool {
		out, err := c.Command("sinfo", "-h", "-n", "localhost", "-o", "%t").Output()
		return err == nil && strings.TrimSpace(string(out)) == "idle"
	})
	if err != nil {
		return fmt.Errorf("the node did not become idle: %w", err)
	}
	return nil
}

// nodeLine is this machine's hardware as slurm.conf's NodeName line wants
// it, from `slurmd -C`, without its NodeName.
func nodeLine() (string, error) {
	out, err := exec.Command("slurmd", "-C").Output()
	if err != nil {
		return "", fmt.Errorf("slurmd -C: %w", err)
	}
	var keep []string
	for _, f := range strings.Fields(strings.SplitN(string(out), "\n", 2)[0]) {
		k, _, _ := strings.Cut(f, "=")
		switch k {
		case "CPUs", "Boards", "SocketsPerBoard", "CoresPerSocket", "ThreadsPerCore", "RealMemory":
			keep = append(keep, f)
		}
	}
	if len(keep) == 0 {
		return "", fmt.Errorf("slurmd -C printed no hardware: %q", out)
	}
	return strings.Join(keep, " "), nil
}

// freePorts returns n ports that were free on 127.0.0.1 a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// daemon starts a program in the foreground, its output in log/NAME.out.
func (c *Cluster) daemon(name, prog string, args ...string) error {
	out, err := os.Create(c.path("log/" + name + ".out"))
	if err != nil {
		return err
	}
	cmd := exec.Command(prog, args...)
	cmd.Env = c.Env()
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // not in the test's process group: no stray terminal signals
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("%s: %w", prog, err)
	}
	out.Close()
	c.procs = append(c.procs, cmd)
	return nil
}

// Env is the environment for the cluster's client commands.
func (c *Cluster) Env() []string {
	return append(os.Environ(), "SLURM_CONF="+c.Conf)
}

// Command is a Slurm client command against this cluster.
func (c *Cluster) Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = c.Env()
	return cmd
}

// Stop cancels the cluster's jobs, waits for them to end, then stops
// slurmd, slurmctld and munged (SIGTERM, SIGKILL after 10 s) and waits for
// them. It can be called more than once.
func (c *Cluster) Stop() {
	if len(c.procs) == 3 {
		c.Command("scancel", "--user", strconv.Itoa(os.Geteuid())).Run()
		waitFor(30*time.Second, func() bool {
			out, err := c.Command("squeue", "-h").Output()
			return err != nil || strings.TrimSpace(string(out)) == ""
		})
	}
	for i := len(c.procs) - 1; i >= 0; i-- {
		stop(c.procs[i])
	}
	c.procs = nil
	// Job steps (slurmstepd and what it started) are not the daemons'
	// children once started; any still running in the cluster's spool
	// directory are ended too.
	for _, d := range append([]string{c.Dir}, c.also...) {
		for _, pid := range processesUnder(d) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// stop ends one daemon: SIGTERM, then SIGKILL if it has not exited in 10 s.
func stop(cmd *exec.Cmd) {
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// processesUnder lists the processes whose working directory or command
// line is inside dir.
func processesUnder(dir string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cwd, _ := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if strings.HasPrefix(cwd, dir) || strings.Contains(string(cmdline), dir) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Running lists the processes still running inside the cluster's
// directory or those given to Also (none once Stop has returned).
func (c *Cluster) Running() []int {
	var pids []int
	for _, d := range append([]string{c.Dir}, c.also...) {
		pids = append(pids, processesUnder(d)...)
	}
	return pids
}

// dumpLogs prints the daemons' logs into the test's output.
func (c *Cluster) dumpLogs() {
	logs, _ := filepath.Glob(c.path("log/*"))
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		if len(b) > 4000 {
			b = b[len(b)-4000:]
		}
		c.t.Logf("%s:\n%s", l, b)
	}
}

// Logs prints the daemons' logs into the test's output (for a failure).
func (c *Cluster) Logs() { c.dumpLogs() }

func waitFor(d time.Duration, ok func() bool) error {
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %v", d)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return nil
}
