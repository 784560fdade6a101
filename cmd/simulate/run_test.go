package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/models"
	"github.com/forkcast/forkcast/results"
)

// The same scenario and seed give byte-identical output files.
func TestRunIsDeterministic(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"a", "b"} {
		code, _, stderr := runCLI("run", "embedded-vs-daemon", "--variant", "daemon-event", "--duration", "30s", "--no-plots", "--out", filepath.Join(root, d))
		require.Equal(t, 0, code, stderr)
	}
	for _, f := range []string{"summary.json", "timeseries.csv", "events.log", "scenario.toml", "latency.hdr"} {
		a, err := os.ReadFile(filepath.Join(root, "a", f))
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(root, "b", f))
		require.NoError(t, err)
		assert.Equal(t, a, b, f)
		assert.NotEmpty(t, a, f)
	}
	code, _, _ := runCLI("run", "embedded-vs-daemon", "--variant", "daemon-event", "--duration", "30s", "--seed", "2", "--no-plots", "--out", filepath.Join(root, "c"))
	require.Equal(t, 0, code)
	a, _ := os.ReadFile(filepath.Join(root, "a", "timeseries.csv"))
	c, _ := os.ReadFile(filepath.Join(root, "c", "timeseries.csv"))
	assert.NotEqual(t, a, c, "another seed, other traffic")
}

// Bad input exits 2, says where, and writes nothing.
func TestRunBadInputExits2AndWritesNothing(t *testing.T) {
	root := t.TempDir()
	bad := filepath.Join(root, "bad.toml")
	require.NoError(t, os.WriteFile(bad, []byte("duration = \"30s\"\n[apache]\nmpm = \"perfork\"\n"), 0o644))
	out := filepath.Join(root, "out")
	cases := [][]string{
		{"run", bad, "--out", out},
		{"run", "prefork-spike", "--variant", "nope", "--out", out},
		{"run", "prefork-spike", "--set", "apache.max_request_workers=lots", "--out", out},
		{"run", "prefork-spike", "--seed", "-1", "--out", out},
		{"run", "prefork-spike", "--seed", "9223372036854775808", "--out", out}, // 2^63: no TOML integer
		{"run", "no-such-builtin", "--out", out},
		{"run", "prefork-spike", "--bogus"},
		{"compare", bad, "--out", out},
		{"compare", "prefork-spike", "--out", out}, // no variants: nothing to compare
		{"check", bad},
	}
	for _, args := range cases {
		code, _, stderr := runCLI(args...)
		assert.Equal(t, 2, code, "%v: %s", args, stderr)
		assert.NotEmpty(t, stderr)
		_, err := os.Stat(out)
		assert.True(t, os.IsNotExist(err), "%v created %s", args, out)
	}
	_, _, stderr := runCLI("run", "prefork-spike", "--seed", "9223372036854775808", "--out", out)
	assert.Contains(t, stderr, "--seed \"9223372036854775808\": want an integer from 0 to 9223372036854775807")
	_, _, stderr = runCLI("compare", "prefork-spike", "--out", out)
	assert.Contains(t, stderr, "prefork-spike has no variants")
	assert.Contains(t, stderr, "simulate run")
	_, _, stderr = runCLI("run", bad, "--out", out)
	assert.Contains(t, stderr, "bad.toml:3")
	assert.Contains(t, stderr, "apache.mpm")
	assert.Contains(t, stderr, "prefork")
}

// A scenario with variants run without --variant runs its base, and says
// so: the variants are what the user may have meant.
func TestRunSaysItRunsTheBaseOfAScenarioWithVariants(t *testing.T) {
	root := t.TempDir()
	code, _, stderr := runCLI("run", "embedded-vs-daemon", "--duration", "10s", "--no-plots", "--out", filepath.Join(root, "base"))
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "embedded-vs-daemon defines variants daemon-event, embedded-prefork; this runs its base scenario")
	code, _, stderr = runCLI("run", "embedded-vs-daemon", "--variant", "daemon-event", "--duration", "10s", "--no-plots", "--out", filepath.Join(root, "v"))
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, stderr, "base scenario")
}

func TestCompareRunsEveryVariantSideBySide(t *testing.T) {
	out := filepath.Join(t.TempDir(), "cmp")
	code, stdout, stderr := runCLI("compare", "keepalive-idle-browsers", "--duration", "40s", "--no-plots", "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "keepalive-on")
	assert.Contains(t, stdout, "keepalive-off")
	assert.Contains(t, stdout, "peak Apache children")
	for _, v := range []string{"keepalive-on", "keepalive-off"} {
		_, err := os.Stat(filepath.Join(out, v, "summary.json"))
		assert.NoError(t, err)
	}
}

func TestCheckAndScenarios(t *testing.T) {
	code, stdout, stderr := runCLI("check", "prefork-spike", "--set", "apache.max_spare_servers=5")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "max_spare_servers = 6", "httpd's raise to MinSpare+1 shows")
	code, stdout, _ = runCLI("scenarios")
	require.Equal(t, 0, code)
	for _, n := range []string{"prefork-spike", "small-vps", "worker-event-defaults", "embedded-vs-daemon", "keepalive-idle-browsers", "lazy-init-restarts"} {
		assert.Contains(t, stdout, n)
	}
}

// Figures and the latency histogram are deterministic too: a run and a
// comparison written twice are byte-identical, file by file.
func TestOutputsWithFiguresAreDeterministic(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"a", "b"} {
		code, _, stderr := runCLI("compare", "embedded-vs-daemon", "--duration", "20s", "--out", filepath.Join(root, d))
		require.Equal(t, 0, code, stderr)
	}
	var n int
	require.NoError(t, filepath.Walk(filepath.Join(root, "a"), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join(root, "a"), p)
		a, err := os.ReadFile(p)
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(root, "b", rel))
		require.NoError(t, err, rel)
		assert.True(t, bytes.Equal(a, b), "%s differs", rel)
		n++
		return nil
	}))
	assert.GreaterOrEqual(t, n, 2*17+12, "every file of both variants and the comparison figures")
	assert.FileExists(t, filepath.Join(root, "a", "daemon-event", "latency.hdr"))
	assert.FileExists(t, filepath.Join(root, "a", "compare_latency_cdf.svg"))
}

// Progress shows on a terminal only; there it reports simulated time, wall
// time and what is left, and ends its line when the run is done.
func TestProgressOnlyOnATerminal(t *testing.T) {
	var buf bytes.Buffer
	var sink models.Sink = &discard{}
	assert.Same(t, sink, withProgress(sink, &buf), "a buffer is not a terminal: nothing added")
	p := &progress{Sink: sink, w: &buf, began: time.Now().Add(-10 * time.Second)}
	p.Progress(30*time.Minute, time.Hour)
	assert.Contains(t, buf.String(), "simulated 30m0s of 1h0m0s in 10s; about 10s left")
	buf.Reset()
	p.Progress(time.Hour, time.Hour)
	assert.True(t, strings.HasSuffix(buf.String(), "\n"), "the last report ends its line")
}

type discard struct{}

func (discard) Row(results.Row) error     { return nil }
func (discard) Log(results.LogLine) error { return nil }
