package sweep

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/scenarios"
)

func TestGridVariesTheFirstKeySlowest(t *testing.T) {
	d := Design{Vary: mustVary(t, "apache.max_request_workers=10,20", "apache.mpm=prefork,worker,event"), Replications: 1}
	assert.Equal(t, [][]string{
		{"10", "prefork"}, {"10", "worker"}, {"10", "event"},
		{"20", "prefork"}, {"20", "worker"}, {"20", "event"},
	}, d.Grid())
}

func TestPointsResolveEveryCombination(t *testing.T) {
	d := Design{Source: spikeSource(t), Vary: mustVary(t, "apache.max_request_workers=10,20", "apache.mpm=prefork,event"), Replications: 2}
	points, err := d.Points()
	require.NoError(t, err)
	require.Len(t, points, 4)
	assert.Equal(t, 20, points[3].Scenario.Apache.MaxRequestWorkers)
	assert.Equal(t, "event", points[3].Scenario.Apache.MPM)
	// apache.mpm=event brings event's defaults, as --set does.
	assert.Equal(t, 25, points[3].Scenario.Apache.ThreadsPerChild)
	assert.Equal(t, uint64(7), points[0].Scenario.Seed)
}

func TestPointsRejectWhatTheLoaderRejects(t *testing.T) {
	src := spikeSource(t)
	cases := map[string][]string{
		"--vary: apache.max_request_worker: unknown key; did you mean apache.max_request_workers?": {"apache.max_request_worker=10,20"},
		`--vary: apache.max_request_workers = "abc": expected an integer`:                          {"apache.max_request_workers=10,abc"},
		"--vary: apache.mpm = \"threaded\": unknown MPM":                                           {"apache.mpm=prefork,threaded"},
		// A combination: the point is named.
		"at apache.min_spare_servers=20 apache.max_spare_servers=10": {"apache.min_spare_servers=5,20", "apache.max_spare_servers=10,30"},
	}
	for want, args := range cases {
		d := Design{Source: src, Vary: mustVary(t, args...), Replications: 1}
		_, err := d.Points()
		require.Error(t, err, args)
		assert.Contains(t, err.Error(), want, args)
		assert.NotEmpty(t, scenarios.Errors(err), "%v: a scenario error (exit 2)", args)
	}
}

func TestCheckRejectsImpossibleDesigns(t *testing.T) {
	src := spikeSource(t, scenarios.Override{Key: "apache.max_request_workers", Value: "50"})
	cases := map[string]Design{
		"replications 0: want 1 or more": {Source: src, Vary: mustVary(t, "apache.mpm=prefork"), Replications: 0},
		"nothing to vary":                {Source: src, Replications: 1},
		"also set by --set":              {Source: src, Vary: mustVary(t, "apache.max_request_workers=10,20"), Replications: 1},
		"varied twice":                   {Source: spikeSource(t), Vary: mustVary(t, "apache.mpm=prefork", "apache.mpm=event"), Replications: 1},
	}
	for want, d := range cases {
		err := d.Check()
		require.Error(t, err, want)
		assert.Contains(t, err.Error(), want)
	}
}

func TestSeedsAreCommonToEveryPoint(t *testing.T) {
	assert.Equal(t, uint64(7), Seed(7, 0), "replication 0 is the scenario's own seed")
	seen := map[uint64]bool{}
	for r := range 1000 {
		s := Seed(7, r)
		assert.Less(t, s, uint64(1)<<63, "a valid TOML integer")
		assert.False(t, seen[s], "replication %d repeats a seed", r)
		seen[s] = true
	}
	assert.NotEqual(t, Seed(7, 1), Seed(8, 1))
}
