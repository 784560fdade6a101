package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
)

// ManifestName is the file that marks a directory as forkcast's own output
// and lists every file forkcast wrote in it. Forkcast replaces or adds to a
// directory only when it holds one, and only when everything in the
// directory is listed in it: a directory, or a file, that forkcast did not
// write is never deleted or overwritten.
const ManifestName = ".forkcast.json"

// Manifest is the content of ManifestName.
type Manifest struct {
	Forkcast string   `json:"forkcast"`
	Kind     string   `json:"kind"`  // what wrote it: run, compare, runtime, validate, plot, sweep, …
	Files    []string `json:"files"` // every file forkcast wrote, relative, slash-separated, sorted
}

// An OutputError is an output path forkcast refuses to write: something
// that is not forkcast's own is in the way. The command reports it as bad
// input (exit 2) and writes nothing.
type OutputError struct {
	Path string
	Msg  string
}

func (e *OutputError) Error() string { return e.Path + ": " + e.Msg }

// Publish writes a fresh output directory dir: fill writes the content into
// an empty temporary directory beside dir, a manifest listing what fill
// wrote is added, and the directory is renamed into place, so dir appears
// complete or not at all. If fill fails, the temporary directory is removed
// and nothing else is touched.
//
// An existing dir is replaced only when replace is true and dir is itself a
// forkcast output holding nothing but the files its manifest lists;
// otherwise Publish returns an *OutputError before calling fill. Only dir
// itself is replaced: never a sibling, never a regular file.
func Publish(dir, kind string, replace bool, fill func(tmp string) error) error {
	dir = filepath.Clean(dir)
	if err := CheckOutput(dir, replace); err != nil {
		return err
	}
	exists := true
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		exists = false
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".partial-")
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := fill(tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := writeManifest(tmp, kind); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if !exists {
		if err := os.Rename(tmp, dir); err != nil {
			os.RemoveAll(tmp)
			return err
		}
		return nil
	}
	// Check again: the directory may have changed while fill ran.
	if _, err := checkReplaceable(dir); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	// A fresh, empty name of our own to move the old directory to: rename
	// onto an empty directory replaces it.
	old, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".old-")
	if err != nil {
		os.RemoveAll(tmp)
		return err
	}
	// syscall.Rename, not os.Rename: os refuses to rename onto a directory.
	if err := syscall.Rename(dir, old); err != nil {
		os.Remove(old)
		os.RemoveAll(tmp)
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.Rename(old, dir) // put the old one back
		os.RemoveAll(tmp)
		return err
	}
	return removeOwned(old)
}

// CheckOutput reports, before any work is done, whether Publish could
// write dir: an *OutputError if something not forkcast's is in the way, or
// if dir is a forkcast output and replace is false.
func CheckOutput(dir string, replace bool) error {
	dir = filepath.Clean(dir)
	exists, err := checkReplaceable(dir)
	if err != nil {
		return err
	}
	if exists && !replace {
		return &OutputError{Path: dir, Msg: "already exists (a forkcast output): choose another output directory, or pass --force to replace it"}
	}
	return nil
}

// CheckNew is CheckOutput for an output that is never replaced, whatever
// the flags (a measurement: it cannot be made again): it names no way past
// an existing output but another directory.
func CheckNew(dir string) error {
	dir = filepath.Clean(dir)
	exists, err := checkReplaceable(dir)
	if err != nil {
		return err
	}
	if exists {
		return &OutputError{Path: dir, Msg: "already exists (a forkcast output), and a measurement is never replaced: choose another output directory"}
	}
	return nil
}

// Amend adds files to an existing forkcast output directory dir (or to a
// directory inside one), as `simulate plot` does when it redraws figures:
// fill writes the new files into a temporary directory; each may take the
// place of a file the manifest lists, or of no file, but never of a file
// forkcast did not write. The manifest then lists them.
func Amend(dir string, fill func(tmp string) error) error {
	dir = filepath.Clean(dir)
	root, m, err := findManifest(dir)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".partial-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := fill(tmp); err != nil {
		return err
	}
	made, err := listFiles(tmp)
	if err != nil {
		return err
	}
	rel, _ := filepath.Rel(root, dir)
	listed := map[string]bool{}
	for _, f := range m.Files {
		listed[f] = true
	}
	var added []string
	for _, f := range made {
		name := filepath.ToSlash(filepath.Join(rel, f))
		target := filepath.Join(dir, filepath.FromSlash(f))
		if _, err := os.Lstat(target); err == nil && !listed[name] {
			return &OutputError{Path: target, Msg: "exists and was not written by forkcast (not in " + filepath.Join(root, ManifestName) + "): move it away first"}
		}
		added = append(added, name)
	}
	for _, f := range made {
		target := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(tmp, filepath.FromSlash(f)), target); err != nil {
			return err
		}
	}
	for _, f := range added {
		if !listed[f] {
			m.Files = append(m.Files, f)
		}
	}
	sort.Strings(m.Files)
	return saveManifest(root, m)
}

