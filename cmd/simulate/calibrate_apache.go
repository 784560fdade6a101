package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	rt "github.com/forkcast/forkcast/runtime"
	"github.com/forkcast/forkcast/validate"
)

// apacheProber is calibrate's real Prober: it starts a prefork apache2 with
// mod_wsgi from a private ServerRoot on 127.0.0.1, reads /proc, and stops it
// (its process group) before returning. It needs only apache2, its modules
// and python3, not runtime mode; once runtime mode is merged its Locate and
// server start/stop could replace the few lines here that duplicate them.
type apacheProber struct {
	binary, modules, python string
}

func newApacheProber(binary string) (*apacheProber, error) {
	if binary == "" {
		binary = os.Getenv("FORKCAST_APACHE2")
	}
	if binary == "" {
		binary = "/usr/sbin/apache2"
	}
	p := &apacheProber{binary: binary, modules: "/usr/lib/apache2/modules", python: "/usr/bin/python3"}
	var missing []string
	for _, f := range []string{binary, filepath.Join(p.modules, "mod_mpm_prefork.so"), filepath.Join(p.modules, "mod_authz_core.so"), filepath.Join(p.modules, "mod_wsgi.so")} {
		if _, err := os.Stat(f); err != nil {
			missing = append(missing, f)
		}
	}
	if _, err := os.Stat(p.python); err != nil {
		if py, err := exec.LookPath("python3"); err == nil {
			p.python = py
		} else {
			missing = append(missing, "python3")
		}
	}
	if len(missing) > 0 {
		return nil, exitError{code: 3, err: fmt.Errorf("calibration needs Apache httpd with mod_wsgi and python3 (missing %v); install them with:\n    apt-get install -y apache2 libapache2-mod-wsgi-py3 python3", missing)}
	}
	return p, nil
}

func (p *apacheProber) Apache(ctx context.Context, probe validate.ApacheProbe) (validate.ApacheSample, error) {
	var s validate.ApacheSample
	root, port, user, err := probeRoot()
	if err != nil {
		return s, err
	}
	defer os.RemoveAll(root)
	restrict := "On"
	if probe.Python {
		restrict = "Off"
	}
	var app string
	switch probe.App {
	case validate.AppMinimal:
		script := filepath.Join(root, "minimal.wsgi")
		src := "def application(environ, start_response):\n    start_response('200 OK', [])\n    return [b'']\n"
		if b := probe.Ballast; b > 0 {
			// Allocated and touched at load: private, freed on the way
			// out. All the children's together stay within an eighth of
			// the machine's RAM; calibrate measures what they hold.
			if ram, _ := rt.MachineMemory(); ram > 0 && probe.Children > 0 {
				b = min(b, ram/8/int64(probe.Children))
			}
			src += fmt.Sprintf("ballast = bytearray(b'\\x01') * %d\n", b)
		}
		if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
			return s, err
		}
		app = script
	case validate.AppRuntime:
		if app, err = rt.WriteIdleApp(root); err != nil {
			return s, err
		}
	}
	if app != "" {
		// Every child loads it at its start, so no request is needed.
		group := "%{GLOBAL}"
		if probe.SubInterpreter {
			group = "probe" // a sub-interpreter of its own
		}
		app = fmt.Sprintf("WSGIScriptAlias / %q\nWSGIImportScript %q process-group=%%{GLOBAL} application-group=%s\n", app, app, group)
	}
	n := probe.Children
	conf := p.confHead(root, port, user, "mpm_prefork", "authz_core", "wsgi") + fmt.Sprintf(`StartServers %d
MinSpareServers %d
MaxSpareServers %d
ServerLimit %d
MaxRequestWorkers %d
WSGIRestrictEmbedded %s
WSGILazyInitialization On
WSGISocketPrefix %q
%s`, n, n, n+1, n+1, n+1, restrict, filepath.Join(root, "wsgi"), app)
	if probe.Graceful && probe.Python {
		// The new generation's AH00163 and each child's "Python has
		// shutdown", in the order they happened (tornDownFirst).
		conf += "LogLevel warn mpm_prefork:notice wsgi:info\n"
	}
	pid, done, output, err := p.start(root, conf)
	if err != nil {
		return s, err
	}
	defer stopGroup(pid, done)

	// Wait for the children, then let them finish their child_init.
	if err := waitForApache(ctx, root, done, output, func() bool { return len(childrenOf(pid)) >= n }, func() string {
		return fmt.Sprintf("%d of %d children", len(childrenOf(pid)), n)
	}); err != nil {
		return s, err
	}
	select {
	case <-time.After(2 * time.Second):
	case <-ctx.Done():
		return s, ctx.Err()
	}
	s.Parent = readMemory(pid)
	s.ParentCPU = cpuTime(pid)
	old := map[int]bool{}
	for _, c := range childrenOf(pid) {
		old[c] = true
		s.Children = append(s.Children, readMemory(c))
		s.ChildCPU = append(s.ChildCPU, cpuTime(c))
	}
	if !probe.Restart {
		return s, nil
	}
	// SIGHUP: the children go at once, the parent reads its configuration
	// again and forks n new ones; SIGUSR1: the same, gracefully (the idle
	// children go at once too, replaced one for one as they are reaped).
	// Its CPU time from the signal until they run is the restart's (its
	// 1 s sleeps cost nothing).
	before := cpuTime(pid)
	reaped := childrenCPU(pid)
	sig := syscall.SIGHUP
	if probe.Graceful {
		sig = syscall.SIGUSR1
	}
	syscall.Kill(pid, sig)
	deadline := time.Now().Add(30 * time.Second)
	for {
		fresh := 0
		for _, c := range childrenOf(pid) {
			if !old[c] {
				fresh++
			}
		}
		if fresh >= n {
			break
		}
		select {
		case <-done:
			return s, fmt.Errorf("apache2 exited on %v: %s", sig, strings.TrimSpace(output.String()))
		case <-ctx.Done():
			return s, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("apache2 had not restarted its children 30 s after %v", sig)
		}
	}
	select {
	case <-time.After(300 * time.Millisecond):
	case <-ctx.Done():
		return s, ctx.Err()
	}
	s.RestartCPU = cpuTime(pid) - before
	s.ReapedCPU = childrenCPU(pid) - reaped
	s.TornDownFirst = -1
	if probe.Graceful && probe.Python {
		b, _ := os.ReadFile(filepath.Join(root, "error.log"))
		s.TornDownFirst = tornDownFirst(string(b))
	}
	return s, nil
}

