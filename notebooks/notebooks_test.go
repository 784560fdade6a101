// Package notebooks_test checks the Jupyter notebooks: committed without
// outputs, and executing headless against result directories.
package notebooks_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/models"
	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sweep"
)

var notebooks = []string{"prefork-vps.ipynb", "embedded-vs-daemon.ipynb", "keepalive.ipynb", "sim-vs-real.ipynb", "sweep.ipynb"}

func TestNotebooksAreCommittedWithoutOutputs(t *testing.T) {
	for _, name := range notebooks {
		data, err := os.ReadFile(name)
		require.NoError(t, err)
		var nb struct {
			Cells []struct {
				CellType       string            `json:"cell_type"`
				ExecutionCount *int              `json:"execution_count"`
				Outputs        []json.RawMessage `json:"outputs"`
			} `json:"cells"`
		}
		require.NoError(t, json.Unmarshal(data, &nb), name)
		assert.NotEmpty(t, nb.Cells, name)
		for i, c := range nb.Cells {
			assert.Empty(t, c.Outputs, "%s cell %d has outputs", name, i)
			assert.Nil(t, c.ExecutionCount, "%s cell %d has an execution count", name, i)
		}
	}
}

// writeStoryDirs writes the result directories run.sh expects under root
// (and a sweep's output directory), from the simulator running the
// built-in scenarios, so the notebooks are
// executed against what forkcast really produces. "real" stands for a
// runtime-mode directory: the runtime tests cover real Apache output; here
// a simulator run relabelled as runtime keeps this test free of Apache.
func writeStoryDirs(t *testing.T, root string) {
	t.Helper()
	simulate := func(name, variant string) results.Run {
		sc, err := scenarios.LoadBuiltin(name, variant)
		require.NoError(t, err)
		run, err := models.Simulate(sc)
		require.NoError(t, err)
		return run
	}
	real := simulate("prefork-spike", "")
	real.Summary.Source = results.SourceRuntime
	dirs := map[string]results.Run{
		"prefork-vps":   simulate("small-vps", ""),
		"embedded":      simulate("embedded-vs-daemon", "embedded-prefork"),
		"daemon":        simulate("embedded-vs-daemon", "daemon-event"),
		"keepalive-on":  simulate("keepalive-idle-browsers", "keepalive-on"),
		"keepalive-off": simulate("keepalive-idle-browsers", "keepalive-off"),
		"sim":           simulate("prefork-spike", ""),
		"real":          real,
	}
	for name, run := range dirs {
		require.NoError(t, results.WriteDir(filepath.Join(root, name), run))
	}
	writeSweepDir(t, filepath.Join(root, "sweep"))
}

// writeSweepDir writes a small two-key sweep of the prefork spike, as
// `simulate sweep` does: MaxRequestWorkers × preloading, 3 replications.
func writeSweepDir(t *testing.T, dir string) {
	t.Helper()
	src, err := sweep.OpenSource("prefork-spike", "", []scenarios.Override{{Key: "duration", Value: `"90s"`}})
	require.NoError(t, err)
	var vary []sweep.Vary
	for _, arg := range []string{"apache.max_request_workers=10,20,40,80", "wsgi.preload=false,true"} {
		v, err := sweep.ParseVary(arg)
		require.NoError(t, err)
		vary = append(vary, v)
	}
	d := sweep.Design{Source: src, Vary: vary, Replications: 3}
	points, err := d.Points()
	require.NoError(t, err)
	table, err := sweep.RunPoints(context.Background(), d, points, sweep.Options{})
	require.NoError(t, err)
	require.NoError(t, sweep.Write(dir, table, false, false))
}

// TestNotebooksExecute runs notebooks/run.sh. Without jupyter it skips on a
// developer's machine but fails under CI=true, so CI can never skip it.
func TestNotebooksExecute(t *testing.T) {
	if err := exec.Command("jupyter", "nbconvert", "--version").Run(); err != nil {
		msg := "jupyter nbconvert is not installed: apt-get install -y jupyter-nbconvert python3-ipykernel python3-pandas python3-matplotlib"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	root := t.TempDir()
	writeStoryDirs(t, root)
	executed := filepath.Join(t.TempDir(), "executed")
	cmd := exec.Command("bash", "run.sh", root)
	cmd.Env = append(os.Environ(), "FORKCAST_NB_OUT="+executed)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "run.sh:\n%s", out)
	for _, name := range notebooks {
		assert.FileExists(t, filepath.Join(executed, name))
	}
}
