package results

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tree returns every path under root with the content of each file, so a
// test can check that nothing a user owns changed.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			out[rel+"/"] = ""
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			l, _ := os.Readlink(p)
			out[rel] = "-> " + l
			return nil
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		out[rel] = string(b)
		return nil
	}))
	return out
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// A user's directories, files and siblings: Publish must refuse them all,
// with an *OutputError, whatever replace says, and change nothing.
func TestPublishNeverTouchesWhatForkcastDidNotWrite(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(t *testing.T, dir string)
		target string
		want   string
	}{
		{"a directory of documents", func(t *testing.T, dir string) {
			os.MkdirAll(filepath.Join(dir, "mydocs", "chapters"), 0o755)
			os.WriteFile(filepath.Join(dir, "mydocs", "thesis.tex"), []byte("thesis"), 0o644)
			os.WriteFile(filepath.Join(dir, "mydocs", "chapters", "1.tex"), []byte("one"), 0o644)
			os.Mkdir(filepath.Join(dir, "mydocs.old"), 0o755)
			os.WriteFile(filepath.Join(dir, "mydocs.old", "keep"), []byte("old"), 0o644)
			os.Mkdir(filepath.Join(dir, "mydocs.new"), 0o755)
		}, "mydocs", "is not a forkcast output (no readable .forkcast.json; it holds chapters/, thesis.tex)"},
		{"an empty directory", func(t *testing.T, dir string) {
			os.Mkdir(filepath.Join(dir, "empty"), 0o755)
		}, "empty", "is not a forkcast output"},
		{"a regular file", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("notes"), 0o644)
		}, "notes.txt", "is not a directory"},
		{"a symbolic link to a directory", func(t *testing.T, dir string) {
			os.Mkdir(filepath.Join(dir, "real"), 0o755)
			os.WriteFile(filepath.Join(dir, "real", "x"), []byte("x"), 0o644)
			os.Symlink("real", filepath.Join(dir, "link"))
		}, "link", "is not a directory"},
		{"a forkcast output the user added a file to", func(t *testing.T, dir string) {
			require.NoError(t, WriteDir(filepath.Join(dir, "run"), sample()))
			os.WriteFile(filepath.Join(dir, "run", "my-analysis.txt"), []byte("mine"), 0o644)
		}, "run", "holds files forkcast did not write (my-analysis.txt)"},
		{"a forged manifest pointing outside", func(t *testing.T, dir string) {
			os.Mkdir(filepath.Join(dir, "forged"), 0o755)
			os.WriteFile(filepath.Join(dir, "forged", ManifestName), []byte(`{"files":["../victim"]}`), 0o644)
			os.WriteFile(filepath.Join(dir, "victim"), []byte("v"), 0o644)
		}, "forged", "is not a forkcast output"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(t, dir)
			before := tree(t, dir)
			for _, replace := range []bool{false, true} {
				called := false
				err := Publish(filepath.Join(dir, tc.target), "run", replace, func(tmp string) error {
					called = true
					return os.WriteFile(filepath.Join(tmp, "summary.json"), []byte("{}"), 0o644)
				})
				var oe *OutputError
				require.True(t, errors.As(err, &oe), "an *OutputError, got %v", err)
				assert.Contains(t, err.Error(), tc.want)
				assert.False(t, called, "nothing is computed into a refused output")
				assert.Equal(t, before, tree(t, dir), "nothing changed, not even a temporary directory")
			}
		})
	}
}

