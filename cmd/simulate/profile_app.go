package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/forkcast/forkcast/appprofile"
	"github.com/forkcast/forkcast/scenarios"
)

func init() {
	register(command{
		name:    "profile-app",
		summary: "import a WSGI script as mod_wsgi would and measure its import and request costs",
		run:     profileAppCmd,
	})
}

func profileAppCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("profile-app", "profile-app SCRIPT.wsgi [--url PATH]... [--imports N] [--config FILE] [--out FILE]\n\n"+
		"Imports the script in fresh Python processes (the Python mod_wsgi links), with the\n"+
		"environment mod_wsgi provides, and measures the import's CPU, wait and memory; with\n"+
		"--url, calls the application per URL (no server) and measures each request. Writes\n"+
		"the [app] section, over --config's scenario when given. The app's own output goes\n"+
		"to stderr. Exit 1 when the app fails, with its traceback.", stderr)
	var urls stringList
	fs.Var(&urls, "url", "a URL `PATH` to call, e.g. /api/items?page=2 (repeatable)")
	imports := fs.Int("imports", 5, "fresh processes that import the script")
	requests := fs.Int("requests", 5, "requests per URL in each process")
	python := fs.String("python", "", "the Python to use (default: the one mod_wsgi links, from --mod-wsgi)")
	modWSGI := fs.String("mod-wsgi", appprofile.DefaultModWSGI, "the mod_wsgi module `FILE`")
	group := fs.String("process-group", "", "mod_wsgi.process_group the app sees")
	appGroup := fs.String("application-group", "", "mod_wsgi.application_group the app sees")
	callable := fs.String("callable", "application", "WSGICallableObject")
	config := fs.String("config", "", "a scenario `FILE` (e.g. from simulate import) to write the [app] section into")
	out := fs.String("out", "", "write the scenario to `FILE` (default: standard output)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usagef("expected one WSGI script")
	}
	for _, u := range urls {
		if !strings.HasPrefix(u, "/") {
			return usagef("--url %q: a URL path starts with /", u)
		}
	}
	if *imports < 1 || *requests < 1 {
		return usagef("--imports and --requests must be at least 1")
	}
	if _, err := os.Stat(pos[0]); err != nil {
		return usagef("%s: %v", pos[0], err)
	}
	base := ""
	if *config != "" {
		b, err := os.ReadFile(*config)
		if err != nil {
			return usagef("--config: %v", err)
		}
		if _, err := scenarios.Parse(*config, b, ""); err != nil {
			return err
		}
		base = string(b)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	p, err := appprofile.Run(ctx, pos[0], appprofile.Options{Python: *python, ModWSGI: *modWSGI, Imports: *imports, URLs: urls,
		Requests: *requests, ProcessGroup: *group, ApplicationGroup: *appGroup, Callable: *callable, Output: stderr})
	if err != nil {
		return err
	}
	noun := "imports"
	if len(p.Imports) == 1 {
		noun = "import"
	}
	fmt.Fprintf(stderr, "profile-app: %s with %s (mod_wsgi %s): %d %s", p.Script, p.Python, orUnknown(p.ModWSGI.Version), len(p.Imports), noun)
	for _, im := range p.Imports {
		failed := ""
		if im.Error != "" {
			failed = " (failed)"
		}
		fmt.Fprintf(stderr, "; cpu %.3fs wait %.3fs mem %.1f MiB%s", im.CPU, im.Wait(), float64(im.Memory)/(1<<20), failed)
	}
	fmt.Fprintln(stderr)
	app := p.AppTOML()
	var text string
	if base != "" {
		text = replaceTables(base, "app", app)
	} else {
		var b strings.Builder
		fmt.Fprintf(&b, "%s measured by `simulate profile-app %s`.\n", scenarioMarker, p.Script)
		b.WriteString("# Only [app] is measured; the rest is a placeholder (merge with --config FILE from `simulate import`).\n\n")
		b.WriteString(app)
		b.WriteString("\n[workload]  # a placeholder: your traffic\n")
		if len(urls) > 0 {
			var ws []string
			for _, u := range urls {
				path, _, _ := strings.Cut(u, "?")
				ws = append(ws, fmt.Sprintf("%q = 1.0", path))
			}
			fmt.Fprintf(&b, "urls = { %s }\n", strings.Join(ws, ", "))
		}
		b.WriteString("\n[[workload.phase]]\nduration = \"60s\"\nrate = 10.0\n")
		text = b.String()
	}
	if p.Error != "" {
		// Nothing is written: what was measured up to the failure is shown.
		fmt.Fprintf(stderr, "profile-app: the application failed:\n%s\nmeasured up to the failure:\n%s", p.Error, app)
		return exitError{code: 1, err: fmt.Errorf("%s failed; no scenario written", p.Script)}
	}
	if _, err := scenarios.Parse("profile.toml", []byte(text), ""); err != nil {
		return fmt.Errorf("the measured scenario does not load (a bug): %w", err)
	}
	return writeScenarioFile(*out, []byte(text), stdout)
}

func orUnknown(s string) string {
	if s == "" {
		return "version unknown"
	}
	return s
}
