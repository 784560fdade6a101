package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/validate"
)

// spikeFile writes a short prefork spike scenario (2 → 30 → 2 connections/s).
func spikeFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "spike.toml")
	require.NoError(t, os.WriteFile(p, []byte(`
duration = "30s"
[apache]
mpm = "prefork"
[app]
import_cpu = "const(300ms)"
import_memory = "10MiB"
[[workload.phase]]
duration = "5s"
rate = 2
[[workload.phase]]
duration = "10s"
rate = 30
[[workload.phase]]
duration = "15s"
rate = 2
[validate]
replications = 1
`), 0o644))
	return p
}

// predictedAndMeasured writes one simulated replication (seed 1) and a
// "measured" copy of it, changed by edit, as result directories.
func predictedAndMeasured(t *testing.T, file string, edit func(*results.Run)) (pred, meas string) {
	t.Helper()
	sc, err := scenarios.Load(file, "")
	require.NoError(t, err)
	runs, err := validate.Replicate(sc, 1, 0, simulate)
	require.NoError(t, err)
	root := t.TempDir()
	pred, meas = filepath.Join(root, "predicted"), filepath.Join(root, "measured")
	require.NoError(t, results.WriteDir(filepath.Join(pred, "seed-1"), runs[0]))
	m := runs[0]
	m.Rows = append([]results.Row(nil), m.Rows...)
	m.Summary.Source = results.SourceRuntime
	if edit != nil {
		edit(&m)
	}
	require.NoError(t, results.WriteDir(meas, m))
	return pred, meas
}

func TestValidateFromIdenticalRunsPasses(t *testing.T) {
	pred, meas := predictedAndMeasured(t, spikeFile(t), nil)
	out := filepath.Join(t.TempDir(), "v")
	code, stdout, stderr := runCLI("validate", "--from", pred, "--measured", meas, "--out", out)
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "all metrics within tolerance")
	rep, err := validate.ReadFile(filepath.Join(out, "validation.json"))
	require.NoError(t, err)
	assert.True(t, rep.Pass)
	assert.Equal(t, 0.0, rep.MAPE)
	assert.Equal(t, 5.0, rep.Surge.StartS)
	require.NotNil(t, rep.Surge.EndS)
	assert.Equal(t, 15.0, *rep.Surge.EndS)
	assert.Len(t, rep.Metrics, len(validate.Defs)-4, "every metric applies to a surge with an end, but the four of restarts")
	assert.Len(t, rep.NotApplicable, 4)
	assert.FileExists(t, filepath.Join(out, "band_processes.png"))
}

// Result directories saved with a variant's scenario are validated as that
// case, named after it, with no scenario file given: --summary then keeps
// a file's variants apart.
func TestValidateFromNamesTheCaseWithItsVariant(t *testing.T) {
	file := spikeFile(t)
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("[variants.slow]\napp.import_cpu = \"const(900ms)\"\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	sc, err := scenarios.Load(file, "slow")
	require.NoError(t, err)
	runs, err := validate.Replicate(sc, 1, 0, simulate)
	require.NoError(t, err)
	root := t.TempDir()
	pred, meas, out := filepath.Join(root, "predicted"), filepath.Join(root, "measured"), filepath.Join(root, "v")
	require.NoError(t, results.WriteDir(filepath.Join(pred, "seed-1"), runs[0]))
	runs[0].Summary.Source = results.SourceRuntime
	require.NoError(t, results.WriteDir(meas, runs[0]))
	code, stdout, stderr := runCLI("validate", "--from", pred, "--measured", meas, "--out", out, "--no-plots")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "spike [slow] — seed")
	rep, err := validate.ReadFile(filepath.Join(out, "validation.json"))
	require.NoError(t, err)
	assert.Equal(t, "slow", rep.Variant)
}

func TestValidateFromMismatchFails(t *testing.T) {
	file := spikeFile(t)
	pred, meas := predictedAndMeasured(t, file, func(r *results.Run) {
		for i := range r.Rows {
			r.Rows[i].PSSMB *= 1.5 // the real server used half as much memory again
		}
	})
	out := filepath.Join(t.TempDir(), "v")
	// The scenario file given explicitly, predicted dirs as positionals.
	code, stdout, stderr := runCLI("validate", "--measured", meas, "--from", filepath.Join(pred, "seed-1"), file, "--out", out, "--no-plots")
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stderr, "outside tolerance")
	assert.Contains(t, stdout, "FAIL")
	rep, err := validate.ReadFile(filepath.Join(out, "validation.json"))
	require.NoError(t, err)
	assert.False(t, rep.Pass)
	assert.Contains(t, rep.Failed, "peak_pss")
	assert.Contains(t, rep.Failed, "pss_mae")
	assert.NotContains(t, rep.Failed, "processes_mae")
}

