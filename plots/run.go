package plots

import (
	"fmt"
	"strings"

	"github.com/forkcast/forkcast/results"
)

// Figures renders every figure of one run, in a fixed order.
func Figures(run results.Run) ([]Figure, error) {
	if len(run.Rows) == 0 {
		return nil, fmt.Errorf("plots: %s has no timeseries rows", describe(run.Summary))
	}
	builders := []func(results.Run) *figure{
		processesFigure,
		memoryFigure,
		latencyFigure,
		latencyCDFFigure,
		queuesFigure,
		failuresFigure,
	}
	figs := make([]Figure, 0, len(builders))
	for _, build := range builders {
		f, err := build(run).render()
		if err != nil {
			return nil, err
		}
		figs = append(figs, f)
	}
	return figs, nil
}

// Run writes every figure of one run into dir as NAME.png and NAME.svg
// (processes, memory, latency, latency_cdf, queues, failures), creating dir
// if needed and replacing figures already there.
func Run(dir string, run results.Run) error {
	figs, err := Figures(run)
	if err != nil {
		return err
	}
	return write(dir, figs)
}

// describe names a run in one line: scenario / variant — MPM, mode, source.
func describe(s results.Summary) string {
	name := s.Scenario
	if name == "" {
		name = "unnamed scenario"
	}
	if s.Variant != "" {
		name += " / " + s.Variant
	}
	var about []string
	if s.MPM != "" {
		about = append(about, s.MPM+" MPM")
	}
	if s.Mode != "" {
		about = append(about, s.Mode+" mode")
	}
	if s.Source != "" {
		about = append(about, s.Source)
	}
	if len(about) == 0 {
		return name
	}
	return name + " — " + strings.Join(about, ", ")
}

// title is a figure title: what it shows, then the run on a second line.
func title(what string, s results.Summary) string {
	return what + "\n" + describe(s)
}

const timeLabel = "time since the load started (s)"
