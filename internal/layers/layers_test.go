// Package layers holds the test that keeps forkcast's package graph one-way.
//
// The simulating side (models) and the measuring side (runtime) never import
// each other; what both need — the scenario (scenarios), the traffic
// (workload), the output format (results) and the generic engine (sim) —
// stands beside them. The engine knows nothing of Apache. The README's
// Development section and docs/model.md draw the same graph.
package layers

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/forkcast/forkcast/"

// allowed lists, for each package, the forkcast packages it may import.
// A package missing here may import nothing of forkcast's... except what
// the test says when it fails.
var allowed = map[string][]string{
	"sim":          {},
	"pool":         {},
	"results":      {},
	"scenarios":    {},
	"workload":     {"scenarios", "sim"},
	"models/host":  {"sim"},
	"models":       {"models/host", "results", "scenarios", "sim", "workload"},
	"runtime":      {"appprofile", "results", "scenarios", "sim", "workload"},
	"plots":        {"results"},
	"validate":     {"pool", "results", "scenarios"},
	"apacheconf":   {"scenarios"},
	"appprofile":   {"scenarios"},
	"inspect":      {"apacheconf", "appprofile", "scenarios"},
	"sweep":        {"models", "plots", "pool", "results", "scenarios", "validate"},
	"advise":       {"results", "scenarios", "sweep", "validate"},
	"cmd/simulate": {"advise", "apacheconf", "appprofile", "inspect", "models", "plots", "pool", "results", "runtime", "scenarios", "sweep", "validate", "workload", "sim"},
}

func TestPackageGraphIsOneWay(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg := strings.TrimPrefix(f[0], module)
		if strings.HasPrefix(pkg, "internal/") || strings.HasPrefix(pkg, "notebooks") || strings.HasSuffix(pkg, "test") {
			continue
		}
		ok, known := allowed[pkg]
		var bad []string
		for _, imp := range f[1:] {
			dep, mine := strings.CutPrefix(imp, module)
			if !mine {
				continue
			}
			if !known || !contains(ok, dep) {
				bad = append(bad, dep)
			}
		}
		sort.Strings(bad)
		if len(bad) > 0 {
			t.Errorf("%s imports %s, which the package graph does not allow (see internal/layers)", pkg, strings.Join(bad, ", "))
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
