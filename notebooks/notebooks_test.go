// Package notebooks_test checks the Jupyter notebooks: committed without
// outputs, and executing headless against result directories.
package notebooks_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/plots/plotstest"
	"github.com/forkcast/forkcast/results"
)

var notebooks = []string{"prefork-vps.ipynb", "embedded-vs-daemon.ipynb", "keepalive.ipynb", "sim-vs-real.ipynb"}

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

// writeStoryDirs writes the result directories run.sh expects under root.
// They are plotstest's hand-made runs until the simulator writes real ones.
func writeStoryDirs(t *testing.T, root string) {
	t.Helper()
	keepAliveOff := plotstest.PreforkSpike(results.SourceSimulator, 2)
	keepAliveOff.Summary.Variant = "keepalive-off"
	for i := range keepAliveOff.Rows {
		r := &keepAliveOff.Rows[i]
		r.Idle, r.KeepAlive = r.Idle+r.KeepAlive, 0
	}
	dirs := map[string]results.Run{
		"prefork-vps":   plotstest.PreforkSpike(results.SourceSimulator, 1),
		"embedded":      plotstest.PreforkSpike(results.SourceSimulator, 1),
		"daemon":        plotstest.DaemonFlat(results.SourceSimulator, 1),
		"keepalive-on":  plotstest.PreforkSpike(results.SourceSimulator, 2),
		"keepalive-off": keepAliveOff,
		"sim":           plotstest.PreforkSpike(results.SourceSimulator, 3),
		"real":          plotstest.PreforkSpike(results.SourceRuntime, 4),
	}
	for name, run := range dirs {
		require.NoError(t, results.WriteDir(filepath.Join(root, name), run))
	}
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
