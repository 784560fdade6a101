package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/forkcast/forkcast/apacheconf"
	"github.com/forkcast/forkcast/results"
)

func init() {
	register(command{
		name:    "import",
		summary: "read an Apache configuration (default /etc/apache2) and write it as a scenario",
		run:     importCmd,
	})
}

// scenarioMarker starts every scenario file import, inspect and
// profile-app write: an existing file that starts with it is forkcast's
// own and may be replaced.
const scenarioMarker = "# forkcast scenario"

func oursScenario(b []byte) bool { return bytes.HasPrefix(b, []byte(scenarioMarker)) }

// readApache reads and maps a configuration; errors in the configuration
// are bad input (exit 2).
func readApache(path string, opt apacheconf.Options) (*apacheconf.Imported, error) {
	c, err := apacheconf.Read(path, opt)
	if err != nil {
		return nil, configError(err)
	}
	im, err := apacheconf.Scenario(c)
	if err != nil {
		return nil, configError(err)
	}
	return im, nil
}

func configError(err error) error {
	var ae *apacheconf.Error
	if errors.As(err, &ae) {
		return usageError{err.Error()}
	}
	return err
}

func importCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", "import [DIR|FILE] [--define NAME]... [--out FILE]\n\n"+
		"Reads Apache's configuration as httpd does (default "+strings.Join(apacheconf.DefaultConfigs, ", then ")+")\n"+
		"and writes a scenario: the MPM and its directives, keep-alive, timeouts and mod_wsgi,\n"+
		"each value with the file:line it came from.", stderr)
	var defines stringList
	fs.Var(&defines, "define", "a `NAME` defined as by httpd -D NAME (repeatable)")
	sysroot := fs.String("sysroot", "", "read absolute paths under `DIR` (a copy of another machine's files)")
	serverRoot := fs.String("server-root", "", "httpd's -d `DIR`: the ServerRoot before any ServerRoot directive")
	out := fs.String("out", "", "write the scenario to `FILE` (default: standard output)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("expected at most one configuration file or directory, got %s", strings.Join(pos, " "))
	}
	path := ""
	if len(pos) == 1 {
		path = pos[0]
	}
	im, err := readApache(path, apacheconf.Options{Sysroot: *sysroot, ServerRoot: *serverRoot, Defines: defines})
	if err != nil {
		return err
	}
	for _, w := range im.Warnings {
		fmt.Fprintf(stderr, "simulate import: warning: %s\n", w)
	}
	return writeScenarioFile(*out, im.TOML, stdout)
}

// writeScenarioFile writes a scenario to path, saying so on stdout, or to
// stdout itself when path is "".
func writeScenarioFile(path string, text []byte, stdout io.Writer) error {
	if path == "" {
		_, err := stdout.Write(text)
		return err
	}
	err := results.PublishFile(path, oursScenario, func(f *os.File) error {
		_, err := f.Write(text)
		return err
	})
	if err == nil {
		fmt.Fprintf(stdout, "wrote %s\n", path)
	}
	return err
}
