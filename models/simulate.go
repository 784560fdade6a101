package models

import (
	"errors"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

// Simulate runs a resolved scenario and returns its results.
func Simulate(s *scenarios.Scenario) (results.Run, error) {
	return results.Run{}, errors.New("models: not implemented yet")
}
