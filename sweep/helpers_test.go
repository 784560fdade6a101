package sweep

import (
	"bytes"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

// spike is a short prefork spike: a few dozen milliseconds to simulate.
const spike = `
duration = "30s"
seed = 7
[apache]
mpm = "prefork"
max_request_workers = 40
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
replications = 3
`

// spikeSource is the spike as a sweep's source.
func spikeSource(t *testing.T, sets ...scenarios.Override) Source {
	t.Helper()
	p := filepath.Join(t.TempDir(), "spike.toml")
	require.NoError(t, os.WriteFile(p, []byte(spike), 0o644))
	src, err := OpenSource(p, "", sets)
	require.NoError(t, err)
	return src
}

func mustVary(t *testing.T, args ...string) []Vary {
	t.Helper()
	var vs []Vary
	for _, a := range args {
		v, err := ParseVary(a)
		require.NoError(t, err, a)
		vs = append(vs, v)
	}
	return vs
}

// noisy is a stand-in simulator whose peak PSS is max_request_workers plus
// normal noise of standard deviation sigma drawn from the seed alone, and
// whose p99 is 1000 ms / max_request_workers: metrics with a known mean
// and spread.
func noisy(sigma float64) func(*scenarios.Scenario) (results.Run, error) {
	return func(sc *scenarios.Scenario) (results.Run, error) {
		r := rand.New(rand.NewPCG(sc.Seed, 0))
		var s results.Summary
		s.Seed = sc.Seed
		s.Peak.PSSMB = float64(sc.Apache.MaxRequestWorkers) + sigma*r.NormFloat64()
		s.Requests.Offered, s.Requests.Completed = 100, 100
		s.Latency.P99 = 1000 / float64(sc.Apache.MaxRequestWorkers)
		return results.Run{Summary: s}, nil
	}
}

// halfWidth is half the 95% interval of a row.
func halfWidth(r Row) float64 {
	if r.CILo == nil {
		return math.NaN()
	}
	return (*r.CIHi - *r.CILo) / 2
}

// sameTree fails unless directories a and b hold the same files, byte for byte.
func sameTree(t *testing.T, a, b string) {
	t.Helper()
	read := func(root string) map[string][]byte {
		out := map[string][]byte{}
		require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			out[rel], err = os.ReadFile(p)
			return err
		}))
		return out
	}
	fa, fb := read(a), read(b)
	require.NotEmpty(t, fa)
	require.Equal(t, len(fa), len(fb), "%s and %s hold different files", a, b)
	for name, data := range fa {
		require.True(t, bytes.Equal(data, fb[name]), "%s differs between %s and %s", name, a, b)
	}
}
