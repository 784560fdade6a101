package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/forkcast/forkcast/apacheconf"
	"github.com/forkcast/forkcast/inspect"
	"github.com/forkcast/forkcast/scenarios"
)

func init() {
	register(command{
		name:    "inspect",
		summary: "look at the running Apache (read-only): processes, memory, scoreboard, host; write [host] and memory figures",
		run:     inspectCmd,
	})
}

func inspectCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("inspect", "inspect [--config SCENARIO] [--apache-config DIR|FILE] [--pid N] [--out FILE]\n\n"+
		"Finds the running Apache, reads every process's smaps_rollup, mod_status's scoreboard on\n"+
		"localhost, the host's cores, RAM, swap and cgroup limit, and the Apache and mod_wsgi\n"+
		"versions; prints a report and writes a scenario with [host], app.import_memory and\n"+
		"wsgi.version (over --config's scenario, else over what `simulate import` reads).\n"+
		"It never signals or reconfigures the server.", stderr)
	config := fs.String("config", "", "a scenario `FILE` (e.g. from simulate import) to merge the measurements into")
	apacheConfig := fs.String("apache-config", "", "Apache's configuration `DIR|FILE` (default: "+strings.Join(apacheconf.DefaultConfigs, " or ")+")")
	var defines stringList
	fs.Var(&defines, "define", "a `NAME` defined as by httpd -D NAME (repeatable)")
	pid := fs.Int("pid", 0, "the Apache parent's `PID` (default: the PidFile, else the process tree)")
	statusURL := fs.String("status-url", "", "mod_status's `URL` (default http://127.0.0.1:PORT/server-status?auto from the first Listen)")
	out := fs.String("out", "", "write the scenario to `FILE` (default: standard output)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("inspect takes no arguments, got %s", strings.Join(pos, " "))
	}

	// What the configuration says: PidFile, Listen, and the scenario.
	var base []byte
	opt := inspect.Options{Pid: *pid, StatusURL: *statusURL}
	if c, err := apacheconf.Read(*apacheConfig, apacheconf.Options{Defines: defines}); err == nil {
		opt.PidFile = pidFile(c)
		if opt.StatusURL == "" {
			if port := listenPort(c); port != "" {
				opt.StatusURL = "http://127.0.0.1:" + port + "/server-status?auto"
			}
		}
		if im, err := apacheconf.Scenario(c); err == nil {
			base = im.TOML
		} else {
			fmt.Fprintf(stderr, "simulate inspect: warning: the configuration does not import: %v\n", err)
		}
	} else if *apacheConfig != "" {
		return configError(err)
	}
	if *config != "" {
		b, err := os.ReadFile(*config)
		if err != nil {
			return usagef("--config: %v", err)
		}
		base = b
	}
	var sc *scenarios.Scenario
	if base != nil {
		if sc, err = scenarios.Parse(orDefault(*config, "imported.toml"), base, ""); err != nil {
			return err
		}
	}

	r, err := inspect.Inspect(opt)
	if err != nil {
		return exitError{code: 1, err: err}
	}
	if sc != nil && len(sc.WSGI.DaemonProcesses) > 0 {
		found := false
		for _, p := range r.Procs {
			found = found || p.Kind == "daemon"
		}
		if !found {
			r.Notes = append(r.Notes, "the configuration defines mod_wsgi daemon groups but none was recognised: inspect knows a daemon by its display-name (WSGIDaemonProcess ... display-name=%{GROUP}); without it the daemons are counted as children")
		}
	}
	printInspection(stdout, r, sc)

	text := inspectionScenario(string(base), r, sc)
	if _, err := scenarios.Parse("inspected.toml", []byte(text), ""); err != nil {
		return fmt.Errorf("the measured scenario does not load (a bug): %w\n%s", err, text)
	}
	if *out == "" {
		fmt.Fprintln(stdout)
	}
	return writeScenarioFile(*out, []byte(text), stdout)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// pidFile is the PidFile httpd writes: the directive, relative to
