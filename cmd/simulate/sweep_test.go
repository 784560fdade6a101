package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/sweep"
)

func TestSweepBadInputExits2AndWritesNothing(t *testing.T) {
	file := spikeFile(t)
	cases := map[string][]string{
		"--vary: apache.max_request_worker: unknown key; did you mean apache.max_request_workers?": {"--vary", "apache.max_request_worker=10,20"},
		"runs down": {"--vary", "apache.max_request_workers=150..10:10"},
		"no step":   {"--vary", "apache.max_request_workers=10..150"},
		`apache.max_request_workers = "lots": expected an integer`: {"--vary", "apache.max_request_workers=10,lots"},
		"unknown MPM":       {"--vary", "apache.mpm=prefork,threaded"},
		"nothing to vary":   {},
		"also set by --set": {"--vary", "apache.max_request_workers=10,20", "--set", "apache.max_request_workers=5"},
		"--replications -1": {"--vary", "apache.max_request_workers=10,20", "--replications", "-1"},
		"--vary seed":       {"--vary", "seed=1,2"},
	}
	for want, args := range cases {
		out := filepath.Join(t.TempDir(), "out")
		code, stdout, stderr := runCLI(append([]string{"sweep", file, "--out", out}, args...)...)
		assert.Equal(t, 2, code, "%v: %s", args, stderr)
		assert.Contains(t, stderr, want, args)
		assert.Empty(t, stdout, args)
		_, err := os.Stat(out)
		assert.True(t, os.IsNotExist(err), "%v wrote %s", args, out)
	}
}

func TestSweepRefusesRunawayWorkUnlessForced(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	// 100 points × 5 replications of a 1000-hour scenario.
	code, _, stderr := runCLI("sweep", spikeFile(t), "--duration", "1000h", "--vary", "apache.max_request_workers=1..100:1",
		"--replications", "5", "--out", out)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "refusing to run: 100 points × 5 replications = 500 simulations, estimated at")
	assert.Contains(t, stderr, "--force")
	_, err := os.Stat(out)
	assert.True(t, os.IsNotExist(err))
}

func TestSweepWritesItsTableAndFigures(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runCLI("sweep", spikeFile(t), "--vary", "apache.max_request_workers=10..30:10", "--replications", "2", "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stderr, "quiet when stderr is not a terminal")
	assert.Contains(t, stdout, "3 points × 2 replications = 6 simulations")
	for _, f := range []string{"sweep.csv", "sweep.json", "sweep.html", "sweep_memory.png", "sweep_latency.png", "sweep_pareto.png"} {
		assert.FileExists(t, filepath.Join(out, f))
	}
	table, err := sweep.ReadTable(filepath.Join(out, "sweep.json"))
	require.NoError(t, err)
	assert.Equal(t, 3, table.Points)
	assert.Len(t, table.Rows, 3*len(sweep.Metrics))
	html, err := os.ReadFile(filepath.Join(out, "sweep.html"))
	require.NoError(t, err)
	assert.Contains(t, string(html), `src="data:image/png;base64,`)
	assert.NotContains(t, string(html), "http://")
	assert.NotContains(t, string(html), "https://")

	// The default replications are the scenario's validate.replications (1).
	out2 := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr = runCLI("sweep", spikeFile(t), "--vary", "apache.max_request_workers=10,20", "--out", out2, "--no-plots")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "2 points × 1 replications")
	assert.NoFileExists(t, filepath.Join(out2, "sweep_memory.png"))
}

func TestSweepOutputDoesNotDependOnCoresOrShards(t *testing.T) {
	file := spikeFile(t)
	vary := []string{"--vary", "apache.max_request_workers=10..40:10", "--vary", "wsgi.preload=false,true", "--replications", "3"}
	root := t.TempDir()
	dirs := map[int]string{1: filepath.Join(root, "p1"), 2: filepath.Join(root, "p2")}
	for _, n := range []int{1, 2} {
		withGOMAXPROCS(n, func() {
			code, _, stderr := runCLI(append([]string{"sweep", file, "--out", dirs[n]}, vary...)...)
			require.Equal(t, 0, code, stderr)
		})
	}
	sameTree(t, dirs[1], dirs[2])

	// The same sweep as 4 tasks, run one by one (task 2 twice), merged.
	plan := filepath.Join(root, "plan")
	code, stdout, stderr := runCLI(append([]string{"sweep", file, "--plan", plan, "--tasks", "4"}, vary...)...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "as 4 task(s)")
	assert.Contains(t, stdout, "sbatch "+filepath.Join(plan, "sweep.sbatch"))
	for _, task := range []string{"3", "0", "2", "1", "2"} {
		code, _, stderr := runCLI("sweep", "--task", task, plan, "--jobs", "1")
		require.Equal(t, 0, code, stderr)
	}
	merged := filepath.Join(root, "merged")
	code, _, stderr = runCLI("sweep", "--merge", plan, "--out", merged)
	require.Equal(t, 0, code, stderr)
	sameTree(t, dirs[1], merged)
}

func TestSweepTaskFromTheEnvironment(t *testing.T) {
	plan := filepath.Join(t.TempDir(), "plan")
	code, _, stderr := runCLI("sweep", spikeFile(t), "--vary", "apache.max_request_workers=10,20", "--plan", plan, "--tasks", "2")
	require.Equal(t, 0, code, stderr)
	t.Setenv("JOB_COMPLETION_INDEX", "1")
	code, stdout, stderr := runCLI("sweep", "--task", "env", plan)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "task 1: done")
	code, stdout, _ = runCLI("sweep", "--task", "env", plan)
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "nothing to do")

	code, _, stderr = runCLI("sweep", "--merge", plan, "--out", filepath.Join(t.TempDir(), "m"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "1 task(s) have no results yet: 0")

	code, _, stderr = runCLI("sweep", "--task", "7", plan)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "has tasks 0 to 1")
	code, _, stderr = runCLI("sweep", "--task", "x", plan)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "want a task number")
	code, _, stderr = runCLI("sweep", "--task", "0", t.TempDir())
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "is not a sweep plan")
}
