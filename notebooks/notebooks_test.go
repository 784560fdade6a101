// Package notebooks_test checks the Jupyter notebooks: committed without
// outputs, executed headless by notebooks/run.sh exactly as a user runs it,
// with conclusions computed from the runs, and refusing inputs they cannot
// honestly compare.
package notebooks_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/models"
	"github.com/forkcast/forkcast/results"
	rt "github.com/forkcast/forkcast/runtime"
	"github.com/forkcast/forkcast/scenarios"
)

var notebooks = []string{"prefork-vps", "embedded-vs-daemon", "keepalive", "sim-vs-real", "sweep"}

// cell is a notebook cell as nbformat stores it.
type cell struct {
	CellType       string   `json:"cell_type"`
	ExecutionCount *int     `json:"execution_count"`
	Source         []string `json:"source"`
	Outputs        []struct {
		OutputType string   `json:"output_type"`
		Text       []string `json:"text"`
		Ename      string   `json:"ename"`
		Evalue     string   `json:"evalue"`
	} `json:"outputs"`
}

func readNotebook(t *testing.T, path string) []cell {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var nb struct{ Cells []cell }
	require.NoError(t, json.Unmarshal(data, &nb), path)
	return nb.Cells
}

func TestNotebooksAreCommittedWithoutOutputs(t *testing.T) {
	for _, name := range notebooks {
		cells := readNotebook(t, name+".ipynb")
		assert.NotEmpty(t, cells, name)
		for i, c := range cells {
			assert.Empty(t, c.Outputs, "%s cell %d has outputs", name, i)
			assert.Nil(t, c.ExecutionCount, "%s cell %d has an execution count", name, i)
		}
	}
}

// needJupyter skips without jupyter nbconvert on a developer's machine and
// fails under CI=true, so CI can never skip.
func needJupyter(t *testing.T) {
	t.Helper()
	if err := exec.Command("jupyter", "nbconvert", "--version").Run(); err != nil {
		msg := "jupyter nbconvert is not installed: apt-get install -y jupyter-nbconvert python3-ipykernel python3-pandas python3-matplotlib"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// printed is everything a executed notebook printed, and its errors.
func printed(t *testing.T, path string) (text string, errs []string) {
	t.Helper()
	var b strings.Builder
	for _, c := range readNotebook(t, path) {
		for _, o := range c.Outputs {
			b.WriteString(strings.Join(o.Text, ""))
			if o.OutputType == "error" {
				errs = append(errs, o.Ename+": "+o.Evalue)
			}
		}
	}
	return b.String(), errs
}

// TestNotebooksExecute runs notebooks/run.sh, the one documented command:
// it makes every input with simulate (and a runtime-mode run against the
// real Apache for sim-vs-real) and executes the notebooks.
func TestNotebooksExecute(t *testing.T) {
	needJupyter(t)
	if _, err := rt.Locate(""); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	out := filepath.Join(t.TempDir(), "nb")
	cmd := exec.Command("bash", "run.sh", out)
	cmd.Env = os.Environ()
	for _, v := range []string{"FORKCAST_OUT", "FORKCAST_PREFORK", "FORKCAST_PREFORK_STEADY", "FORKCAST_EMBEDDED", "FORKCAST_DAEMON",
		"FORKCAST_KEEPALIVE_ON", "FORKCAST_KEEPALIVE_OFF", "FORKCAST_SIM", "FORKCAST_REAL", "FORKCAST_SWEEP"} {
		cmd.Env = append(cmd.Env, v+"=") // run.sh makes every input itself
	}
	log, err := cmd.CombinedOutput()
	require.NoError(t, err, "run.sh:\n%s", log)

	// Each conclusion is computed from the runs: it names their numbers.
	want := map[string][]string{
		"prefork-vps":        {"MB per child", "children fit in 256 MB of RAM", "none starting or importing", "OOM killer killed"},
		"embedded-vs-daemon": {"the memory.", "imported the app", "stayed flatter"},
		"keepalive":          {"of worker slots were in keep-alive", "Peak Apache children:"},
		"sim-vs-real":        {"prefork-spike-lazy, seed 1, 40 s", "intervals compared", "real / simulator ="},
		"sweep":              {"8 points × 3 replications", "--vary apache.max_request_workers = 10, 20, 40, 80", "the paired difference varies"},
	}
	for _, name := range notebooks {
		text, errs := printed(t, filepath.Join(out, "executed", name+".ipynb"))
		assert.Empty(t, errs, name)
		for _, w := range want[name] {
			assert.Contains(t, text, w, name)
		}
	}
}

// simulateInto writes a built-in scenario's simulated run as a result
// directory, as source.
func simulateInto(t *testing.T, dir, builtin, source string) {
	t.Helper()
	sc, err := scenarios.LoadBuiltin(builtin, "")
	require.NoError(t, err)
	run, err := models.Simulate(sc)
	require.NoError(t, err)
	run.Summary.Source = source
	require.NoError(t, results.WriteDir(dir, run))
}

// execute runs one notebook with the given inputs and returns whether it
// succeeded and what it printed.
func execute(t *testing.T, name string, env ...string) (bool, string) {
	t.Helper()
	out := t.TempDir()
	cmd := exec.Command("jupyter", "nbconvert", "--to", "notebook", "--execute",
		"--ExecutePreprocessor.timeout=300", "--ExecutePreprocessor.kernel_name=python3",
		"--output-dir", out, name+".ipynb")
	cmd.Env = append(os.Environ(), append(env, "MPLCONFIGDIR="+filepath.Join(out, ".matplotlib"))...)
	log, err := cmd.CombinedOutput()
	return err == nil, string(log)
}

// sim-vs-real once compared a 60 s real run with a 240 s simulation without
// a word; it now refuses runs of different workloads, and files the readers
// would reject.
func TestSimVsRealRefusesWhatItCannotCompare(t *testing.T) {
	needJupyter(t)
	root := t.TempDir()
	long := filepath.Join(root, "long")
	short := filepath.Join(root, "short")
	simulateInto(t, long, "prefork-spike", results.SourceSimulator)
	simulateInto(t, short, "small-vps", results.SourceRuntime)
	ok, log := execute(t, "sim-vs-real", "FORKCAST_SIM="+long, "FORKCAST_REAL="+short)
	assert.False(t, ok)
	for _, w := range []string{"refusing to compare runs of different workloads", "duration_s: simulator has 240, real has 120"} {
		assert.True(t, strings.Contains(log, w), "the notebook's error lacks %q", w)
	}

	csv := filepath.Join(short, "timeseries.csv")
	data, err := os.ReadFile(csv)
	require.NoError(t, err)
	lines := strings.Split(string(data), "\n")
	f := strings.Split(lines[4], ",")
	f[len(f)-1] = "nan"
	lines[4] = strings.Join(f, ",")
	require.NoError(t, os.WriteFile(csv, []byte(strings.Join(lines, "\n")), 0o644))
	ok, log = execute(t, "sim-vs-real", "FORKCAST_SIM="+long, "FORKCAST_REAL="+short)
	assert.False(t, ok)
	w := csv + ":5: column latency_p99_ms: nan is not a finite number >= 0"
	assert.True(t, strings.Contains(log, w), "the notebook's error lacks %q", w)
}
