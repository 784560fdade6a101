package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/plots/plotstest"
	"github.com/forkcast/forkcast/results"
)

// writeFixtureDirs writes a simulated prefork spike and a runtime daemon run
// as result directories under a temporary directory.
func writeFixtureDirs(t *testing.T) (prefork, daemon string) {
	t.Helper()
	root := t.TempDir()
	prefork = filepath.Join(root, "prefork")
	daemon = filepath.Join(root, "daemon")
	require.NoError(t, results.WriteDir(prefork, plotstest.PreforkSpike(results.SourceSimulator, 1)))
	require.NoError(t, results.WriteDir(daemon, plotstest.DaemonFlat(results.SourceRuntime, 1)))
	return prefork, daemon
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = runMain(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestPlotMissingDirIsBadInput(t *testing.T) {
	code, _, stderr := runCLI("plot", filepath.Join(t.TempDir(), "nope"))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "no such directory")
}

func TestPlotNonResultDirIsBadInput(t *testing.T) {
	code, _, stderr := runCLI("plot", t.TempDir())
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "not a forkcast result directory")
}

// A directory of result directories (a compare output) is not one, and the
// error names the ones inside.
func TestPlotOfADirOfRunsNamesThem(t *testing.T) {
	prefork, daemon := writeFixtureDirs(t)
	root := filepath.Dir(prefork)
	for _, cmd := range []string{"plot", "report"} {
		code, _, stderr := runCLI(cmd, root)
		assert.Equal(t, 2, code, cmd)
		assert.Contains(t, stderr, "not a forkcast result directory (no summary.json) but holds 2; name them: "+daemon+" "+prefork, cmd)
	}
}

func TestPlotWithoutDirsIsBadInput(t *testing.T) {
	code, _, _ := runCLI("plot")
	assert.Equal(t, 2, code)
}

func TestPlotRedrawsEachDirAndOverlaysThem(t *testing.T) {
	prefork, daemon := writeFixtureDirs(t)
	out := filepath.Join(t.TempDir(), "cmp")
	code, stdout, stderr := runCLI("plot", prefork, daemon, "--out", out)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, out)
	for _, dir := range []string{prefork, daemon} {
		for _, name := range []string{"processes", "memory", "latency", "latency_cdf", "queues", "failures"} {
			assert.FileExists(t, filepath.Join(dir, name+".png"))
			assert.FileExists(t, filepath.Join(dir, name+".svg"))
		}
	}
	for _, name := range []string{"processes", "memory", "latency", "queues", "failures"} {
		info, err := os.Stat(filepath.Join(out, "compare_"+name+".svg"))
		require.NoError(t, err)
		assert.Greater(t, info.Size(), int64(2000))
	}
}

func TestPlotOneDirWritesNoComparison(t *testing.T) {
	prefork, _ := writeFixtureDirs(t)
	out := filepath.Join(t.TempDir(), "cmp")
	code, _, stderr := runCLI("plot", "--out", out, prefork)
	require.Equal(t, 0, code, stderr)
	assert.NoDirExists(t, out)
	assert.FileExists(t, filepath.Join(prefork, "memory.png"))
}
