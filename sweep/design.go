package sweep

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/forkcast/forkcast/scenarios"
)

// Source is the scenario a sweep varies: its text, read once, which every
// point resolves again with its own overrides (so that a point that sets
// apache.mpm gets that MPM's defaults, as --set does).
type Source struct {
	File    string               `json:"file"` // the file's path, or builtin:NAME
	Text    string               `json:"text"` // the scenario file's text
	Variant string               `json:"variant,omitempty"`
	Sets    []scenarios.Override `json:"sets,omitempty"` // --seed, --duration and --set, under every point
}

// OpenSource reads the scenario arg names (a file, or a built-in name; ""
// for the default built-in) as scenarios.Open does.
func OpenSource(arg, variant string, sets []scenarios.Override) (Source, error) {
	if arg == "" {
		arg = scenarios.DefaultBuiltin
	}
	src := Source{File: arg, Variant: variant, Sets: sets}
	if strings.HasSuffix(arg, ".toml") || strings.ContainsRune(arg, '/') {
		data, err := os.ReadFile(arg)
		if err != nil {
			return src, &scenarios.Error{File: arg, Msg: fmt.Sprintf("cannot read the scenario: %v", errors.Unwrap(err))}
		}
		src.Text = string(data)
		return src, nil
	}
	data, ok := scenarios.BuiltinSource(arg)
	if !ok {
		_, err := scenarios.LoadBuiltin(arg, variant) // its error lists the built-ins
		return src, err
	}
	src.File, src.Text = "builtin:"+arg, string(data)
	return src, nil
}

// Load resolves the scenario with extra overrides after Sets.
func (s Source) Load(extra ...scenarios.Override) (*scenarios.Scenario, error) {
	sets := append(append([]scenarios.Override(nil), s.Sets...), extra...)
	if name, ok := strings.CutPrefix(s.File, "builtin:"); ok {
		// A built-in is resolved by its name (its name, host profiles
		// relative to the working directory), from this program's copy,
		// which must be the text the sweep was planned with.
		if data, ok := scenarios.BuiltinSource(name); !ok || string(data) != s.Text {
			return nil, fmt.Errorf("sweep: this simulate's built-in scenario %s is not the one the sweep was planned with (a different forkcast version?)", name)
		}
		return scenarios.LoadBuiltin(name, s.Variant, sets...)
	}
	return scenarios.Parse(s.File, []byte(s.Text), s.Variant, sets...)
}

// A Design is a sweep: a scenario, the keys it varies (a grid: every
// combination of their values, the first key varying slowest) and how many
// times each point runs.
type Design struct {
	Source       Source
	Vary         []Vary
	Replications int
}

// A Point is one combination of the varied keys' values.
type Point struct {
	Index    int
	Values   []string // one per Design.Vary
	Scenario *scenarios.Scenario
}

// Overrides returns the point's values as scenario overrides.
func (p Point) overrides(vary []Vary) []scenarios.Override {
	out := make([]scenarios.Override, len(vary))
	for i, v := range vary {
		out[i] = scenarios.Override{Key: v.Key, Value: p.Values[i]}
	}
	return out
}

// Label is the point's values as KEY=VALUE, joined by spaces.
func Label(vary []Vary, values []string) string {
	parts := make([]string, len(vary))
	for i, v := range vary {
		parts[i] = v.Key + "=" + values[i]
	}
	return strings.Join(parts, " ")
}

// Check reports a design that cannot run, before any scenario is resolved.
func (d Design) Check() error {
	if d.Replications < 1 {
		return fmt.Errorf("--replications %d: want 1 or more", d.Replications)
	}
	if len(d.Vary) == 0 {
		return fmt.Errorf("nothing to vary: give one or more --vary KEY=VALUES")
	}
	seen := map[string]bool{}
	for _, s := range d.Source.Sets {
		seen[s.Key] = true
	}
	n := 1.0
	for _, v := range d.Vary {
		if seen[v.Key] {
			return fmt.Errorf("--vary %s: the key is also set by --set, --seed or --duration, or varied twice", v.Key)
		}
		seen[v.Key] = true
		n *= float64(len(v.Values))
	}
	if n*float64(d.Replications) > math.MaxInt32 {
		return fmt.Errorf("%.0f points × %d replications: too many runs", n, d.Replications)
	}
	return nil
}

// Grid returns every combination of the varied values, the first key
// varying slowest: the points' values in order.
func (d Design) Grid() [][]string {
	grid := [][]string{nil}
	for _, v := range d.Vary {
		var next [][]string
		for _, g := range grid {
			for _, x := range v.Values {
				next = append(next, append(append([]string(nil), g...), x))
			}
		}
		grid = next
	}
	return grid
}

// Points resolves the scenario at every point of the grid. A value the
// scenario loader rejects is an error naming the --vary key and, for a
// combination, the point; it wraps the loader's *scenarios.Error.
func (d Design) Points() ([]Point, error) {
	if err := d.Check(); err != nil {
		return nil, err
	}
	grid := d.Grid()
	points := make([]Point, len(grid))
	for i, vals := range grid {
		p := Point{Index: i, Values: vals}
		sc, err := d.Source.Load(p.overrides(d.Vary)...)
		if err != nil {
			return nil, d.pointError(vals, err)
		}
		p.Scenario = sc
		points[i] = p
	}
	return points, nil
}

// pointError names the --vary that a scenario error is about.
func (d Design) pointError(vals []string, err error) error {
	for _, e := range scenarios.Errors(err) {
		if e.File == "--set" {
			for _, v := range d.Vary {
				if e.Key == v.Key {
					e.File = "--vary"
				}
			}
		}
	}
	if len(d.Vary) == 1 {
		return err
	}
	return fmt.Errorf("at %s: %w", Label(d.Vary, vals), err)
}
