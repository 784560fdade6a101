package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/internal/slurmtest"
)

// TestSweepOnSlurm plans a sweep as a Slurm array, runs it on a one-node
// cluster started on this machine, merges it, and checks the result is
// byte for byte the sweep run locally; then submits the array again, as a
// requeue would, and checks that changes nothing. Without Slurm it skips,
// except under CI=true, where it fails.
func TestSweepOnSlurm(t *testing.T) {
	if err := slurmtest.Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	// The tasks run the simulate program, not this test binary.
	bin := filepath.Join(t.TempDir(), "simulate")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build:\n%s", out)

	cluster := slurmtest.Start(t)
	file := spikeFile(t)
	vary := []string{"--vary", "apache.max_request_workers=10..40:10", "--vary", "wsgi.preload=false,true", "--replications", "3"}
	root := t.TempDir()
	cluster.Also(root)
	local := filepath.Join(root, "local")
	code, _, stderr := runCLI(append([]string{"sweep", file, "--out", local}, vary...)...)
	require.Equal(t, 0, code, stderr)

	plan := filepath.Join(root, "plan")
	out, err = exec.Command(bin, append([]string{"sweep", file, "--plan", plan, "--tasks", "3"}, vary...)...).CombinedOutput()
	require.NoError(t, err, "%s", out)

	submit := func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "sbatch", "--wait", filepath.Join(plan, "sweep.sbatch"))
		cmd.Env = cluster.Env()
		out, err := cmd.CombinedOutput()
		if err != nil {
			cluster.Logs()
			logs, _ := filepath.Glob(filepath.Join(plan, "logs", "*"))
			for _, l := range logs {
				b, _ := os.ReadFile(l)
				t.Logf("%s:\n%s", l, b)
			}
		}
		require.NoError(t, err, "sbatch --wait: %s", out)
	}
	submit()
	for task := range 3 {
		b, err := os.ReadFile(filepath.Join(plan, "logs", "task-"+string(rune('0'+task))+".out"))
		require.NoError(t, err)
		assert.Contains(t, string(b), "done in", "task %d", task)
	}
	merged := filepath.Join(root, "merged")
	code, _, stderr = runCLI("sweep", "--merge", plan, "--out", merged)
	require.Equal(t, 0, code, stderr)
	sameTree(t, local, merged)

	// Submitted again (a requeue, a repeated job): every task finds its
	// results and does nothing; the merge is the same.
	before, err := filepath.Glob(filepath.Join(plan, "results", "*.json"))
	require.NoError(t, err)
	submit()
	b, err := os.ReadFile(filepath.Join(plan, "logs", "task-1.out"))
	require.NoError(t, err)
	assert.Contains(t, string(b), "nothing to do")
	after, err := filepath.Glob(filepath.Join(plan, "results", "*.json"))
	require.NoError(t, err)
	assert.Equal(t, before, after)
	again := filepath.Join(root, "again")
	code, _, stderr = runCLI("sweep", "--merge", plan, "--out", again)
	require.Equal(t, 0, code, stderr)
	sameTree(t, local, again)

	cluster.Stop()
	assert.Empty(t, cluster.Running(), "processes left running after the cluster stopped")
}
