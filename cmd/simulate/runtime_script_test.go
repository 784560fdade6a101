package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runtime --wsgi-script serves the user's own script under the scenario's
// Apache settings and traffic, and writes the usual outputs; the script is
// left as it was.
func TestRuntimeServesTheUsersScript(t *testing.T) {
	needApache(t)
	dir, err := os.MkdirTemp("", "forkcast-userapp-")
	require.NoError(t, err)
	defer os.RemoveAll(dir)
	require.NoError(t, os.Chmod(dir, 0o777)) // Apache's user (nobody) writes its mark here
	script := filepath.Join(dir, "site.wsgi")
	src := `import os, time
import helper  # the script's own directory is on sys.path, as python-path= gives it
MARK = os.path.join(os.path.dirname(__file__), "served")


def application(environ, start_response):
    with open(MARK, "a") as f:
        f.write("%d %s\n" % (os.getpid(), environ["PATH_INFO"]))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [helper.GREETING]
`
	require.NoError(t, os.WriteFile(script, []byte(src), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "helper.py"), []byte("GREETING = b'hello from the user'\n"), 0o644))
	before, _ := os.Stat(script)

	file := writeScenario(t, `
name = "userapp"
duration = "4s"
[apache]
mpm = "event"
[wsgi]
process_group = "site"
[wsgi.daemon_process.site]
processes = 1
threads = 4
[workload]
urls = { "/hello" = 1.0 }
[[workload.phase]]
duration = "4s"
rate = 5
`)
	out := filepath.Join(t.TempDir(), "result")
	var stdout, stderr bytes.Buffer
	code := runMain([]string{"runtime", file, "--wsgi-script", script, "--out", out}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())

	served, err := os.ReadFile(filepath.Join(dir, "served"))
	require.NoError(t, err, "the user's script answered")
	lines := strings.Split(strings.TrimSpace(string(served)), "\n")
	assert.Greater(t, len(lines), 5)
	assert.Contains(t, lines[0], " /hello")

	var sum struct {
		Requests struct {
			Completed int `json:"completed"`
			Failed    int `json:"failed"`
		} `json:"requests"`
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &sum))
	assert.Equal(t, len(lines), sum.Requests.Completed, "every completed request was the user's")
	assert.Zero(t, sum.Requests.Failed)
	// It says where the load met the parent's tick (drawn for this run).
	assert.Regexp(t, `the load started 0\.\d{3} s before the parent's maintenance tick|the load started 1\.000 s before`, stdout.String())
	after, _ := os.Stat(script)
	assert.Equal(t, before.ModTime(), after.ModTime(), "the script is not touched")
}
