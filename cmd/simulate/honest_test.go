package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/plots/plotstest"
	"github.com/forkcast/forkcast/results"
)

// corrupt replaces line n (1-based) of a file with edit(line).
func corrupt(t *testing.T, path string, n int, edit func(string) string) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(string(data), "\n")
	lines[n-1] = edit(lines[n-1])
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644))
}

// listing is every file under dir.
func listing(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		out = append(out, p)
		return err
	}))
	return out
}

// A NaN row used to panic gonum/plot ("plotter: NaN data point"): now every
// command that reads result files refuses it as bad input, naming the file
// and line, and writes nothing.
func TestBadResultFilesAreBadInputWithFileAndLine(t *testing.T) {
	prefork, daemon := writeFixtureDirs(t)
	csv := filepath.Join(prefork, "timeseries.csv")
	corrupt(t, csv, 5, func(l string) string {
		f := strings.Split(l, ",")
		f[len(f)-1] = "NaN" // latency_p99_ms
		return strings.Join(f, ",")
	})
	before := listing(t, filepath.Dir(prefork))
	out := filepath.Join(t.TempDir(), "out")
	for _, args := range [][]string{
		{"plot", prefork},
		{"plot", daemon, prefork, "--out", out},
		{"report", prefork, "--out", filepath.Join(out, "r.html")},
		{"validate", "--from", daemon, "--measured", prefork, "--out", out},
	} {
		code, _, stderr := runCLI(args...)
		assert.Equal(t, 2, code, "%v: %s", args, stderr)
		assert.Contains(t, stderr, csv+":5: column latency_p99_ms: NaN", "%v", args)
		assert.NotContains(t, stderr, "panic")
	}
	assert.Equal(t, before, listing(t, filepath.Dir(prefork)), "nothing written beside the inputs")
	assert.NoDirExists(t, out)

	summary := filepath.Join(daemon, "summary.json")
	corrupt(t, summary, 3, func(string) string { return `  "source": "guesswork",` })
	code, _, stderr := runCLI("report", daemon, "--out", filepath.Join(out, "r.html"))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, summary+`:3: source: "guesswork": want one of "simulator", "runtime"`)
}

// A run where nothing completed has no response time: the summary says
// so instead of "p50 0ms", and so does compare's table.
func TestNoneCompletedIsSaidNotZero(t *testing.T) {
	run := plotstest.PreforkSpike(results.SourceSimulator, 1)
	q := &run.Summary.Requests
	q.Failures.ClientTimeout += q.Completed
	q.Failed, q.Completed = q.Failed+q.Completed, 0
	run.Summary.Latency = results.Latency{}
	var b bytes.Buffer
	printSummary(&b, run)
	assert.Contains(t, b.String(), "latency    none completed")
	assert.NotContains(t, b.String(), "p50 0ms")

	b.Reset()
	printComparison(&b, []results.Run{run, plotstest.DaemonFlat(results.SourceSimulator, 1)})
	var p50 string
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.Contains(l, "latency p50") {
			p50 = l
		}
	}
	assert.Contains(t, p50, "none completed")
	assert.NotContains(t, p50, " 0ms")

	rows := summaryRows([]results.Run{run})
	for _, r := range rows {
		if strings.HasPrefix(r[0], "latency") {
			assert.Equal(t, "none completed", r[1], r[0])
		}
	}
	assert.Contains(t, strings.Join(runFacts(run), " "), "No request completed")
}

// The report opens with what happened, computed from the runs.
func TestVerdictIsComputed(t *testing.T) {
	spike := plotstest.PreforkSpike(results.SourceSimulator, 1)
	facts := strings.Join(runFacts(spike), "\n")
	assert.Contains(t, facts, "Apache reached MaxRequestWorkers: 150 children of 150")
	assert.Contains(t, facts, "Memory in use passed RAM (256 MB) at t = ")
	assert.Contains(t, facts, "offered requests failed")

	spike.Summary.MaxWorkers = 400
	spike.Summary.OOMKills = 3
	facts = strings.Join(runFacts(spike), "\n")
	assert.Contains(t, facts, "Apache ran up to 150 children, 37.5% of MaxRequestWorkers (400)")
	assert.Contains(t, facts, "The OOM killer killed 3 processes.")

	daemon := plotstest.DaemonFlat(results.SourceSimulator, 1)
	v := buildVerdict([]string{"spike", "daemon"}, []results.Run{spike, daemon})
	require.Len(t, v.Goals, 5)
	byName := map[string]goal{}
	for _, g := range v.Goals {
		byName[g.Name] = g
	}
	assert.False(t, byName["stays under RAM"].Cells[0].Met)
	assert.True(t, byName["stays under RAM"].Cells[1].Met)
	assert.True(t, byName["lowest p99"].Cells[1].Met)
	assert.Equal(t, "Meets every goal: daemon.", v.Best)
}
