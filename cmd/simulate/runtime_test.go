package main

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	rt "github.com/forkcast/forkcast/runtime"
)

func writeScenario(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.toml")
	require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
	return p
}

// needApache skips when Apache is missing, except in CI, where it fails.
func needApache(t *testing.T) {
	t.Helper()
	if _, err := rt.Locate(""); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set and Apache is missing: %v", err)
		}
		t.Skipf("Apache is not installed (CI unset): %v", err)
	}
}

func TestRuntimeCommandMissingApache(t *testing.T) {
	file := writeScenario(t, "duration = \"5s\"\n[[workload.phase]]\nduration = \"5s\"\nrate = 1\n")
	t.Setenv(rt.EnvApache, "/nonexistent/sbin/apache2")
	t.Chdir(t.TempDir())
	var out, errb bytes.Buffer
	code := runMain([]string{"runtime", file}, &out, &errb)
	assert.Equal(t, 3, code, errb.String())
	assert.Contains(t, errb.String(), "apt-get install -y apache2 libapache2-mod-wsgi-py3")
	assert.NoDirExists(t, "out", "nothing written")
}

func TestRuntimeCommandRefusesLongScenarios(t *testing.T) {
	needApache(t)
	file := writeScenario(t, "duration = \"20m\"\n[[workload.phase]]\nduration = \"20m\"\nrate = 1\n")
	t.Chdir(t.TempDir())
	var out, errb bytes.Buffer
	code := runMain([]string{"runtime", file, "--max-duration", "10m"}, &out, &errb)
	assert.Equal(t, 2, code, errb.String())
	assert.Contains(t, errb.String(), "--max-duration")
	assert.NoDirExists(t, "out")
}

func TestRuntimeCommandBadInput(t *testing.T) {
	var out, errb bytes.Buffer
	assert.Equal(t, 2, runMain([]string{"runtime"}, &out, &errb))
	assert.Equal(t, 2, runMain([]string{"runtime", "/nonexistent.toml"}, &out, &errb))
	file := writeScenario(t, "duration = \"5s\"\n[[workload.phase]]\nduration = \"5s\"\nrate = 1\n")
	assert.Equal(t, 2, runMain([]string{"runtime", file, "--variant", "nosuch"}, &out, &errb))
	assert.Equal(t, 2, runMain([]string{"runtime", file, "--bogus"}, &out, &errb))
}

// SIGINT in the middle of a run stops Apache and removes everything: no
// process runs the generated config, the port is closed, the temporary
// ServerRoot is gone and no output directory appears.
func TestRuntimeCommandSIGINTLeavesNothing(t *testing.T) {
	needApache(t)
	bin := filepath.Join(t.TempDir(), "simulate")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	file := writeScenario(t, `
name = "interrupt"
duration = "30s"
[apache]
mpm = "prefork"
[app]
import_cpu = "const(50ms)"
import_memory = "2MiB"
request_wait = "const(300ms)"
[workload]
arrivals = "poisson"
idle_after_last = "2s"
[[workload.phase]]
duration = "30s"
rate = 10
`)
	outDir := filepath.Join(t.TempDir(), "result")
	cmd := exec.Command(bin, "runtime", file, "--out", outDir)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()

	// "runtime: Apache (...) on http://127.0.0.1:PORT, ServerRoot DIR"
	re := regexp.MustCompile(`on http://127\.0\.0\.1:(\d+), ServerRoot (\S+)`)
	found := make(chan []string, 1)
	var errText strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			errText.WriteString(sc.Text() + "\n")
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m
			}
		}
		close(found)
	}()
	var m []string
	select {
	case m = <-found:
	case <-time.After(60 * time.Second):
		t.Fatal("Apache did not start")
	}
	require.NotNil(t, m, "no start line: %s", errText.String())
	port, root := m[1], m[2]
	conf := filepath.Join(root, "httpd.conf")
	require.FileExists(t, conf)
	time.Sleep(3 * time.Second) // mid-run, under load
	require.NotEmpty(t, apacheProcesses(conf), "Apache should be running")

	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(40 * time.Second):
		t.Fatal("simulate did not exit after SIGINT")
	}
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "non-zero exit expected, got %v", err)
	assert.Equal(t, 1, ee.ExitCode())

	assert.Empty(t, apacheProcesses(conf), "Apache processes left behind")
	c, err := net.DialTimeout("tcp4", "127.0.0.1:"+port, time.Second)
	if err == nil {
		c.Close()
	}
	assert.Error(t, err, "port %s still open", port)
	assert.NoDirExists(t, root, "temporary ServerRoot left behind")
	assert.NoDirExists(t, outDir, "an interrupted run writes no results")
}

// apacheProcesses lists live processes whose command line holds conf.
func apacheProcesses(conf string) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !bytes.Contains(b, []byte(conf)) {
			continue
		}
		st, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
		if i := bytes.LastIndexByte(st, ')'); i > 0 && i+2 < len(st) && (st[i+2] == 'Z' || st[i+2] == 'X') {
			continue
		}
		if syscall.Kill(pid, 0) == nil {
			out = append(out, pid)
		}
	}
	return out
}