// PublishFile writes one file at path: write fills a temporary file beside
// it, which is renamed into place. An existing path is replaced only if
// ours reports that its content is forkcast's own (a report, a host
// profile); anything else there is an *OutputError.
func PublishFile(path string, ours func(content []byte) bool, write func(f *os.File) error) error {
	path = filepath.Clean(path)
	if fi, err := os.Lstat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return &OutputError{Path: path, Msg: "exists and is not a regular file: choose another output file"}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return &OutputError{Path: path, Msg: fmt.Sprintf("exists and cannot be read (%v): choose another output file", err)}
		}
		if !ours(b) {
			return &OutputError{Path: path, Msg: "exists and was not written by forkcast: choose another output file, or move it away first"}
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".partial-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if err := write(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// checkReplaceable reports whether dir exists; if it does, it must be a
// forkcast output whose every file its manifest lists.
func checkReplaceable(dir string) (bool, error) {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, &OutputError{Path: dir, Msg: err.Error()}
	}
	if !fi.IsDir() {
		return true, &OutputError{Path: dir, Msg: "exists and is not a directory: forkcast writes only directories of its own there; choose another output directory"}
	}
	m, err := readManifest(dir)
	if err != nil {
		return true, &OutputError{Path: dir, Msg: fmt.Sprintf("exists and is not a forkcast output (no readable %s; it holds %s): forkcast never replaces a directory it did not write, even with --force; choose another output directory", ManifestName, describeDir(dir))}
	}
	if extra := unlisted(dir, m); len(extra) > 0 {
		return true, &OutputError{Path: dir, Msg: fmt.Sprintf("is a forkcast output, but holds files forkcast did not write (%s): move them away or choose another output directory", strings.Join(extra, ", "))}
	}
	return true, nil
}

// unlisted returns the files and directories in dir that m does not
// account for (at most a few, for the message).
func unlisted(dir string, m Manifest) []string {
	listed := map[string]bool{ManifestName: true}
	dirs := map[string]bool{".": true}
	for _, f := range m.Files {
		listed[f] = true
		for d := filepath.ToSlash(filepath.Dir(f)); d != "."; d = filepath.ToSlash(filepath.Dir(d)) {
			dirs[d] = true
		}
	}
	var extra []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			extra = append(extra, p)
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir() && dirs[rel]:
			return nil
		case d.IsDir():
			extra = append(extra, rel+"/")
			return filepath.SkipDir
		case !d.Type().IsRegular() || !listed[rel]:
			extra = append(extra, rel)
		}
		if len(extra) >= 5 {
			return filepath.SkipAll
		}
		return nil
	})
	return extra
}

// removeOwned deletes a forkcast output that has just been replaced. It
// was checked to hold only listed files; anything that appeared since
// stays, and so does the directory then.
func removeOwned(dir string) error {
	m, err := readManifest(dir)
	if err != nil {
		return nil // not ours any more: leave it
	}
	for _, f := range m.Files {
		os.Remove(filepath.Join(dir, filepath.FromSlash(f)))
	}
	os.Remove(filepath.Join(dir, ManifestName))
	// Empty directories, deepest first; a non-empty one fails and stays.
	var dirs []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	slices.Reverse(dirs)
	for _, d := range dirs {
		os.Remove(d)
	}
	return nil
}

// describeDir names a few entries of dir for an error message.
func describeDir(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		return "nothing"
	}
	var names []string
	for i, e := range entries {
		if i == 3 {
			names = append(names, fmt.Sprintf("and %d more", len(entries)-3))
			break
		}
		n := e.Name()
		if e.IsDir() {
			n += "/"
		}
		names = append(names, n)
	}
	return strings.Join(names, ", ")
}

// listFiles returns the regular files under dir, relative and slash-separated, sorted.
func listFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			if rel != ManifestName {
				files = append(files, filepath.ToSlash(rel))
			}
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

func writeManifest(dir, kind string) error {
	files, err := listFiles(dir)
	if err != nil {
		return err
	}
	return saveManifest(dir, Manifest{Forkcast: Version, Kind: kind, Files: files})
}

func saveManifest(dir string, m Manifest) error {
	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, ManifestName+".partial")
	if err := os.WriteFile(tmp, append(js, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, ManifestName))
}

func readManifest(dir string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, err
	}
	for _, f := range m.Files {
		if f == "" || strings.HasPrefix(f, "/") || slices.Contains(strings.Split(f, "/"), "..") {
			return m, fmt.Errorf("%s lists %q, outside the directory", ManifestName, f)
		}
	}
	return m, nil
}

// findManifest returns the forkcast output directory that holds dir (dir
// itself or one of its parents, up to three levels up) and its manifest.
func findManifest(dir string) (string, Manifest, error) {
	d := dir
	for i := 0; i < 4; i++ {
		if m, err := readManifest(d); err == nil {
			return d, m, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	return "", Manifest{}, &OutputError{Path: dir, Msg: fmt.Sprintf("is not inside a forkcast output (no %s): forkcast adds files only to directories it wrote", ManifestName)}
}

// IsOutput reports whether dir is a forkcast output directory (it has a
// readable manifest).
func IsOutput(dir string) bool {
	_, err := readManifest(dir)
	return err == nil
}
