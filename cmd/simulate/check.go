package main

import (
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/forkcast/forkcast/scenarios"
)

func init() {
	register(command{name: "check", summary: "validate a scenario and print it resolved, with defaults", run: checkCmd})
	register(command{name: "scenarios", summary: "list the built-in scenarios", run: scenariosCmd})
}

func checkCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", "check [FILE|BUILTIN] [--variant NAME] [--set KEY=VALUE]...", stderr)
	var sf scenarioFlags
	sf.register(fs)
	arg, err := scenarioArg(fs, args)
	if err != nil {
		return err
	}
	sc, err := sf.open(arg)
	if err != nil {
		return err
	}
	// Check every variant too, so a broken one is found before it is run.
	if sf.variant == "" {
		var errs []error
		for _, v := range sc.Variants {
			vf := sf
			vf.variant = v
			if _, err := vf.open(arg); err != nil {
				errs = append(errs, err)
			}
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	text, err := scenarios.Format(sc)
	if err != nil {
		return err
	}
	_, err = stdout.Write(text)
	return err
}

func scenariosCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("scenarios", "scenarios", stderr)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("scenarios takes no arguments")
	}
	for _, name := range scenarios.Builtins() {
		sc, err := scenarios.LoadBuiltin(name, "")
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-26s %s\n", name, sc.Description)
		if len(sc.Variants) > 0 {
			fmt.Fprintf(stdout, "%-26s variants: %v\n", "", sc.Variants)
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
