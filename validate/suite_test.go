package validate

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/models"
	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

const suiteDir = "../scenarios/validation"

// suite loads every scenario of the validation suite, each variant separately.
func suite(t *testing.T) []*scenarios.Scenario {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(suiteDir, "*.toml"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 8, "the suite has at least eight scenarios")
	var out []*scenarios.Scenario
	for _, f := range files {
		base, err := scenarios.Load(f, "")
		require.NoError(t, err, f)
		vs := base.Variants
		if len(vs) == 0 {
			vs = []string{""}
		}
		for _, v := range vs {
			sc, err := scenarios.Load(f, v)
			require.NoError(t, err, "%s variant %q", f, v)
			out = append(out, sc)
		}
	}
	return out
}

func TestSuiteLoadsAndSimulates(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(suiteDir, "README.md"))
	require.NoError(t, err)
	for _, sc := range suite(t) {
		name := sc.Name
		if sc.Variant != "" {
			name += "/" + sc.Variant
		}
		t.Run(name, func(t *testing.T) {
			assert.Empty(t, sc.Warnings, "a validation scenario says what httpd runs")
			assert.LessOrEqual(t, sc.Duration.Duration, 60*time.Second, "short enough for CI")
			assert.Equal(t, time.Second, sc.Interval.Duration, "the spawn timeline is per second")
			assert.Contains(t, string(readme), filepath.Base(sc.Source), "listed in the README")
			run, err := models.Simulate(sc)
			require.NoError(t, err)
			s := run.Summary
			assert.Less(t, s.Peak.PSSMB, 2048.0, "never more than ~2 GB on the machine running it")
			assert.Less(t, s.Peak.PSSMB, s.RAMMB, "the model's host never runs out of memory (runtime mode cannot enforce a limit)")
			assert.Zero(t, s.OOMKills)
			assert.Positive(t, s.Requests.Completed)

			// A prediction compared with itself is exact.
			rep, err := Compare(sc, []results.Run{run}, run)
			require.NoError(t, err)
			assert.True(t, rep.Pass)
			assert.Zero(t, rep.MAPE)
		})
	}
}
