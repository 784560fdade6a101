package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds the loader arbitrary text. It must never panic; every
// failure must be a located *Error (what the command line turns into exit
// code 2); and whatever it accepts must format and parse back to the same
// scenario. The seed corpus is every built-in and validation scenario.
// Run it long with: go test ./scenarios -run '^$' -fuzz FuzzParse -fuzztime 10m
func FuzzParse(f *testing.F) {
	for _, name := range Builtins() {
		data, _ := BuiltinSource(name)
		f.Add(data, "")
	}
	files, _ := filepath.Glob("validation/*.toml")
	for _, p := range files {
		data, _ := os.ReadFile(p)
		f.Add(data, "")
	}
	f.Add([]byte("[app]\nimport_memory = \"1e30TiB\"\n[[workload.phase]]\nduration = \"1s\"\nrate = nan\n"), "")
	f.Add([]byte("[variants.v]\napache.mpm = \"worker\"\n[[workload.phase]]\nduration = \"1s\"\nrate = 1\n"), "v")
	f.Fuzz(func(t *testing.T, data []byte, variant string) {
		sc, err := Parse("fuzz.toml", data, variant)
		if err != nil {
			if len(Errors(err)) == 0 {
				t.Fatalf("an error that is not a *scenarios.Error: %v", err)
			}
			return
		}
		text, err := Format(sc)
		if err != nil {
			t.Fatalf("Format of an accepted scenario: %v", err)
		}
		again, err := Parse("formatted.toml", text, "")
		if err != nil {
			t.Fatalf("the formatted scenario does not load: %v\n%s", err, text)
		}
		if a, b := values(fmtOrDie(t, again)), values(string(text)); a != b {
			t.Fatalf("format is not a fixed point:\n%s\n---\n%s", b, a)
		}
	})
}

// values drops the comment lines, which name the source.
func values(text string) string {
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func fmtOrDie(t *testing.T, s *Scenario) string {
	b, err := Format(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