// ServerRoot, or httpd's DEFAULT_PIDLOG, logs/httpd.pid.
func pidFile(c *apacheconf.Config) string {
	p := "logs/httpd.pid"
	for _, d := range c.Directives {
		if d.Is("PidFile") && len(d.Args) == 1 {
			p = d.Args[0]
		}
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(c.ServerRoot, p)
	}
	return p
}

// listenPort is the port of the first Listen directive.
func listenPort(c *apacheconf.Config) string {
	for _, d := range c.Directives {
		if d.Is("Listen") && len(d.Args) >= 1 {
			a := d.Args[0]
			if i := strings.LastIndexByte(a, ':'); i >= 0 {
				a = a[i+1:]
			}
			if _, err := strconv.Atoi(a); err == nil {
				return a
			}
		}
	}
	return ""
}

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

// printInspection prints the report: processes by kind, PSS per kind, and
// what the configuration allows at worst.
func printInspection(w io.Writer, r *inspect.Report, sc *scenarios.Scenario) {
	fmt.Fprintf(w, "Apache %d (found by %s): %s\n", r.Parent, r.Found, orDefault(r.Apache, r.Binary))
	if r.ModWSGI.Path != "" {
		fmt.Fprintf(w, "mod_wsgi %s (%s, %s)\n", orDefault(r.ModWSGI.Version, "version unknown"), r.ModWSGI.Path, orDefault(r.ModWSGI.Libpython, "no libpython"))
	}
	fmt.Fprintf(w, "host: %d CPUs, RAM %s, swap %s, available %s", r.CPUs, mb(r.RAM), mb(r.Swap), mb(r.Available))
	if r.CgroupLimit > 0 {
		fmt.Fprintf(w, "; cgroup limit %s (%s)", mb(r.CgroupLimit), r.Cgroup)
	}
	fmt.Fprintln(w)
	var total int64
	var childMax int64
	for _, k := range r.ByKind() {
		fmt.Fprintf(w, "  %-16s %3d  PSS %10s  (%s each on average; largest RSS %s, private up to %s)\n",
			k.Name, k.N, mb(k.PSS), mb(k.MeanPSS), mb(k.MaxRSS), mb(k.MaxPrivate))
		total += k.PSS
	}
	var daemons, parent int64
	for _, p := range r.Procs {
		switch p.Kind {
		case "child":
			childMax = max(childMax, p.PSS)
		case "daemon":
			daemons += p.PSS
		case "parent":
			parent = p.PSS
		}
	}
	fmt.Fprintf(w, "  total PSS %s\n", mb(total))
	if r.Scoreboard != "" {
		fmt.Fprintf(w, "scoreboard (%s): %d slots, %d idle (_), %d busy (%s)\n", r.StatusURL, len(r.Scoreboard),
			strings.Count(r.Scoreboard, "_"), len(r.Scoreboard)-strings.Count(r.Scoreboard, "_")-strings.Count(r.Scoreboard, "."), r.Scoreboard)
	}
	if sc != nil && childMax > 0 {
		e, _ := sc.Apache.Effective()
		procs := e.MaxProcesses()
		worst := int64(procs)*childMax + daemons + parent
		fmt.Fprintf(w, "at worst: %s with MaxRequestWorkers %d = %d children × %s (the largest child's PSS) + daemons %s + parent %s = %s, %.0f%% of %s\n",
			e.MPM, e.MaxRequestWorkers, procs, mb(childMax), mb(daemons), mb(parent), mb(worst), 100*float64(worst)/float64(r.Memory()), mb(r.Memory()))
	}
	remaining, largest, workers := r.Apache2buddy()
	fmt.Fprintf(w, "apache2buddy's formula: remaining RAM %s ÷ largest process RSS %s = MaxRequestWorkers %d (counts shared pages once per process)\n",
		mb(remaining), mb(largest), workers)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

// inspectionScenario writes the measurements over base: [host] replaced,
// wsgi.version set, app.import_memory when base has no [app].
func inspectionScenario(base string, r *inspect.Report, sc *scenarios.Scenario) string {
	if base == "" {
		base = scenarioMarker + " written by `simulate inspect`; only [host] and the memory figures are measured.\n\n[[workload.phase]]  # a placeholder\nduration = \"60s\"\nrate = 10.0\n"
	}
	if !strings.HasPrefix(base, scenarioMarker) {
		base = scenarioMarker + " with `simulate inspect`'s measurements.\n" + base
	}
	def := scenarios.DefaultHost()
	var host strings.Builder
	fmt.Fprintf(&host, "[host]  # measured by `simulate inspect` on Apache %d\n", r.Parent)
	fmt.Fprintf(&host, "cpus = %d\n", r.CPUs)
	ram := r.Memory()
	comment := "MemTotal"
	if ram != r.RAM {
		comment = "the cgroup's memory limit, " + r.Cgroup + " (MemTotal " + mb(r.RAM) + ")"
	}
	fmt.Fprintf(&host, "ram = %q  # %s\n", scenarios.Size(ram/1024*1024).String(), comment)
	fmt.Fprintf(&host, "swap = %q  # SwapTotal\n", scenarios.Size(r.Swap/1024*1024).String())
	for _, p := range r.Procs {
		if p.Kind == "parent" && p.Private > 0 {
			fmt.Fprintf(&host, "apache_parent_private = %q  # the parent's Private_Clean + Private_Dirty\n", scenarios.Size(p.Private/1024*1024).String())
		}
	}
	text := replaceTables(base, "host", host.String())

	if v := r.ModWSGI.Version; v != "" {
		parts := strings.Split(v, ".")
		minor := parts[0] + "." + parts[1]
		if contains(scenarios.WSGIVersions, minor) {
			text = setKey(text, "wsgi", "version", fmt.Sprintf("version = %q  # %s: mod_wsgi %s", minor, r.ModWSGI.Path, v))
		}
	}
	if !hasTable(text, "app") {
		// The app's memory: the largest process that runs it, less what a
		// process has without the app (the host's figures).
		var largest int64
		kind := "child"
		for _, p := range r.Procs {
			if p.Kind == "daemon" {
				kind = "daemon"
			}
		}
		for _, p := range r.Procs {
			if p.Kind == kind {
				largest = max(largest, p.Private)
			}
		}
		base := int64(def.ApacheChildPrivate + def.PythonInterpreter)
		if sc != nil {
			base = int64(sc.Host.ApacheChildPrivate + sc.Host.PythonInterpreter)
		}
		if app := largest - base; app > 0 {
			text += fmt.Sprintf("\n[app]\nimport_memory = %q  # the largest %s's private memory %s less a bare child with Python %s (an estimate: `simulate profile-app` measures it)\n",
				scenarios.Size(app/1024*1024).String(), kind, mb(largest), mb(base))
		}
	}
	return text
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// hasTable reports whether a TOML text has a [table] header.
func hasTable(text, table string) bool {
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if t == "["+table+"]" || strings.HasPrefix(t, "["+table+"]") || strings.HasPrefix(t, "["+table+".") {
			return true
		}
	}
	return false
}

// setKey sets key in [table]: it replaces the key's line there, or adds it
// after the header, or appends the table.
func setKey(text, table, key, line string) string {
	lines := strings.Split(text, "\n")
	in := false
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			name := strings.Trim(strings.SplitN(t, "]", 2)[0], "[ ")
			if in { // the table ended without the key
				return strings.Join(append(lines[:i:i], append([]string{line}, lines[i:]...)...), "\n")
			}
			in = name == table && !strings.HasPrefix(t, "[[")
			continue
		}
		if in {
			if k, _, ok := strings.Cut(t, "="); ok && strings.TrimSpace(k) == key {
				lines[i] = line
				return strings.Join(lines, "\n")
			}
		}
	}
	if in {
		return strings.TrimRight(text, "\n") + "\n" + line + "\n"
	}
	return strings.TrimRight(text, "\n") + "\n\n[" + table + "]\n" + line + "\n"
}
