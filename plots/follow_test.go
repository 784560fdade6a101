package plots

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/results"
)

// A run's figures drawn by a Follower, which thins the rows as they are
// written, are the files drawn from the directory once it is complete,
// for a run long enough to be thinned, with values the CSV rounds.
func TestAFollowedRunDrawsWhatItsDirectoryDraws(t *testing.T) {
	run := longRun(4000, 1, 1234)
	dir := filepath.Join(t.TempDir(), "followed")
	require.NoError(t, os.Mkdir(dir, 0o755))
	w, err := results.NewWriter(dir, results.SimulatorEpoch)
	require.NoError(t, err)
	f := Follow(run.Summary.IntervalS)
	for _, r := range run.Rows {
		require.NoError(t, w.Row(r))
		f.Row(r)
	}
	require.NoError(t, w.Close(run))
	require.NoError(t, f.Run(dir))

	fromFiles, err := Load(dir)
	require.NoError(t, err)
	assert.NotEqual(t, run.Rows[0], fromFiles.Rows[0], "the CSV rounds the values")
	assert.Less(t, len(fromFiles.Rows), len(run.Rows), "the rows are thinned")
	again := t.TempDir()
	require.NoError(t, Run(again, fromFiles))
	for _, name := range []string{"processes", "memory", "latency", "latency_cdf", "queues", "failures"} {
		for _, ext := range []string{".png", ".svg"} {
			want, err := os.ReadFile(filepath.Join(again, name+ext))
			require.NoError(t, err)
			got, err := os.ReadFile(filepath.Join(dir, name+ext))
			require.NoError(t, err)
			assert.True(t, string(want) == string(got), "%s%s differs", name, ext)
		}
	}
}

// A run that fails is not drawn: Stop ends the following, and may be
// called again.
func TestAFollowerStops(t *testing.T) {
	f := Follow(1)
	f.Row(results.Row{TimeS: 0})
	f.Stop()
	f.Stop()
}
