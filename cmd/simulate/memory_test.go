package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A day simulated at 500 requests/s, rows every second and figures
// included, as a user runs it: the process's peak RSS stays under 64 MB
// and no figure's SVG passes 2 MB. The figures' images and thinned rows
// live through the run (~12 MB): collected at GOGC=400 the heap grew to
// five times that and the RSS peaked at ~97 MB.
func TestDayLongRunFitsIn64MB(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 24 hours (~20 s)")
	}
	bin := simulateBinary(t)
	out := filepath.Join(t.TempDir(), "day")
	cmd := exec.Command(bin, "run", "prefork-spike", "--duration", "24h", "--out", out,
		"--set", "host.cpus=4", "--set", `app.request_cpu="exp(1ms)"`, "--set", `app.import_cpu="const(500ms)"`,
		"--set", `workload.phase[0].duration="60s"`, "--set", "workload.phase[0].rate=50",
		"--set", `workload.phase[1].duration="24h"`, "--set", "workload.phase[1].rate=500")
	cmd.Env = append(os.Environ(), "GOGC=") // the command's own collection, whatever the tests run at
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", msg)
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	require.True(t, ok)
	rss := float64(ru.Maxrss) * 1024 // Linux reports KiB
	t.Logf("peak RSS %.1f MB", rss/1e6)
	assert.Less(t, rss, 64e6, "peak RSS of a day at 500 requests/s")
	svgs, err := filepath.Glob(filepath.Join(out, "*.svg"))
	require.NoError(t, err)
	assert.Len(t, svgs, 6)
	for _, f := range svgs {
		st, err := os.Stat(f)
		require.NoError(t, err)
		assert.LessOrEqual(t, st.Size(), int64(2e6), "%s", filepath.Base(f))
	}
}
