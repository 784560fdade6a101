package scenarios

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

// DefaultBuiltin is the scenario `simulate run` runs when given no file.
const DefaultBuiltin = "prefork-spike"

//go:embed builtin/*.toml
var builtinFS embed.FS

// Builtins returns the names of the built-in scenarios, sorted.
func Builtins() []string {
	entries, err := fs.ReadDir(builtinFS, "builtin")
	if err != nil {
		panic(err)
	}
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".toml"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// BuiltinSource returns the TOML text of a built-in scenario.
func BuiltinSource(name string) ([]byte, bool) {
	data, err := builtinFS.ReadFile("builtin/" + name + ".toml")
	return data, err == nil
}

// LoadBuiltin resolves a built-in scenario as Load resolves a file; its
// Source is "builtin:NAME".
func LoadBuiltin(name, variant string, sets ...Override) (*Scenario, error) {
	data, ok := BuiltinSource(name)
	if !ok || strings.ContainsAny(name, "/.") {
		return nil, &Error{File: "builtin:" + name, Msg: "no such built-in scenario; the built-in scenarios are " + oneOf(Builtins())}
	}
	return parse(source{file: "builtin:" + name, name: name, data: data}, variant, sets)
}