func TestValidateFromBadInput(t *testing.T) {
	pred, meas := predictedAndMeasured(t, spikeFile(t), nil)
	code, _, stderr := runCLI("validate", "--from", pred)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--measured")
	code, _, stderr = runCLI("validate", "--from", filepath.Join(t.TempDir(), "nope"), "--measured", meas)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "no such directory")
	code, _, _ = runCLI("validate")
	assert.Equal(t, 2, code)
}

// fakeRuntime makes runtime mode the simulator itself (seed unchanged).
func fakeRuntime(t *testing.T, edit func(*results.Run)) {
	t.Helper()
	oldM, oldR := measureRuntime, runtimeReady
	t.Cleanup(func() { measureRuntime, runtimeReady = oldM, oldR })
	runtimeReady = func() error { return nil }
	measureRuntime = func(ctx context.Context, sc *scenarios.Scenario) (results.Run, error) {
		r, err := simulate(sc)
		r.Summary.Source = results.SourceRuntime
		if edit != nil {
			edit(&r)
		}
		return r, err
	}
}

func TestValidateRunsPredictionsAndMeasurement(t *testing.T) {
	fakeRuntime(t, nil)
	out := filepath.Join(t.TempDir(), "v")
	code, stdout, stderr := runCLI("validate", spikeFile(t), "--replications", "3", "--out", out, "--no-plots")
	// Three replications of seed 1 against seed 1's run: the same workload,
	// other service times; not identical, but close.
	assert.Contains(t, []int{0, 1}, code, stderr)
	assert.Contains(t, stdout, "seed 1, 3 replication(s)")
	for _, d := range []string{"predicted/replication-0", "predicted/replication-1", "predicted/replication-2", "measured"} {
		assert.FileExists(t, filepath.Join(out, d, "summary.json"))
	}
	rep, err := validate.ReadFile(filepath.Join(out, "validation.json"))
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Replications)
	m := rep.Metrics[1]
	require.NotNil(t, m.Predicted.Lo, "3 replications give an interval")

	// An existing --out is kept unless --force.
	code, _, stderr = runCLI("validate", spikeFile(t), "--out", out)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "already exists")

	code, _, stderr = runCLI("validate", spikeFile(t), "--out", out, "--force", "--no-plots")
	assert.Equal(t, 0, code, "one replication against the same seed is exact: %s", stderr)
}

func TestValidateExitCodes(t *testing.T) {
	fakeRuntime(t, func(r *results.Run) {
		q := &r.Summary.Requests
		q.Offered, q.Completed = q.Offered+q.Completed, 2*q.Completed // twice the throughput, still a consistent summary
		r.Summary.Throughput *= 2
	})
	code, _, stderr := runCLI("validate", spikeFile(t), "--out", filepath.Join(t.TempDir(), "v"), "--no-plots")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "throughput")

	code, _, stderr = runCLI("validate", spikeFile(t), "--max-duration", "10s", "--out", filepath.Join(t.TempDir(), "v"))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "longer than --max-duration")
}

func TestValidateWithoutRuntimeModeExits3(t *testing.T) {
	old := measureRuntime
	t.Cleanup(func() { measureRuntime = old })
	measureRuntime = nil
	code, _, stderr := runCLI("validate", spikeFile(t), "--out", filepath.Join(t.TempDir(), "v"))
	assert.Equal(t, 3, code)
	assert.Contains(t, stderr, "runtime mode")
}

// A measurement during which other processes took the cores is written but
// not judged: exit 4, naming the load, and no validation.json; --force
// judges it anyway.
func TestValidateRefusesADisturbedMeasurement(t *testing.T) {
	fakeRuntime(t, func(r *results.Run) {
		r.Summary.Measurement = &results.Measurement{ForeignCPU: results.ForeignCPU{Seconds: 21, Share: 0.35,
			Top: []results.ProcessCPU{{PID: 4242, Command: "go", Seconds: 15}}}}
	})
	out := filepath.Join(t.TempDir(), "v")
	code, _, stderr := runCLI("validate", spikeFile(t), "--out", out, "--no-plots")
	assert.Equal(t, ExitDisturbed, code, stderr)
	assert.Contains(t, stderr, "disturbed")
	assert.Contains(t, stderr, "go[4242]")
	assert.FileExists(t, filepath.Join(out, "measured", "summary.json"))
	assert.NoFileExists(t, filepath.Join(out, "validation.json"))

	code, _, stderr = runCLI("validate", "--from", filepath.Join(out, "predicted"), "--measured", filepath.Join(out, "measured"), "--out", filepath.Join(t.TempDir(), "w"))
	assert.Equal(t, ExitDisturbed, code, stderr)

	code, _, stderr = runCLI("validate", spikeFile(t), "--out", out, "--no-plots", "--force")
	assert.Contains(t, []int{0, 1}, code, stderr)
	assert.FileExists(t, filepath.Join(out, "validation.json"))
}

