package sweep

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/results"
)

// planned writes a plan of d with n tasks and returns its directory.
func planned(t *testing.T, d Design, n int) (string, *Plan) {
	t.Helper()
	points, err := d.Points()
	require.NoError(t, err)
	p, err := NewPlan(d, points, PlanOptions{Tasks: n})
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "plan")
	require.NoError(t, WritePlan(dir, p, "/usr/local/bin/simulate", false))
	return dir, p
}

func TestShardedSweepEqualsTheLocalOne(t *testing.T) {
	d := Design{Source: spikeSource(t), Vary: mustVary(t, "apache.max_request_workers=10..40:10", "apache.keep_alive=true,false"), Replications: 3}
	points, err := d.Points()
	require.NoError(t, err)
	local, err := RunPoints(context.Background(), d, points, Options{})
	require.NoError(t, err)
	root := t.TempDir()
	require.NoError(t, Write(filepath.Join(root, "local"), local, false, true))

	for _, n := range []int{1, 5, 24} {
		dir, p := planned(t, d, n)
		require.Len(t, p.Tasks, n)
		// Tasks in any order, one of them twice (a requeue).
		order := []int{}
		for i := n - 1; i >= 0; i-- {
			order = append(order, i)
		}
		order = append(order, n/2)
		for _, i := range order {
			_, err := RunTask(context.Background(), dir, i, Options{Jobs: 1 + i%2})
			require.NoError(t, err, "task %d", i)
		}
		merged, err := Merge(dir)
		require.NoError(t, err)
		assert.Equal(t, local, merged, "%d tasks", n)
		out := filepath.Join(root, "merged", strings.Repeat("x", n))
		require.NoError(t, Write(out, merged, false, true))
		sameTree(t, filepath.Join(root, "local"), out)
	}
}

func TestTasksCoverEveryRunOnceAndBalanceTheWork(t *testing.T) {
	// The rate grows with the point, so later points cost more.
	d := Design{Source: spikeSource(t), Vary: mustVary(t, "workload.phase[1].rate=10..200:10"), Replications: 5}
	points, err := d.Points()
	require.NoError(t, err)
	p, err := NewPlan(d, points, PlanOptions{Tasks: 7})
	require.NoError(t, err)
	next := 0
	var lo, hi float64 = 1e9, 0
	for i, task := range p.Tasks {
		assert.Equal(t, i, task.Index)
		assert.Equal(t, next, task.First)
		assert.Greater(t, task.Count, 0)
		next += task.Count
		lo, hi = min(lo, task.Work), max(hi, task.Work)
	}
	assert.Equal(t, len(points)*5, next)
	assert.Less(t, hi/lo, 1.5, "tasks' estimated work is about equal")
	assert.Greater(t, p.Tasks[0].Count, p.Tasks[6].Count, "cheap runs go more to a task")

	// Sized by work: one task for a small sweep, more when each must be short.
	p, err = NewPlan(d, points, PlanOptions{})
	require.NoError(t, err)
	assert.Len(t, p.Tasks, 1)
	p, err = NewPlan(d, points, PlanOptions{TaskWork: Work(points, 5) / 4})
	require.NoError(t, err)
	assert.InDelta(t, 4, len(p.Tasks), 1)
	p, err = NewPlan(d, points, PlanOptions{TaskWork: time.Nanosecond})
	require.NoError(t, err)
	assert.Len(t, p.Tasks, 100, "at most one task per run")
}

func TestTaskKeysFollowWhatTheTaskComputes(t *testing.T) {
	d := Design{Source: spikeSource(t), Vary: mustVary(t, "apache.max_request_workers=10,20"), Replications: 2}
	points, err := d.Points()
	require.NoError(t, err)
	a, err := NewPlan(d, points, PlanOptions{Tasks: 2})
	require.NoError(t, err)
	b, err := NewPlan(d, points, PlanOptions{Tasks: 2})
	require.NoError(t, err)
	assert.Equal(t, a.Tasks, b.Tasks, "the same plan twice: the same keys")
	assert.NotEqual(t, a.Tasks[0].Key, a.Tasks[1].Key)

	d3 := d
	d3.Replications = 3
	points3, err := d3.Points()
	require.NoError(t, err)
	c, err := NewPlan(d3, points3, PlanOptions{Tasks: 2})
	require.NoError(t, err)
	assert.NotEqual(t, a.Tasks[0].Key, c.Tasks[0].Key)
}

