package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	rt "github.com/forkcast/forkcast/runtime"
	"github.com/forkcast/forkcast/scenarios"
)

// inspect looks at a real Apache, started here by runtime mode's machinery
// (event MPM, a daemon group of 2 processes that preload an app touching
// 40 MiB), and reports what is there; it changes nothing.
func TestInspectRealApache(t *testing.T) {
	needApache(t)
	s, err := scenarios.Parse("inspected.toml", []byte(`
[apache]
mpm = "event"
start_servers = 2
[wsgi]
process_group = "app"
preload = true
[wsgi.daemon_process.app]
processes = 2
threads = 4
[app]
import_cpu = "const(10ms)"
import_memory = "40MiB"
[[workload.phase]]
duration = "10s"
rate = 1.0
`), "")
	require.NoError(t, err)
	srv, err := rt.Serve(context.Background(), s, rt.Options{})
	require.NoError(t, err)
	defer srv.Stop()

	pidBefore, err := os.ReadFile(srv.Layout.PidFile())
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "host.toml")
	var stdout, stderr bytes.Buffer
	code := runMain([]string{"inspect", "--apache-config", srv.Layout.ConfPath(), "--out", out}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	report := stdout.String()
	assert.Contains(t, report, "Apache "+strconv.Itoa(srv.Pid)+" (found by PidFile")
	assert.Regexp(t, `daemon app +2 `, report)
	assert.Regexp(t, `child +2 `, report)
	assert.Regexp(t, `scoreboard \(http://127.0.0.1:\d+/server-status\?auto\): \d+ slots`, report)
	assert.Contains(t, report, "at worst: event with MaxRequestWorkers 150 = 6 children")
	assert.Contains(t, report, "apache2buddy's formula")
	assert.Contains(t, report, "mod_wsgi 4.")

	b, err := os.ReadFile(out)
	require.NoError(t, err)
	got, err := scenarios.Parse(out, b, "")
	require.NoError(t, err, "%s", b)
	assert.Equal(t, goruntime.NumCPU(), got.Host.CPUs)
	ram, swap := rt.MachineMemory()
	assert.LessOrEqual(t, int64(got.Host.RAM), ram)
	assert.Equal(t, swap/1024*1024, int64(got.Host.Swap))
	assert.Equal(t, "4.9", got.WSGI.Version)
	assert.Equal(t, "app", got.WSGI.ProcessGroup, "merged over the imported configuration")
	assert.Equal(t, 2, got.WSGI.DaemonProcesses["app"].Processes)
	assert.InDelta(t, 40, got.App.ImportMemory.MiBs(), 40*0.15, "the daemons' private memory less a bare process")

	// Read-only: the same parent, still serving.
	pidAfter, err := os.ReadFile(srv.Layout.PidFile())
	require.NoError(t, err)
	assert.Equal(t, pidBefore, pidAfter)
	_, err = os.Stat("/proc/" + strconv.Itoa(srv.Pid))
	assert.NoError(t, err)
}