// twoCases writes a suite of two cases: the spike with one replication
// and "other", the same with three.
func twoCases(t *testing.T) (a, b string) {
	t.Helper()
	a = spikeFile(t)
	b = filepath.Join(t.TempDir(), "other.toml")
	src, err := os.ReadFile(a)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(b, []byte(strings.Replace(string(src), "replications = 1", "replications = 3", 1)), 0o644))
	return a, b
}

// Validations already written add up, case by case, across several runs
// of a suite (--summary): nothing is simulated, the numbers are the
// reports' own, and a directory holding none is refused.
func TestValidateSummaryAddsUpEarlierValidations(t *testing.T) {
	fakeRuntime(t, nil)
	a, b := twoCases(t)
	runs := []string{filepath.Join(t.TempDir(), "first"), filepath.Join(t.TempDir(), "second")}
	metrics, inside := 0, 0
	for _, out := range runs {
		code, _, stderr := runCLI("validate", a, b, "--out", out, "--no-plots", "--seed", "2")
		require.Contains(t, []int{0, 1}, code, stderr)
		for _, c := range []string{"spike", "other"} {
			r, err := validate.ReadFile(filepath.Join(out, c, "validation.json"))
			require.NoError(t, err)
			metrics += len(r.Metrics) - len(r.Failed)
			inside += r.Coverage.Inside
		}
	}
	link := filepath.Join(t.TempDir(), "second-link") // a link given on the command line is followed
	require.NoError(t, os.Symlink(runs[1], link))
	code, stdout, stderr := runCLI("validate", "--summary", runs[0], link)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "4 validations of 2 cases")
	assert.Regexp(t, `(?m)^other +2 +\d+/\d+ +\d+/6 `, stdout, "each case with its two runs, and their 3 + 3 replications judged against their fellows")
	assert.Regexp(t, fmt.Sprintf(`metrics %d of \d+ pass; coverage %d of`, metrics, inside), stdout)
	assert.Contains(t, stdout, "suite ranks: ")
	assert.Regexp(t, `the model against itself \(.*\), over 1 case: .*; the measured runs missed \d+\.\d\d \(1 case without a self-check left out\)`, stdout,
		"other's two validations have a self-check each, spike's none (one replication)")

	empty := t.TempDir()
	code, _, stderr = runCLI("validate", "--summary", empty)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "no validation.json below it")
}

// Several files are a suite: each case in its own directory, then a table
// of the cases with the coverage of the one-run intervals.
func TestValidateSuiteReportsCoverage(t *testing.T) {
	fakeRuntime(t, nil)
	a, b := twoCases(t)
	out := filepath.Join(t.TempDir(), "suite")
	code, stdout, stderr := runCLI("validate", a, b, "--out", out, "--no-plots")
	assert.Contains(t, []int{0, 1}, code, stderr)
	assert.FileExists(t, filepath.Join(out, "spike", "validation.json"))
	rep, err := validate.ReadFile(filepath.Join(out, "other", "validation.json"))
	require.NoError(t, err)
	assert.Greater(t, rep.Coverage.Total, 5, "3 replications give value metrics an interval")
	assert.Zero(t, func() int {
		r, _ := validate.ReadFile(filepath.Join(out, "spike", "validation.json"))
		return r.Coverage.Total
	}(), "one replication gives none")
	assert.Contains(t, stdout, "suite: 2 cases")
	assert.Regexp(t, `coverage \d+ of \d+ measured values`, stdout)
	assert.Regexp(t, `suite ranks: \d+ measured values by fifth`, stdout)
	assert.Regexp(t, `(?m)^  peak_processes +\d+ +\d+% \d+% \d+% \d+% \d+%$`, stdout, "the ranks of each metric")
	require.NotNil(t, rep.Self, "3 replications: each judged against the other two")
	assert.Equal(t, 3, rep.Self.Runs)
	assert.Regexp(t, fmt.Sprintf(`(?m)^other +\d+/\d+ +%d/3 `, rep.Self.Passed), stdout, "the case's own runs passing")
	assert.Regexp(t, `(?m)^spike +\d+/\d+ +- `, stdout, "one replication: none judged against the others")
	assert.Regexp(t, fmt.Sprintf(`the model against itself \(.*\), over 1 case: a run of each misses %.2f metrics on average and passes every metric with probability %.0f%%; the measured runs missed %d\.00 \(1 case without a self-check left out\)`,
		rep.Self.ExpectedMisses(), 100*rep.Self.PassShare(), len(rep.Failed)), stdout)
}
