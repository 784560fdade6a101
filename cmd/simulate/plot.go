package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/forkcast/forkcast/plots"
	"github.com/forkcast/forkcast/results"
)

func init() {
	register(command{
		name:    "plot",
		summary: "redraw figures from result directories; overlay several",
		run:     runPlot,
	})
}

func runPlot(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("plot", "plot DIR... [--out DIR]\n\n"+
		"Redraws every figure (PNG and SVG) of each result directory, from the simulator or\n"+
		"runtime mode, into that directory; with several, also overlays them into --out.", stderr)
	out := fs.String("out", "out/plot-compare", "directory for the comparison figures when given several DIRs")
	dirs, runs, err := resultDirArgs(fs, args, plots.Load)
	if err != nil {
		return err
	}
	if len(runs) > 1 {
		if err := outsideInputs(*out, dirs); err != nil {
			return err
		}
		if err := results.CheckOutput(*out, true); err != nil {
			return err
		}
	}
	collectAtDefault()
	for i, run := range runs {
		// Figures join the directory's own files, never replacing a file
		// forkcast did not write.
		err := results.Amend(dirs[i], func(tmp string) error { return plots.Run(tmp, run) })
		if err != nil {
			return fmt.Errorf("%s: %w", dirs[i], err)
		}
		fmt.Fprintf(stdout, "figures: %s\n", dirs[i])
	}
	if len(runs) > 1 {
		if err := results.Publish(*out, "plot", true, func(tmp string) error { return plots.Compare(tmp, runs, dirs) }); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "comparison figures: %s\n", *out)
	}
	return nil
}

// outsideInputs refuses an output directory that is, or holds, one of the
// input directories: replacing it would delete what is being read.
func outsideInputs(out string, inputs []string) error {
	ao, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	for _, in := range inputs {
		ai, err := filepath.Abs(in)
		if err != nil {
			return err
		}
		if rel, err := filepath.Rel(ao, ai); err == nil && !strings.HasPrefix(rel, "..") {
			return &results.OutputError{Path: out, Msg: fmt.Sprintf("holds the input %s; replacing it would delete what is being read: choose another output directory", in)}
		}
	}
	return nil
}

// resultDirArgs parses a command's flags and its result directories (at
// least one) and reads them with read (results.ReadDir, or plots.Load to
// draw them).
func resultDirArgs(fs *flag.FlagSet, args []string, read func(string) (results.Run, error)) ([]string, []results.Run, error) {
	dirs, err := parseInterleaved(fs, args)
	if err != nil {
		return nil, nil, err
	}
	if len(dirs) == 0 {
		fs.Usage()
		return nil, nil, usagef("give at least one result directory")
	}
	runs, err := readDirs(dirs, read)
	return dirs, runs, err
}

// readResultDirs reads result directories whole, reporting a missing
// directory, one that is not a result directory, or a bad file in one as
// bad input.
func readResultDirs(dirs []string) ([]results.Run, error) { return readDirs(dirs, results.ReadDir) }

func readDirs(dirs []string, read func(string) (results.Run, error)) ([]results.Run, error) {
	runs := make([]results.Run, 0, len(dirs))
	for _, dir := range dirs {
		info, err := os.Stat(dir)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil, usagef("%s: no such directory", dir)
		case err != nil:
			return nil, usagef("%s: %v", dir, err)
		case !info.IsDir():
			return nil, usagef("%s is not a directory", dir)
		}
		if _, err := os.Stat(filepath.Join(dir, "summary.json")); err != nil {
			if inner, err := resultDirsIn(dir); err == nil {
				// A compare or validate output: its runs are inside.
				named := strings.Join(inner[:min(len(inner), 4)], " ")
				if len(inner) > 4 {
					named += fmt.Sprintf(" … (%d more)", len(inner)-4)
				}
				return nil, usagef("%s is not a forkcast result directory (no summary.json) but holds %d; name them: %s", dir, len(inner), named)
			}
			return nil, usagef("%s is not a forkcast result directory (no summary.json)", dir)
		}
		run, err := read(dir)
		var fe *results.FileError
		if errors.As(err, &fe) {
			return nil, usagef("%v", err) // names the file and line
		}
		if err != nil {
			return nil, usagef("%s is not a readable result directory: %v", dir, err)
		}
		runs = append(runs, run)
	}
	return runs, nil
}
