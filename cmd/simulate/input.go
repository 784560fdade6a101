package main

import (
	"github.com/forkcast/forkcast/scenarios"
)

// isInputError reports whether err is the user's bad input (exit code 2):
// a scenario that does not load or validate.
func isInputError(err error) bool {
	return len(scenarios.Errors(err)) > 0
}
