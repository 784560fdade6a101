package main

import (
	"errors"
	"flag"

	"github.com/forkcast/forkcast/scenarios"
)

// isInputError reports whether err is the user's bad input (exit code 2):
// a scenario that does not load or validate, or a bad flag.
func isInputError(err error) bool {
	return errors.Is(err, flag.ErrHelp) || len(scenarios.Errors(err)) > 0
}
