package main

import (
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReportIsSelfContainedWithFiguresSummariesScenarioAndLog(t *testing.T) {
	prefork, daemon := writeFixtureDirs(t)
	scenario := "name = \"prefork-vps\"\n[apache]\nmpm = \"prefork\"\nmax_request_workers = 150\n"
	require.NoError(t, os.WriteFile(filepath.Join(prefork, "scenario.toml"), []byte(scenario), 0o644))
	out := filepath.Join(t.TempDir(), "r", "report.html")

	code, stdout, stderr := runCLI("report", prefork, daemon, "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, out)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	raw := string(data)
	page := html.UnescapeString(raw) // html/template writes "+" as "&#43;"
	has := func(s string) { t.Helper(); assert.True(t, strings.Contains(page, s), "report lacks %q", s) }

	// Opens without a network: nothing linked or loaded from elsewhere.
	assert.False(t, regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//`).MatchString(raw), "a remote src or href")
	assert.False(t, strings.Contains(raw, "<script"), "a script")
	assert.False(t, strings.Contains(raw, "<link"), "a link element")
	assert.False(t, strings.Contains(raw, "@import"), "a CSS import")

	// Every figure, embedded: 6 per run and 6 comparison figures.
	assert.Equal(t, 2*6+6, strings.Count(raw, `src="data:image/png;base64,`))
	for _, title := range []string{
		"Apache workers by state", "Memory in use (PSS) by process kind", "Response time of completed requests",
		"Latency distribution over the run", "Requests waiting in queues", "Failed requests by cause",
		"Processes: Apache children + mod_wsgi daemons", "Memory in use (total PSS)",
	} {
		has(title)
	}

	// Summaries side by side, the runs named as the comparison figures
	// name them.
	has("1. defaults / simulator")
	has("2. daemon / runtime")
	has("<th>peak Apache children</th><td>150</td><td>2</td>")
	has("<th>MaxRequestWorkers</th><td>150</td><td>150</td>")

	// The scenario where there is one, a note where there is none.
	has("max_request_workers = 150")
	has("No scenario.toml in this directory.")

	// events.log excerpt.
	has("AH00162: server seems busy")
}

func TestReportDefaultsToTheDirForOneRun(t *testing.T) {
	prefork, _ := writeFixtureDirs(t)
	code, _, stderr := runCLI("report", prefork)
	require.Equal(t, 0, code, stderr)
	assert.FileExists(t, filepath.Join(prefork, "report.html"))
}

func TestReportBadInput(t *testing.T) {
	code, _, stderr := runCLI("report", filepath.Join(t.TempDir(), "missing"))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "no such directory")

	code, _, _ = runCLI("report", "--bogus-flag")
	assert.Equal(t, 2, code)
}
