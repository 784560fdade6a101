package appprofile

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/scenarios"
)

func needPython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI: python3 is needed")
		}
		t.Skip("no python3")
	}
}

func mean(ss []Sample, f func(Sample) float64) float64 {
	var sum float64
	for _, s := range ss {
		sum += f(s)
	}
	return sum / float64(len(ss))
}

func within(t *testing.T, want, got, rel float64, what string) {
	t.Helper()
	assert.InDeltaf(t, want, got, want*rel, "%s: measured %.4g, the app does %.4g", what, got, want)
}

// Three small apps whose costs are known: the measured figures are within
// 10% of what they do.
func TestMeasuredFiguresMatchWhatTheAppsDo(t *testing.T) {
	needPython(t)
	ctx := context.Background()

	p, err := Run(ctx, "testdata/cpu_import.wsgi", Options{Imports: 3, URLs: []string{"/work", "/"}, Requests: 4})
	require.NoError(t, err)
	require.Empty(t, p.Error)
	within(t, 0.4, mean(p.Imports, func(s Sample) float64 { return s.CPU }), 0.1, "import CPU")
	assert.Less(t, mean(p.Imports, Sample.Wait), 0.04, "a CPU-bound import hardly waits")
	within(t, 0.05, mean(p.Requests["/work"], func(s Sample) float64 { return s.CPU }), 0.1, "request CPU")
	assert.Len(t, p.Requests["/work"], 12)

	p, err = Run(ctx, "testdata/sleep_import.wsgi", Options{Imports: 3, URLs: []string{"/db"}, Requests: 3, ProcessGroup: "shop"})
	require.NoError(t, err)
	require.Empty(t, p.Error)
	within(t, 0.4, mean(p.Imports, Sample.Wait), 0.1, "import wait")
	assert.Less(t, mean(p.Imports, func(s Sample) float64 { return s.CPU }), 0.04, "a sleeping import uses little CPU")
	within(t, 0.1, mean(p.Requests["/db"], Sample.Wait), 0.1, "request wait")
	assert.Equal(t, "200 OK", p.Requests["/db"][0].Status, "the fake mod_wsgi module gave the process group")

	p, err = Run(ctx, "testdata/memory_import.wsgi", Options{Imports: 2, URLs: []string{"/leak"}, Requests: 4})
	require.NoError(t, err)
	require.Empty(t, p.Error)
	within(t, 50<<20, mean(p.Imports, func(s Sample) float64 { return float64(s.Memory) }), 0.1, "import memory")
	var later []Sample
	for _, s := range p.Requests["/leak"] {
		if !s.First {
			later = append(later, s)
		}
	}
	within(t, 1<<20, mean(later, func(s Sample) float64 { return float64(s.Memory) }), 0.1, "memory growth per request")

	// The [app] section loads as a scenario.
	text := p.AppTOML() + "\n[[workload.phase]]\nduration = \"10s\"\nrate = 1.0\n"
	s, err := scenarios.Parse("app.toml", []byte(text), "")
	require.NoError(t, err, text)
	within(t, 50<<20, float64(s.App.ImportMemory), 0.1, "import_memory in the scenario")
	within(t, 1<<20, float64(s.App.CostFor("/leak").RequestMemoryGrowth), 0.1, "request_memory_growth in the scenario")
}

// An app that fails to import: the traceback, and the measurement so far.
func TestImportFailureIsReported(t *testing.T) {
	needPython(t)
	p, err := Run(context.Background(), "testdata/broken.wsgi", Options{Imports: 3})
	require.NoError(t, err)
	assert.Contains(t, p.Error, "KeyError: 'DJANGO_SETTINGS_MODULE'")
	assert.Contains(t, p.Error, "broken.wsgi", "the traceback names the script")
	assert.Len(t, p.Imports, 1, "stops at the first failure")
}

func TestDist(t *testing.T) {
	assert.Equal(t, "const(400ms)", Dist([]float64{0.4, 0.401, 0.399}))
	d := Dist([]float64{0.2, 0.4, 0.6})
	assert.True(t, strings.HasPrefix(d, "lognormal(mean=400ms, cv=0.50)"), d)
	_, err := scenarios.ParseDist(d)
	assert.NoError(t, err)
}

// The Python mod_wsgi uses is the one its module links.
func TestReadModWSGI(t *testing.T) {
	if _, err := os.Stat(DefaultModWSGI); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI: mod_wsgi must be installed (.ci/run)")
		}
		t.Skip("no mod_wsgi")
	}
	m, err := ReadModWSGI(DefaultModWSGI)
	require.NoError(t, err)
	assert.Regexp(t, `^libpython3\.\d+`, m.Libpython)
	assert.Regexp(t, `^/usr/bin/python3\.\d+$`, m.Python)
	assert.Regexp(t, `^4\.\d+\.\d+$`, m.Version)
}
