package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is one running Apache: the parent, started with -DFOREGROUND in a
// new session, so it leads its own process group, which holds every child and
// mod_wsgi daemon (each is a direct child of the parent, in its group).
type server struct {
	layout Layout
	cmd    *exec.Cmd
	pid    int // the parent, and the process group id
	output syncBuffer
	done   chan struct{} // closed when the parent has exited and been reaped
	once   sync.Once
}

// syncBuffer collects Apache's stdout and stderr, where bind and config
// errors go (they never reach ErrorLog).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() < 1<<16 {
		s.b.Write(p)
	}
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// apacheEnv is Apache's whole environment: PATH so mod_wsgi finds sys.prefix
// /usr (with an empty PATH it is "/"), and UTC so error-log timestamps parse
// unambiguously.
var apacheEnv = []string{"PATH=/usr/bin:/bin", "LANG=C", "TZ=UTC"}

// startServer starts Apache and returns once its parent runs. It does not
// wait for readiness (waitReady).
func startServer(l Layout) (*server, error) {
	// A pidfile naming a live process makes apache2 exit 0 doing nothing.
	os.Remove(l.PidFile())
	cmd := exec.Command(l.Install.Binary, "-f", l.ConfPath(), "-DFOREGROUND")
	cmd.Dir = l.Root
	cmd.Env = apacheEnv
	srv := &server{layout: l, cmd: cmd, done: make(chan struct{})}
	cmd.Stdout = &srv.output
	cmd.Stderr = &srv.output
	// Setsid: the parent leads a new session and process group, away from the
	// terminal's Ctrl-C. Pdeathsig: if this program dies without cleaning up,
	// the kernel sends the parent SIGTERM, which stops the whole tree.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", l.Install.Binary, err)
	}
	srv.pid = cmd.Process.Pid
	go func() {
		cmd.Wait()
		close(srv.done)
	}()
	return srv, nil
}

// exited reports whether the parent has exited.
func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// errAddrInUse marks a start that failed because the port was taken.
var errAddrInUse = errors.New("address already in use")

// waitReady waits until Apache's own status URL answers, or the parent exits,
// or the timeout passes.
func (s *server) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := statusClient(time.Second)
	url := "http://" + s.layout.Addr() + s.layout.statusURLPath()
	for {
		if s.exited() {
			out := strings.TrimSpace(s.output.String())
			if strings.Contains(out, "AH00072") || strings.Contains(out, "Address already in use") {
				return fmt.Errorf("%w: %s", errAddrInUse, out)
			}
			return fmt.Errorf("apache2 exited during start-up (rc %d): %s\n(error log: %s)",
				s.cmd.ProcessState.ExitCode(), out, tailFile(s.layout.ErrorLog(), 2000))
		}
		if resp, err := client.Get(url); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("apache2 did not answer %s within %v: %s", url, timeout, s.output.String())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// statusClient fetches Apache's own URLs without keep-alive, so the sampler
// never holds a worker between fetches.
func statusClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DisableKeepAlives: true,
			Proxy:             nil,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				return (&net.Dialer{Timeout: timeout}).DialContext(ctx, "tcp4", addr)
			},
		},
	}
}

// stop stops Apache and everything it started: SIGTERM to the parent (only
// after checking that the pid is still ours), wait for the process group to
// empty, then SIGKILL what is left (children and daemons survive a killed
// parent and keep serving, as seen on Debian 12). Zombies are ignored. It is
// safe to call more than once.
func (s *server) stop(grace time.Duration) error {
	var err error
	s.once.Do(func() { err = s.doStop(grace) })
	return err
}

func (s *server) doStop(grace time.Duration) error {
	if !s.exited() && ownsPid(s.pid, s.layout.ConfPath()) {
		syscall.Kill(s.pid, syscall.SIGTERM)
	}
	if waitGone(s, grace) {
		return nil
	}
	// Leftovers: the process group, and anything still running our config.
	syscall.Kill(-s.pid, syscall.SIGKILL)
	for _, p := range processesWithArg(s.layout.ConfPath()) {
		syscall.Kill(p, syscall.SIGKILL)
	}
	if waitGone(s, 5*time.Second) {
		return nil
	}
	return fmt.Errorf("apache2 processes of group %d survived SIGKILL: %v", s.pid, groupMembers(s.pid))
}

// waitGone waits until the parent is reaped and no live process remains in
// its group or runs our config.
func waitGone(s *server, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if s.exited() && len(groupMembers(s.pid)) == 0 && len(processesWithArg(s.layout.ConfPath())) == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ownsPid reports whether pid is an Apache of this config: "-f conf" on
// its command line, as startServer runs it. (The watchdog has the config's
// path among its arguments too, but not after -f: it must not count, or
// stop would wait out its grace for it and then kill it.)
func ownsPid(pid int, conf string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	args := bytes.Split(b, []byte{0})
	for i := 1; i < len(args); i++ {
		if string(args[i]) == conf && string(args[i-1]) == "-f" {
			return true
		}
	}
	return false
}

// procStat is the part of /proc/PID/stat the sampler and cleanup need.
type procStat struct {
	pid, ppid, pgrp int
	state           byte
	startTicks      uint64
	cpu             uint64 // utime + stime + cutime + cstime: its CPU and its reaped children's, clock ticks
}

func readStat(pid int) (procStat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return procStat{}, false
	}
	f := strings.Fields(string(b[i+2:]))
	if len(f) < 20 {
		return procStat{}, false
	}
	st := procStat{pid: pid, state: f[0][0]}
	st.ppid, _ = strconv.Atoi(f[1])
	st.pgrp, _ = strconv.Atoi(f[2])
	st.startTicks, _ = strconv.ParseUint(f[19], 10, 64)
	for _, x := range f[11:15] {
		n, _ := strconv.ParseUint(x, 10, 64)
		st.cpu += n
	}
	return st, true
}

// allPids lists the numeric entries of /proc.
func allPids() []int {
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	pids := make([]int, 0, len(names))
	for _, n := range names {
		if p, err := strconv.Atoi(n); err == nil {
			pids = append(pids, p)
		}
	}
	return pids
}

// groupMembers lists the live (non-zombie) processes of process group pgid.
func groupMembers(pgid int) []int {
	var out []int
	for _, p := range allPids() {
		if st, ok := readStat(p); ok && st.pgrp == pgid && st.state != 'Z' && st.state != 'X' {
			out = append(out, p)
		}
	}
	return out
}

// processesWithArg lists the live Apache processes of config arg (ownsPid).
func processesWithArg(arg string) []int {
	var out []int
	self := os.Getpid()
	for _, p := range allPids() {
		if p == self {
			continue
		}
		if ownsPid(p, arg) {
			if st, ok := readStat(p); ok && st.state != 'Z' && st.state != 'X' {
				out = append(out, p)
			}
		}
	}
	return out
}

// tailFile returns the last n bytes of a file, for error messages.
func tailFile(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return "(unreadable)"
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > n {
		f.Seek(-n, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	return strings.TrimSpace(string(b))
}

// freePort asks the kernel for a free port on 127.0.0.1.
func freePort() (int, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func newGet(ctx context.Context, url string) (*http.Request, error) {
	return http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
}
