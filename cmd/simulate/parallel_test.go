package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// sameTree fails unless directories a and b hold the same files with the
// same bytes (the .forkcast.json manifests included).
func sameTree(t *testing.T, a, b string) {
	t.Helper()
	files := func(root string) map[string][]byte {
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
	fa, fb := files(a), files(b)
	require.NotEmpty(t, fa, a)
	for name, data := range fa {
		other, ok := fb[name]
		require.True(t, ok, "%s has %s, %s does not", a, name, b)
		require.True(t, bytes.Equal(data, other), "%s differs between %s and %s", name, a, b)
	}
	for name := range fb {
		_, ok := fa[name]
		require.True(t, ok, "%s has %s, %s does not", b, name, a)
	}
}

// withGOMAXPROCS runs f with GOMAXPROCS set to n.
func withGOMAXPROCS(n int, f func()) {
	old := runtime.GOMAXPROCS(n)
	defer runtime.GOMAXPROCS(old)
	f()
}

func TestCompareOutputDoesNotDependOnTheNumberOfCores(t *testing.T) {
	root := t.TempDir()
	dirs := map[int]string{1: filepath.Join(root, "p1"), 2: filepath.Join(root, "p2")}
	for _, n := range []int{1, 2} {
		withGOMAXPROCS(n, func() {
			code, _, stderr := runCLI("compare", "embedded-vs-daemon", "--duration", "40s", "--out", dirs[n])
			require.Equal(t, 0, code, stderr)
		})
	}
	sameTree(t, dirs[1], dirs[2])
	// --jobs overrides GOMAXPROCS: 3 workers on 2 cores, same bytes.
	j3 := filepath.Join(root, "j3")
	code, _, stderr := runCLI("compare", "embedded-vs-daemon", "--duration", "40s", "--out", j3, "--jobs", "3")
	require.Equal(t, 0, code, stderr)
	sameTree(t, dirs[1], j3)
}

func TestValidateOutputDoesNotDependOnTheNumberOfCores(t *testing.T) {
	fakeRuntime(t, nil)
	file := spikeFile(t)
	root := t.TempDir()
	dirs := map[int]string{1: filepath.Join(root, "p1"), 2: filepath.Join(root, "p2")}
	for _, n := range []int{1, 2} {
		withGOMAXPROCS(n, func() {
			code, _, stderr := runCLI("validate", file, "--replications", "4", "--out", dirs[n])
			require.Contains(t, []int{0, 1}, code, stderr)
		})
	}
	sameTree(t, dirs[1], dirs[2])
}

func TestNegativeJobsIsBadInput(t *testing.T) {
	for _, cmd := range []string{"compare", "validate"} {
		code, _, stderr := runCLI(cmd, "prefork-spike", "--jobs", "-1")
		require.Equal(t, 2, code, cmd)
		require.Contains(t, stderr, "--jobs -1", cmd)
	}
}
