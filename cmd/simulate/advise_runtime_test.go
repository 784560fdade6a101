package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// light is a short, light prefork scenario that fits any machine: 5
// connections a second for 20 s.
const light = `
name = "light"
duration = "20s"
seed = 5
[host]
ram = "2GiB"
[apache]
mpm = "prefork"
[app]
import_cpu = "const(200ms)"
import_memory = "10MiB"
request_cpu = "exp(10ms)"
request_wait = "exp(20ms)"
[workload]
arrivals = "poisson"
[[workload.phase]]
duration = "20s"
rate = 5.0
[validate]
replications = 4
`

// TestAdviseVerifyAgainstApache replays the recommendation and the current
// settings on the real Apache + mod_wsgi (advise --verify, about a minute)
// and checks the recommendation meets the goals on the real server too.
// Without Apache it fails when CI=true and skips otherwise; -short skips
// it. Run it under the machine's Apache lock:
// flock /tmp/forkcast-apache.lock go test ./cmd/simulate -run AdviseVerify
func TestAdviseVerifyAgainstApache(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: --verify runs two real Apaches for 20 s each")
	}
	unavailable := func(why string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but advise --verify cannot run: %s", why)
		}
		t.Skipf("advise --verify not run: %s", why)
	}
	if measureRuntime == nil {
		unavailable("this build has no runtime mode")
	}
	if err := runtimeReady(); err != nil {
		unavailable(err.Error())
	}
	if _, err := exec.LookPath("python3"); err != nil {
		unavailable("python3 is not installed")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "light.toml")
	require.NoError(t, os.WriteFile(file, []byte(light), 0o644))
	out := filepath.Join(dir, "advice")
	code, stdout, stderr := runCLI("advise", file, "--set", "host.cpus="+strconv.Itoa(goruntime.NumCPU()),
		"--memory-budget", "300MiB", "--p99", "1s", "--verify", "--out", out)
	t.Log(stdout)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "replayed on this machine's Apache")
	var js struct {
		Replays []struct {
			Name     string
			Skipped  string
			Measured map[string]float64
			Meets    bool `json:"meets_goals"`
			Why      string
		}
	}
	data, err := os.ReadFile(filepath.Join(out, "advise.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &js))
	require.Len(t, js.Replays, 2)
	for _, r := range js.Replays {
		assert.Empty(t, r.Skipped, r.Name)
		assert.Greater(t, r.Measured["peak_pss_mb"], 0.0, "%s: a measured peak", r.Name)
	}
	assert.Equal(t, "recommended", js.Replays[0].Name)
	assert.True(t, js.Replays[0].Meets, "the recommendation on the real server: %s", js.Replays[0].Why)
}