func TestARepeatedTaskDoesNothing(t *testing.T) {
	d := Design{Source: spikeSource(t), Vary: mustVary(t, "apache.max_request_workers=10,20"), Replications: 2}
	dir, p := planned(t, d, 2)
	done, err := RunTask(context.Background(), dir, 0, Options{})
	require.NoError(t, err)
	assert.True(t, done)
	path := resultPath(dir, p.Tasks[0])
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	done, err = RunTask(context.Background(), dir, 0, Options{})
	require.NoError(t, err)
	assert.False(t, done, "the results are there: nothing to do")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, before, after)

	// A file that is not the task's result is never overwritten.
	other := resultPath(dir, p.Tasks[1])
	require.NoError(t, os.WriteFile(other, []byte("my notes\n"), 0o644))
	_, err = RunTask(context.Background(), dir, 1, Options{})
	var oe *results.OutputError
	require.True(t, errors.As(err, &oe), "%v", err)
	b, _ := os.ReadFile(other)
	assert.Equal(t, "my notes\n", string(b))
}

func TestMergeNamesMissingTasks(t *testing.T) {
	d := Design{Source: spikeSource(t), Vary: mustVary(t, "apache.max_request_workers=10,20,30"), Replications: 1}
	dir, _ := planned(t, d, 3)
	_, err := RunTask(context.Background(), dir, 1, Options{})
	require.NoError(t, err)
	_, err = Merge(dir)
	var me *MissingError
	require.True(t, errors.As(err, &me), "%v", err)
	assert.Equal(t, []int{0, 2}, me.Tasks)
	assert.Contains(t, err.Error(), "simulate sweep --task N")
}

func TestPlanFiles(t *testing.T) {
	d := Design{Source: spikeSource(t), Vary: mustVary(t, "apache.max_request_workers=10,20,30"), Replications: 2}
	dir, p := planned(t, d, 3)
	abs, _ := filepath.Abs(dir)
	sbatch, err := os.ReadFile(filepath.Join(dir, "sweep.sbatch"))
	require.NoError(t, err)
	for _, want := range []string{"#SBATCH --array=0-2", "#SBATCH --cpus-per-task=1", "--output=" + abs + "/logs/task-%a.out",
		`SIMULATE=${SIMULATE:-'/usr/local/bin/simulate'}`, `sweep --task "$SLURM_ARRAY_TASK_ID"`} {
		assert.Contains(t, string(sbatch), want)
	}
	job, err := os.ReadFile(filepath.Join(dir, "job.yaml"))
	require.NoError(t, err)
	for _, want := range []string{"completionMode: Indexed", "completions: 3", `"--task", "env"`, "Untested", "name: forkcast-sweep-spike"} {
		assert.Contains(t, string(job), want)
	}
	tsv, err := os.ReadFile(filepath.Join(dir, "tasks.tsv"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(tsv)), "\n")
	require.Len(t, lines, 4)
	assert.True(t, strings.HasPrefix(lines[1], "0\t0\t2\t0\t"), lines[1])
	assert.True(t, strings.HasSuffix(lines[3], p.Tasks[2].Key))
	assert.True(t, results.IsOutput(dir))

	// A plan directory holding results is not replaced.
	_, err = RunTask(context.Background(), dir, 0, Options{})
	require.NoError(t, err)
	err = WritePlan(dir, p, "simulate", true)
	var oe *results.OutputError
	require.True(t, errors.As(err, &oe), "%v", err)
	assert.Contains(t, err.Error(), "holds the results of 1 task")
}

func TestTaskIndexFromEnv(t *testing.T) {
	for _, v := range []string{"JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "AWS_BATCH_JOB_ARRAY_INDEX"} {
		t.Setenv(v, "") // restored after the test
		os.Unsetenv(v)
	}
	_, err := TaskIndexFromEnv()
	assert.Error(t, err)
	t.Setenv("SLURM_ARRAY_TASK_ID", "4")
	i, err := TaskIndexFromEnv()
	require.NoError(t, err)
	assert.Equal(t, 4, i)
	t.Setenv("JOB_COMPLETION_INDEX", "2")
	i, err = TaskIndexFromEnv()
	require.NoError(t, err)
	assert.Equal(t, 2, i, "Kubernetes' index first")
	t.Setenv("JOB_COMPLETION_INDEX", "x")
	_, err = TaskIndexFromEnv()
	assert.Error(t, err)
}