// tornDownFirst counts, in an error log, the children's "Python has
// shutdown" lines after a graceful restart's AH00171 and before the new
// generation's AH00163: the children its signal woke that ran their
// teardown before the parent had reloaded. -1 when the log lacks either
// line. Apache appends every process's lines to the one file as they
// happen, so their order is the order of events.
func tornDownFirst(log string) int {
	n, restarting := 0, false
	for _, line := range strings.Split(log, "\n") {
		switch {
		case strings.Contains(line, "AH00171:"):
			restarting, n = true, 0
		case !restarting:
		case strings.Contains(line, "Python has shutdown"):
			n++
		case strings.Contains(line, "AH00163:"):
			return n
		}
	}
	return -1
}

// waitForApache polls every 50 ms until ready() holds, and fails if the
// probe's apache2 exits first (with its output and error log), ctx ends,
// or 30 s pass (saying what it had started: started()).
func waitForApache(ctx context.Context, root string, done chan struct{}, output *bytes.Buffer, ready func() bool, started func() string) error {
	deadline := time.Now().Add(30 * time.Second)
	for !ready() {
		select {
		case <-done:
			errLog, _ := os.ReadFile(filepath.Join(root, "error.log"))
			return fmt.Errorf("apache2 exited: %s %s", strings.TrimSpace(output.String()), strings.TrimSpace(string(errLog)))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("apache2 started %s in 30 s", started())
		}
	}
	return nil
}

// probeRoot makes a probe's private ServerRoot (the caller removes it), a
// free port on 127.0.0.1, and the User/Group lines Apache needs when run
// as root.
func probeRoot() (root string, port int, user string, err error) {
	root, err = os.MkdirTemp("", "forkcast-calibrate-")
	if err != nil {
		return "", 0, "", err
	}
	os.Chmod(root, 0o755)
	if port, err = freeLocalPort(); err != nil {
		os.RemoveAll(root)
		return "", 0, "", err
	}
	if os.Geteuid() == 0 {
		user = "User nobody\nGroup nogroup\n"
	}
	return root, port, user, nil
}

