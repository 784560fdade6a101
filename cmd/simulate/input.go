package main

import (
	"errors"
	"flag"
)

// isInputError reports whether err is the user's bad input (exit code 2).
func isInputError(err error) bool {
	return errors.Is(err, flag.ErrHelp)
}
