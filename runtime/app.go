package runtime

import (
	_ "embed"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/forkcast/forkcast/scenarios"
)

//go:embed app.py
var appSource string

// distParams is a Dist as the Python app reads it.
type distParams struct {
	Kind string  `json:"kind"`
	A    float64 `json:"a"`
	B    float64 `json:"b"`
}

func toParams(d scenarios.Dist) distParams {
	k, a, b := d.Params()
	return distParams{k, a, b}
}

// appParams is app.json.
type appParams struct {
	Seed                uint64     `json:"seed"`
	VarDir              string     `json:"var_dir"`
	ImportCPU           distParams `json:"import_cpu"`
	ImportWait          distParams `json:"import_wait"`
	ImportMemory        int64      `json:"import_memory"`
	RequestCPU          distParams `json:"request_cpu"`
	RequestWait         distParams `json:"request_wait"`
	RequestMemoryGrowth int64      `json:"request_memory_growth"`
	// URLs are [app.urls] costs by URL prefix (the app picks the longest
	// that matches, as scenarios.App.CostFor does).
	URLs map[string]urlCost `json:"urls"`
	// TouchCPUPerByte is host.memory_touch_cpu per byte (seconds) when the
	// host's first touches beyond memory_warm cost more: the app then
	// leaves that much room for its touches, as a real app's measured CPU
	// includes them, and a dearer touch makes its work longer, as a real
	// app's (docs/model.md §8.5). 0: it leaves room for what its last
	// touch cost, so its CPU is what the scenario says.
	TouchCPUPerByte float64 `json:"touch_cpu_per_byte,omitempty"`
}

type urlCost struct {
	RequestCPU          distParams `json:"request_cpu"`
	RequestWait         distParams `json:"request_wait"`
	RequestMemoryGrowth int64      `json:"request_memory_growth"`
}

// touchCPUPerByte is app.json's touch_cpu_per_byte for h.
func touchCPUPerByte(h scenarios.Host) float64 {
	if h.MemoryTouchColdCPU.Duration <= h.MemoryTouchCPU.Duration {
		return 0
	}
	return h.MemoryTouchCPU.Seconds() / float64(scenarios.MiB)
}

// writeApp writes the WSGI script, its parameters, the static page and the
// directories the app writes into.
func writeApp(s *scenarios.Scenario, l Layout) error {
	for _, d := range []struct {
		path string
		mode os.FileMode
	}{
		{l.RunDir(), 0o755}, {l.AppDir(), 0o755}, {filepath.Join(l.Root, "logs"), 0o755},
		{filepath.Join(l.DocRoot(), "static"), 0o755}, {l.VarDir(), 0o777}, {l.ActiveDir(), 0o777},
	} {
		if err := os.MkdirAll(d.path, d.mode); err != nil {
			return err
		}
		if err := os.Chmod(d.path, d.mode); err != nil { // despite the umask
			return err
		}
	}
	if err := os.Chmod(l.Root, 0o755); err != nil { // MkdirTemp makes it 0700; Apache's user must enter it
		return err
	}
	if l.UserScript != "" {
		return writeStatic(l) // the user's script is served as it is
	}
	js, err := json.MarshalIndent(appParams{
		Seed:                s.Seed,
		VarDir:              l.VarDir(),
		ImportCPU:           toParams(s.App.ImportCPU),
		ImportWait:          toParams(s.App.ImportWait),
		ImportMemory:        int64(s.App.ImportMemory),
		RequestCPU:          toParams(s.App.RequestCPU),
		RequestWait:         toParams(s.App.RequestWait),
		RequestMemoryGrowth: int64(s.App.RequestMemoryGrowth),
		URLs:                urlCosts(s.App),
		TouchCPUPerByte:     touchCPUPerByte(s.Host),
	}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(l.AppParams(), js, 0o644); err != nil {
		return err
	}
	script := "FORKCAST_PARAMS = " + strconv.Quote(l.AppParams()) + "\n" + appSource
	if err := os.WriteFile(l.Script(), []byte(script), 0o644); err != nil {
		return err
	}
	for name := range s.WSGI.DaemonProcesses {
		if p := l.GroupScript(name); p != l.Script() {
			if err := os.WriteFile(p, []byte(script), 0o644); err != nil {
				return err
			}
		}
	}
	return writeStatic(l)
}

// WriteIdleApp writes runtime mode's synthetic app under root with no
// costs at all (no import CPU, wait or memory; requests that do nothing)
// and returns its WSGI script: what `simulate calibrate` loads to measure
// the app's own memory, its modules and bookkeeping, beyond a minimal
// script's (host.runtime_app_memory).
func WriteIdleApp(root string) (string, error) {
	s, err := scenarios.Parse("idle-app.toml", []byte("[[workload.phase]]\nduration = \"1s\"\nrate = 1\n[app]\nimport_cpu = \"const(0s)\"\nimport_memory = \"0B\"\nrequest_cpu = \"const(0s)\"\nrequest_wait = \"const(0s)\"\n"), "")
	if err != nil {
		return "", err
	}
	l := Layout{Root: root}
	if err := writeApp(s, l); err != nil {
		return "", err
	}
	return l.Script(), nil
}

// writeStatic writes the page Apache serves itself.
func writeStatic(l Layout) error {
	page := "<!doctype html><title>forkcast</title>\n<p>" + strings.Repeat("static ", 1400) + "</p>\n"
	return os.WriteFile(l.StaticFile(), []byte(page), 0o644)
}

// urlCosts is the app's [app.urls] table for app.json.
func urlCosts(a scenarios.App) map[string]urlCost {
	out := map[string]urlCost{}
	for prefix, c := range a.URLs {
		out[prefix] = urlCost{RequestCPU: toParams(c.RequestCPU), RequestWait: toParams(c.RequestWait), RequestMemoryGrowth: int64(c.RequestMemoryGrowth)}
	}
	return out
}
