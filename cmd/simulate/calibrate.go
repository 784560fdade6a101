package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/validate"
)

func init() {
	register(command{
		name:    "calibrate",
		summary: "measure this machine's Apache/Python constants and write a host profile",
		run:     calibrateCmd,
	})
}

// profileHeader opens every host profile calibrate writes; calibrate
// replaces only a file that starts with it.
const profileHeader = "forkcast host profile written by `simulate calibrate`"

// newProber returns the Prober calibrate uses: a real prefork Apache with
// mod_wsgi, and the system Python (calibrate_apache.go).
var newProber = func(apache string) (validate.Prober, error) { return newApacheProber(apache) }

func calibrateCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("calibrate", "calibrate [--out FILE] [--apache PATH]", stderr)
	out := fs.String("out", "calibrated.toml", "the host profile `FILE` to write (scenarios name it with host.profile)")
	apache := fs.String("apache", "", "the apache2 binary (default $FORKCAST_APACHE2, else /usr/sbin/apache2)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("calibrate takes no arguments, got %v", pos)
	}
	if b, err := os.ReadFile(*out); err == nil && !strings.HasPrefix(string(b), "# "+profileHeader) {
		return &results.OutputError{Path: *out, Msg: "exists and is not a forkcast host profile: choose another --out, or move it away first"}
	}
	p, err := newProber(*apache)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintln(stderr, "simulate calibrate: probing (first touches of up to 1.5 GiB of fresh memory, twenty short prefork Apaches without requests, three event ones with requests, three CPU burns, twelve runtime runs and ten of lone requests, the scheduler under 0 to 8× the cores of CPU-bound load, CPU-bound processes moving between the cores, a prefork parent's bursts of forks; about seven minutes)")
	prof, err := validate.Calibrate(ctx, p)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	header := []string{
		profileHeader,
		fmt.Sprintf("machine %s, %d CPUs, %.0f MB RAM, %s/%s, %s", host, runtime.NumCPU(), machineRAMMB(), runtime.GOOS, runtime.GOARCH, time.Now().UTC().Format(time.RFC3339)),
		"Use it from a scenario with: [host] profile = \"" + filepath.Base(*out) + "\" (relative to the scenario file).",
		"Measured with dedicated probes, never with validation runs.",
	}
	// Replace only a host profile: any other file at --out is the user's.
	ours := func(b []byte) bool { return strings.HasPrefix(string(b), "# "+header[0]) }
	if err := results.PublishFile(*out, ours, func(f *os.File) error { return validate.WriteProfile(f, prof, header) }); err != nil {
		return err
	}
	for _, n := range prof.Notes {
		if strings.HasPrefix(n, "WARNING") {
			fmt.Fprintln(stderr, "simulate calibrate: "+n)
		}
	}
	validate.WriteProfile(stdout, prof, nil)
	fmt.Fprintf(stdout, "\nwrote %s\n", *out)
	return nil
}