func TestPublishReplacesOnlyItsOwnOutput(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "run.old"), 0o755) // a user's sibling with a name forkcast once used
	os.WriteFile(filepath.Join(dir, "run.old", "keep"), []byte("k"), 0o644)
	target := filepath.Join(dir, "run")
	require.NoError(t, WriteDir(target, sample()))
	assert.True(t, IsOutput(target))

	err := WriteDir(target, sample())
	assert.ErrorContains(t, err, "already exists (a forkcast output)", "WriteDir never replaces")
	err = CheckNew(target)
	assert.ErrorContains(t, err, "a measurement is never replaced")
	assert.NotContains(t, err.Error(), "--force", "no flag replaces a measurement: none is offered")
	assert.NoError(t, CheckNew(filepath.Join(dir, "fresh")))

	next := sample()
	next.Summary.Seed = 42
	require.NoError(t, ReplaceDir(target, next))
	got, err := ReadDir(target)
	require.NoError(t, err)
	assert.Equal(t, uint64(42), got.Summary.Seed)
	assert.Equal(t, []string{"run.old/", "run.old/keep", "run/", "run/" + ManifestName, "run/events.log", "run/scenario.toml", "run/summary.json", "run/timeseries.csv"},
		keys(tree(t, dir))[1:], "the sibling is untouched and no temporary directory is left")
}

func TestPublishLeavesNothingWhenFillFails(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "run")
	require.NoError(t, WriteDir(target, sample()))
	before := tree(t, dir)
	err := Publish(target, "run", true, func(tmp string) error { return errors.New("simulation failed") })
	assert.EqualError(t, err, "simulation failed")
	assert.Equal(t, before, tree(t, dir), "the old output is intact and nothing else is left")
}

func TestAmendAddsFilesButNeverOverwritesAUsersFile(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "run")
	require.NoError(t, WriteDir(target, sample()))
	require.NoError(t, Amend(target, func(tmp string) error {
		return os.WriteFile(filepath.Join(tmp, "processes.png"), []byte("png"), 0o644)
	}))
	m, err := readManifest(target)
	require.NoError(t, err)
	assert.Contains(t, m.Files, "processes.png")
	// Redrawing replaces forkcast's own figure.
	require.NoError(t, Amend(target, func(tmp string) error {
		return os.WriteFile(filepath.Join(tmp, "processes.png"), []byte("png2"), 0o644)
	}))
	// A file of the user's with a figure's name is never overwritten.
	os.WriteFile(filepath.Join(target, "latency.png"), []byte("my own"), 0o644)
	err = Amend(target, func(tmp string) error {
		return os.WriteFile(filepath.Join(tmp, "latency.png"), []byte("png"), 0o644)
	})
	assert.ErrorContains(t, err, "latency.png: exists and was not written by forkcast")
	b, _ := os.ReadFile(filepath.Join(target, "latency.png"))
	assert.Equal(t, "my own", string(b))
	// A directory forkcast did not write takes no files.
	os.Mkdir(filepath.Join(dir, "mine"), 0o755)
	err = Amend(filepath.Join(dir, "mine"), func(tmp string) error { return nil })
	assert.ErrorContains(t, err, "is not inside a forkcast output")
	for _, e := range keys(tree(t, dir)) {
		assert.False(t, strings.Contains(e, ".partial-"), "no temporary left: %s", e)
	}
}

func TestPublishFileReplacesOnlyForkcastFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	ours := func(b []byte) bool { return strings.Contains(string(b), "generator=forkcast") }
	write := func(s string) func(f *os.File) error {
		return func(f *os.File) error { _, err := f.WriteString(s); return err }
	}
	require.NoError(t, PublishFile(path, ours, write("<p>generator=forkcast 1")))
	require.NoError(t, PublishFile(path, ours, write("<p>generator=forkcast 2")))
	b, _ := os.ReadFile(path)
	assert.Equal(t, "<p>generator=forkcast 2", string(b))

	mine := filepath.Join(dir, "index.html")
	os.WriteFile(mine, []byte("my page"), 0o644)
	err := PublishFile(mine, ours, write("x"))
	assert.ErrorContains(t, err, "exists and was not written by forkcast")
	b, _ = os.ReadFile(mine)
	assert.Equal(t, "my page", string(b))
	assert.ErrorContains(t, PublishFile(dir, ours, write("x")), "is not a regular file")
	assert.Len(t, tree(t, dir), 3, "the directory, the report and the user's page; no temporary files")
}
