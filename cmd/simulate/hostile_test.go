package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// TestMain removes the command simulateBinary built, with its directory:
// a test run leaves nothing in the temporary directory.
func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" && buildErr == nil {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// simulateBinary builds the command once per test run.
func simulateBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "forkcast-test-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "simulate")
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = err
			builtBin = string(out)
		}
	})
	require.NoError(t, buildErr, "go build: %s", builtBin)
	return builtBin
}

// snapshot lists every file and directory under root with its content.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			out[rel+"/"] = ""
			return nil
		}
		b, _ := os.ReadFile(p)
		out[rel] = string(b)
		return nil
	})
	return out
}

const hostilePhase = "\n[[workload.phase]]\nduration = \"60s\"\nrate = 10.0\n"

// Hostile input, run as a user would run it (the built binary, in a
// directory of the user's own files): each case must end within seconds
// and a few hundred MB with the exact exit code and a message naming what
// is wrong (file:line: key where there is a line), and must change nothing
// but, at most, forkcast's own outputs.
func TestHostileInputEndsQuicklyWithAClearErrorAndChangesNothing(t *testing.T) {
	bin := simulateBinary(t)
	cases := []struct {
		name  string
		files map[string]string // the user's files, relative to the working directory
		args  []string
		code  int
		msg   []string
	}{
		{"--out onto a directory of documents", map[string]string{"mydocs/thesis.tex": "thesis", "mydocs.old/x": "x"},
			[]string{"run", "prefork-spike", "--no-plots", "--out", "mydocs"}, 2,
			[]string{"mydocs: exists and is not a forkcast output", "thesis.tex", "even with --force"}},
		{"--out onto a directory of documents, with --force", map[string]string{"mydocs/thesis.tex": "thesis"},
			[]string{"run", "prefork-spike", "--no-plots", "--force", "--out", "mydocs"}, 2,
			[]string{"mydocs: exists and is not a forkcast output"}},
		{"--out onto a regular file", map[string]string{"notes.txt": "notes"},
			[]string{"run", "prefork-spike", "--out", "notes.txt"}, 2, []string{"notes.txt: exists and is not a directory"}},
		{"compare into a directory of documents", map[string]string{"home/.bashrc": "rc", "home/work/a.c": "int"},
			[]string{"compare", "embedded-vs-daemon", "--no-plots", "--out", "home"}, 2, []string{"home: exists and is not a forkcast output"}},
		{"report over a page of the user's", map[string]string{"index.html": "<p>my page"},
			[]string{"report", "--out", "index.html", "run1"}, 2, []string{"run1: no such directory"}},
		{"calibrate over a file of the user's", map[string]string{"calibrated.toml": "# my own notes\n"},
			[]string{"calibrate", "--out", "calibrated.toml"}, 2, []string{"calibrated.toml: exists and is not a forkcast host profile"}},
		{"a size that overflows", map[string]string{"s.toml": "[app]\nimport_memory = \"1e30TiB\"\n" + hostilePhase},
			[]string{"run", "s.toml", "--no-plots"}, 2, []string{"s.toml:2: app.import_memory = \"1e30TiB\"", "at most 1PiB"}},
		{"a gamma that samples NaN", map[string]string{"s.toml": "[app]\nrequest_cpu = \"gamma(mean=20ms, cv=1e-200)\"\n" + hostilePhase},
			[]string{"run", "s.toml", "--no-plots"}, 2, []string{"s.toml:2: app.request_cpu", "overflow"}},
		{"a constant that overflows the clock", map[string]string{"s.toml": "[app]\nimport_cpu = \"const(2562047h)\"\n" + hostilePhase},
			[]string{"run", "s.toml", "--no-plots"}, 2, []string{"s.toml:2: app.import_cpu", "too long"}},
		{"swap_penalty = 1e300", map[string]string{"s.toml": "[host]\nswap_penalty = 1e300\n" + hostilePhase},
			[]string{"run", "s.toml", "--no-plots"}, 2, []string{"s.toml:2: host.swap_penalty = 1e+300", "must be from 1"}},
		{"nan through --set", nil,
			[]string{"run", "--no-plots", "--set", "host.cow_shared_floor=nan"}, 2, []string{"--set: host.cow_shared_floor = nan", "finite"}},
		{"a newline injected through --set", nil,
			[]string{"check", "--set", "name=\"x\"\n[host]\ncpus = 64"}, 2, []string{"--set: name", "control characters"}},
		{"interval = 1ns", map[string]string{"s.toml": "interval = \"1ns\"\n" + hostilePhase},
			[]string{"run", "s.toml", "--no-plots"}, 2, []string{"refusing to simulate", "interval"}},
		{"a phase rate of 1e9/s", map[string]string{"s.toml": "[[workload.phase]]\nduration = \"60s\"\nrate = 1e9\n"},
			[]string{"run", "s.toml", "--no-plots"}, 2, []string{"refusing to simulate", "workload.phase[0].rate"}},
		{"an open population at 1e9/s", map[string]string{"s.toml": "[workload.population.web]\nkind = \"open\"\n[[workload.population.web.phase]]\nduration = \"60s\"\nrate = 1e9\n"},
			[]string{"run", "s.toml", "--no-plots"}, 2, []string{"refusing to simulate", "workload.population.web.phase[0].rate"}},
		{"a million closed users with nothing to do for a day", map[string]string{"s.toml": "duration = \"24h\"\n[app]\nrequest_cpu = \"const(0s)\"\n[workload.population.u]\nkind = \"closed\"\nusers = 1000000\nthink_time = \"const(0s)\"\n"},
			[]string{"run", "s.toml", "--no-plots"}, 2, []string{"refusing to simulate", "workload.population.u.users"}},
		{"an observer at 1e9/s", map[string]string{"s.toml": "[workload.observer.probe]\nkind = \"open\"\n[[workload.observer.probe.phase]]\nduration = \"60s\"\nrate = 1e9\n" + hostilePhase},
			[]string{"run", "s.toml", "--no-plots"}, 2, []string{"refusing to simulate", "workload.observer.probe.phase[0].rate"}},
		{"--duration 8760h", nil,
			[]string{"run", "--duration", "8760h", "--no-plots"}, 2, []string{"refusing to simulate", "duration"}},
		{"a million daemon processes", map[string]string{"s.toml": "[wsgi]\nprocess_group = \"app\"\n[wsgi.daemon_process.app]\nprocesses = 1000000\n" + hostilePhase},
			[]string{"run", "s.toml", "--no-plots"}, 2, []string{"refusing to simulate", "wsgi.daemon_process.*.processes"}},
		{"200 000 prefork children", map[string]string{"s.toml": "[apache]\nmpm = \"prefork\"\nserver_limit = 200000\nmax_request_workers = 200000\nstart_servers = 200000\n" + hostilePhase},
			[]string{"run", "s.toml", "--no-plots"}, 2, []string{"refusing to simulate", "apache.max_request_workers"}},
		{"a retry storm with a 1 ns client timeout", map[string]string{"s.toml": "[workload]\nclient_timeout = \"1ns\"\nretries = 1000000000\nretry_delay = \"0s\"\n" + hostilePhase},
			[]string{"run", "s.toml", "--no-plots"}, 2, []string{"refusing to simulate", "workload.retries"}},
		{"a runtime run whose load needs far more than this machine has", nil,
			[]string{"runtime", "prefork-spike", "--set", "app.import_memory=\"200MiB\"", "--set", "host.ram=\"1GiB\"", "--set", "apache.max_request_workers=150"}, 2,
			[]string{"refusing to run on this machine", "app.import_memory"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tc.files {
				p := filepath.Join(dir, name)
				require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
				require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
			}
			before := snapshot(t, dir)
			cmd := exec.Command(bin, tc.args...)
			cmd.Dir = dir
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			began := time.Now()
			require.NoError(t, cmd.Start())
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("still running after 20 s: %s", stderr.String())
			}
			elapsed := time.Since(began)
			assert.Equal(t, tc.code, cmd.ProcessState.ExitCode(), "stderr: %s", stderr.String())
			for _, m := range tc.msg {
				assert.Contains(t, stderr.String(), m)
			}
			assert.Less(t, elapsed, 10*time.Second, "ends within seconds")
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				assert.Less(t, ru.Maxrss, int64(300<<10), "peak RSS under 300 MB (KiB)")
			}
			after := snapshot(t, dir)
			assert.Equal(t, before, after, "nothing in the user's directory changed")
			assert.NotContains(t, strings.Join(keysOf(after), " "), ".partial-", "no temporary left")
		})
	}
}

func keysOf(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// A command's help goes to stdout with exit 0, its flags written with --.
func TestHelpAndVersion(t *testing.T) {
	for _, name := range sortedKeys(commands) {
		for _, flag := range []string{"-h", "--help"} {
			var out, errb bytes.Buffer
			code := runMain([]string{name, flag}, &out, &errb)
			assert.Equal(t, 0, code, "%s %s: %s", name, flag, errb.String())
			assert.Contains(t, out.String(), "usage: simulate "+name, "%s %s", name, flag)
			assert.Empty(t, errb.String(), "%s %s writes nothing on stderr", name, flag)
			assert.NotRegexp(t, `(?m)^  -[a-z]`, out.String(), "%s: flags are shown with --", name)
		}
	}
	var out, errb bytes.Buffer
	assert.Equal(t, 0, runMain([]string{"--help"}, &out, &errb))
	assert.Contains(t, out.String(), "exit codes:")
	assert.Contains(t, out.String(), "70  an internal error")
	out.Reset()
	assert.Equal(t, 0, runMain([]string{"--version"}, &out, &errb))
	assert.Regexp(t, `^forkcast \d+\.\d+\.\d+`, out.String())
	assert.Equal(t, 2, runMain(nil, &out, &errb), "no command is a usage error")
}
