package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/scenarios"
)

// import writes a scenario that loads; a bad configuration is exit 2 with
// file:line, and nothing is written; a file forkcast did not write is
// never replaced.
func TestImportCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "site.toml")
	var stdout, stderr bytes.Buffer
	code := runMain([]string{"import", "/etc/apache2", "--sysroot", "../../apacheconf/testdata/django", "--out", out}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assert.Contains(t, stderr.String(), "memory-limit=1073741824 is not modelled", "process-management warnings on stderr")
	assert.Equal(t, "wrote "+out+"\n", stdout.String())
	s, err := scenarios.Load(out, "")
	require.NoError(t, err)
	assert.Equal(t, "shop", s.WSGI.ProcessGroup)
	// Written again over its own output: allowed.
	require.Equal(t, 0, runMain([]string{"import", "/etc/apache2", "--sysroot", "../../apacheconf/testdata/django", "--out", out}, &stdout, &stderr))

	bad := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bad, "apache2.conf"), []byte("LoadModule mpm_event_module x.so\n<Location />\n"), 0o644))
	stderr.Reset()
	badOut := filepath.Join(t.TempDir(), "bad.toml")
	assert.Equal(t, 2, runMain([]string{"import", bad, "--out", badOut}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), filepath.Join(bad, "apache2.conf")+":2: <Location> was not closed.")
	assert.NoFileExists(t, badOut)

	mine := filepath.Join(t.TempDir(), "notes.toml")
	require.NoError(t, os.WriteFile(mine, []byte("my own notes\n"), 0o644))
	assert.Equal(t, 2, runMain([]string{"import", "/etc/apache2", "--sysroot", "../../apacheconf/testdata/django", "--out", mine}, &stdout, &stderr))
	b, _ := os.ReadFile(mine)
	assert.Equal(t, "my own notes\n", string(b))
}

// profile-app writes the measured [app] over an imported scenario; an app
// that fails to import is exit 1 with its traceback, and nothing written.
func TestProfileAppCommand(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "site.toml")
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, runMain([]string{"import", "/etc/apache2", "--sysroot", "../../apacheconf/testdata/django", "--out", base}, &stdout, &stderr))
	out := filepath.Join(dir, "profiled.toml")
	code := runMain([]string{"profile-app", "../../appprofile/testdata/sleep_import.wsgi", "--imports", "2", "--requests", "2",
		"--url", "/db", "--config", base, "--out", out}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	s, err := scenarios.Load(out, "")
	require.NoError(t, err)
	assert.Equal(t, "shop", s.WSGI.ProcessGroup, "the imported configuration is kept")
	assert.InDelta(t, 0.4, s.App.ImportWait.Mean(), 0.04)
	assert.InDelta(t, 0.1, s.App.CostFor("/db").RequestWait.Mean(), 0.01)

	stderr.Reset()
	failed := filepath.Join(dir, "failed.toml")
	assert.Equal(t, 1, runMain([]string{"profile-app", "../../appprofile/testdata/broken.wsgi", "--imports", "1", "--out", failed}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "KeyError: 'DJANGO_SETTINGS_MODULE'")
	assert.NoFileExists(t, failed)
}