// confHead is the start of a probe's httpd.conf: its ServerRoot, a
// listener on 127.0.0.1:port, its pid file and error log there, user (from
// probeRoot), and the modules, mod_NAME.so from the prober's directory.
func (p *apacheProber) confHead(root string, port int, user string, modules ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ServerRoot %q\nServerName 127.0.0.1\nListen 127.0.0.1:%d\nPidFile %q\nErrorLog %q\nLogLevel warn\n%s",
		root, port, filepath.Join(root, "httpd.pid"), filepath.Join(root, "error.log"), user)
	for _, m := range modules {
		fmt.Fprintf(&b, "LoadModule %s_module %s/mod_%s.so\n", m, p.modules, m)
	}
	return b.String()
}

// start writes conf to root/httpd.conf and starts apache2 on it in the
// foreground, in a session of its own (stopGroup ends it, and it dies with
// forkcast); done closes when it exits; output gathers what it prints.
func (p *apacheProber) start(root, conf string) (pid int, done chan struct{}, output *bytes.Buffer, err error) {
	confPath := filepath.Join(root, "httpd.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return 0, nil, nil, err
	}
	output = &bytes.Buffer{}
	cmd := exec.Command(p.binary, "-f", confPath, "-DFOREGROUND")
	cmd.Dir, cmd.Env = root, []string{"PATH=/usr/bin:/bin", "LANG=C"}
	cmd.Stdout, cmd.Stderr = output, output
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return 0, nil, nil, err
	}
	done = make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	return cmd.Process.Pid, done, output, nil
}

// childrenCPU is the CPU time of pid's reaped children, cutime + cstime in
// /proc/PID/stat (in clock ticks, 10 ms).
func childrenCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 15 {
		return 0
	}
	// After the comm field: state is field 3, so cutime (16) and cstime
	// (17) are f[13] and f[14].
	cu, _ := strconv.ParseInt(f[13], 10, 64)
	cs, _ := strconv.ParseInt(f[14], 10, 64)
	return time.Duration(cu+cs) * 10 * time.Millisecond
}

// burnScript is runtime mode's app.py burn loop (runtime/app.py: burn),
// timed on the wall clock. Keep the two loops the same.
const burnScript = `
import sys, time
def burn(seconds):
    if seconds <= 0:
        return
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        for _ in range(200):
            pass
x = float(sys.argv[1])
burn(0.05)
t0 = time.perf_counter()
burn(x)
print(time.perf_counter() - t0)
`

func (p *apacheProber) Burn(ctx context.Context, seconds float64) (time.Duration, error) {
	out, err := exec.CommandContext(ctx, p.python, "-c", burnScript, strconv.FormatFloat(seconds, 'f', -1, 64)).Output()
	if err != nil {
		return 0, fmt.Errorf("python3: %w", err)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		return 0, fmt.Errorf("python3 printed %q", out)
	}
	return time.Duration(v * float64(time.Second)), nil
}

func (p *apacheProber) Touch(ctx context.Context, step int64) (validate.TouchSample, error) {
	s := validate.TouchSample{Step: step}
	f, err := rt.FirstTouches(ctx, p.python, step, rt.TouchLimit(), false)
	for _, ms := range f.MSPerMiB {
		s.CPU = append(s.CPU, time.Duration(ms*f.StepMiB*float64(time.Millisecond)))
	}
	return s, err
}

// stopGroup stops an Apache started with Setsid: SIGTERM to the parent,
// then SIGKILL to its process group if anything is left after 10 s.
func stopGroup(pid int, done chan struct{}) {
	syscall.Kill(pid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
	syscall.Kill(-pid, syscall.SIGKILL)
	<-done
}

// childrenOf lists the live processes whose parent is pid.
func childrenOf(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		c, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 2 && f[0] != "Z" && f[1] == strconv.Itoa(pid) {
			out = append(out, c)
		}
	}
	return out
}

// readMemory reads smaps_rollup.
func readMemory(pid int) validate.Memory {
	var m validate.Memory
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		return m
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		f := strings.Fields(v)
		if !ok || len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		n *= 1024
		switch k {
		case "Rss":
			m.RSS = n
		case "Pss":
			m.PSS = n
		case "Private_Clean", "Private_Dirty":
			m.Private += n
		case "Anonymous":
			m.Anonymous = n
		}
	}
	return m
}

// cpuTime is a process's CPU time so far, from /proc/PID/schedstat (ns),
// else from utime+stime in /proc/PID/stat (clock ticks, 10 ms).
func cpuTime(pid int) time.Duration {
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/schedstat"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			if ns, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				return time.Duration(ns)
			}
		}
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 14 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}

func freeLocalPort() (int, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
