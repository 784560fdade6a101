package apacheconf

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/forkcast/forkcast/scenarios"
)

// Imported is a scenario read from an Apache configuration.
type Imported struct {
	// TOML is the scenario file: each value with a comment naming the file
	// and line it came from, what cannot be represented, and the
	// directives forkcast does not model, in comments.
	TOML []byte
	// Warnings are what matters to process management and is not in the
	// scenario (for stderr), and what httpd itself would log.
	Warnings []string
	// MPM is the MPM loaded.
	MPM string
	// Scripts are the WSGI scripts mounted, by URL prefix.
	Scripts map[string]string
}

// entry is one key of the scenario with where it came from.
type entry struct {
	key, val, comment string
}

// table is one TOML table of the output.
type table struct {
	name     string
	head     []string // comment lines before the header
	entries  []entry
	disabled bool // written commented out
}

type importer struct {
	c        *Config
	tables   []*table
	notes    []string // comments: what the scenario cannot represent
	warns    []string
	used     map[*Directive]bool
	mpm      string
	scripts  map[string]string
	errs     []error
	vhosts   []*Directive
	keyPos   map[string]Pos
	adjusted map[string]bool
	urls     []string // the URL prefixes mounted, in order
}

// workload writes a placeholder for the traffic, which is not in the
// configuration, sent to the mounted URLs.
func (im *importer) workload() {
	w := im.table("workload")
	w.head = append(w.head, "Not from the configuration: your traffic. Edit it, or override with --set.")
	var urls []string
	for _, p := range im.urls {
		urls = append(urls, fmt.Sprintf("%s = 1.0", strconv.Quote(p)))
	}
	if len(urls) == 0 {
		urls = []string{`"/" = 1.0`}
	}
	w.entries = append(w.entries, entry{"urls", "{ " + strings.Join(urls, ", ") + " }", "the mounted URL prefixes, equally weighted"})
}

func (im *importer) table(name string) *table {
	for _, t := range im.tables {
		if t.name == name {
			return t
		}
	}
	t := &table{name: name}
	im.tables = append(im.tables, t)
	return t
}

func (im *importer) set(tbl, key, val, comment string) {
	t := im.table(tbl)
	full := key
	if tbl != "" {
		full = tbl + "." + key
	}
	for i, e := range t.entries {
		if e.key == key {
			t.entries[i] = entry{key, val, comment}
			return
		}
	}
	t.entries = append(t.entries, entry{key, val, comment})
	_ = full
}

func (im *importer) errorf(pos Pos, format string, a ...any) {
	im.errs = append(im.errs, &Error{Pos: pos, Msg: fmt.Sprintf(format, a...)})
}

// top returns the top-level directives (the main server) named name.
func (im *importer) top(name string) []*Directive {
	var out []*Directive
	for _, d := range im.c.Directives {
		if d.Is(name) {
			out = append(out, d)
		}
	}
	return out
}

// last returns the last main-server directive of any of the names: later
// ones override earlier ones, as for every TAKE1 server directive.
func (im *importer) last(names ...string) *Directive {
	var found *Directive
	for _, d := range im.c.Directives {
		for _, n := range names {
			if d.Is(n) {
				found = d
			}
		}
	}
	return found
}

// Scenario maps a configuration to a forkcast scenario.
func Scenario(c *Config) (*Imported, error) {
	im := &importer{c: c, used: map[*Directive]bool{}, scripts: map[string]string{}, keyPos: map[string]Pos{}, adjusted: map[string]bool{}}
	im.warns = append(im.warns, c.Warnings...)
	im.checkCommands()
	if len(im.errs) > 0 {
		return nil, im.errs[0]
	}
	for _, d := range c.Directives {
		if d.Section && d.Is("VirtualHost") {
			im.vhosts = append(im.vhosts, d)
		}
	}
	if err := im.apache(); err != nil {
		return nil, err
	}
	im.wsgi()
	im.workload()
	if len(im.errs) > 0 {
		return nil, im.errs[0]
	}
	out := im.render()
	// The scenario must load: a value the scenarios package refuses is
	// reported at the directive it came from.
	if _, err := scenarios.Parse("imported.toml", out, ""); err != nil {
		for _, e := range scenarios.Errors(err) {
			if p, ok := im.keyPos[e.Key]; ok {
				return nil, &Error{Pos: p, Msg: fmt.Sprintf("%s = %s: %s", e.Key, e.Value, e.Msg)}
			}
		}
		return nil, fmt.Errorf("the imported scenario does not load: %w", err)
	}
	return &Imported{TOML: out, Warnings: im.warns, MPM: im.mpm, Scripts: im.scripts}, nil
}

// checkCommands reports what httpd refuses while it walks the tree: a
// directive of a module that is not loaded ("Invalid command"), an MPM
// directive of another MPM, and a server-wide directive inside a section.
func (im *importer) checkCommands() {
	var mpms []Module
	for _, m := range im.c.Modules {
		if strings.HasPrefix(m.Name, "mpm_") {
			mpms = append(mpms, m)
		}
	}
	switch len(mpms) {
	case 0:
		im.errorf(Pos{File: im.c.File}, "AH00534: Configuration error: No MPM loaded.")
		return
	case 1:
		im.mpm = strings.TrimSuffix(strings.TrimPrefix(mpms[0].Name, "mpm_"), "_module")
	default:
		im.errorf(mpms[1].Pos, "AH00534: Configuration error: More than one MPM loaded (%s at %s, %s here).", mpms[0].Name, mpms[0].Pos, mpms[1].Name)
		return
	}
	if im.mpm != "prefork" && im.mpm != "worker" && im.mpm != "event" {
		im.errorf(mpms[0].Pos, "MPM %s: forkcast models prefork, worker and event", mpms[0].Name)
		return
	}
	invalid := func(d *Directive) {
		im.errorf(d.Pos, "Invalid command '%s', perhaps misspelled or defined by a module not included in the server configuration", d.Name)
	}
	im.c.Walk(func(d *Directive) {
		if d.Section {
			return
		}
		n := strings.ToLower(d.Name)
		if mod, ok := moduleOf(n); ok && !im.c.Loaded(mod) {
			invalid(d)
			return
		}
		if mpms, ok := mpmOnly[n]; ok && !contains(mpms, im.mpm) {
			invalid(d)
			return
		}
		if globalOnly[n] && d.Parent != nil {
			im.errorf(d.Pos, "%s cannot occur within <%s> section", d.Name, d.Parent.Name)
		}
	})
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// atoi is C's atoi, which httpd uses for most numeric directives: leading
// space, a sign, digits up to the first other character; 0 when none.
func atoi(s string) (int, bool) {
	s = strings.TrimLeft(s, " \t\n\r\f\v")
	i, neg := 0, false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	n, digits := 0, 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if n < math.MaxInt32/10 {
			n = n*10 + int(s[i]-'0')
		}
		digits++
	}
	if neg {
		n = -n
	}
	return n, digits > 0 && i == len(s)
}

// timeoutParam is ap_timeout_parameter_parse: a number of the default unit
// (seconds) or with ms, s, mi or h.
func timeoutParam(s string) (float64, bool) {
	j := 0
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == 0 {
		return 0, false
	}
	n, _ := strconv.Atoi(s[:j])
	switch strings.ToLower(s[j:]) {
	case "", "s":
		return float64(n), true
	case "ms":
		return float64(n) / 1000, true
	case "mi":
		return float64(n) * 60, true
	case "h":
		return float64(n) * 3600, true
	}
	return 0, false
}

func duration(secs float64) string {
	if secs == math.Trunc(secs) {
		return strconv.Quote(fmt.Sprintf("%ds", int64(secs)))
	}
	return strconv.Quote(fmt.Sprintf("%dms", int64(math.Round(secs*1000))))
}

// compiledDefaults are httpd's compiled-in values where a configuration says nothing
// (httpd.h, mpm_default.h and each MPM's DEFAULT_* macros; docs/model.md §1.3).
func compiledDefaults(mpm string) map[string]string {
	common := map[string]string{
		"max_connections_per_child": "0",
		"listen_backlog":            "511",
		"keep_alive":                "true",
		"keep_alive_timeout":        `"5s"`,
		"max_keep_alive_requests":   "100",
		"timeout":                   `"60s"`,
		"graceful_shutdown_timeout": `"0s"`,
	}
	if mpm == "prefork" {
		for k, v := range map[string]string{"start_servers": "5", "min_spare_servers": "5", "max_spare_servers": "10",
			"server_limit": "256", "max_request_workers": "256"} {
			common[k] = v
		}
		return common
	}
	for k, v := range map[string]string{"start_servers": "3", "min_spare_threads": "75", "max_spare_threads": "250",
		"threads_per_child": "25", "thread_limit": "64", "server_limit": "16", "max_request_workers": "400"} {
		common[k] = v
	}
	if mpm == "event" {
		common["async_request_worker_factor"] = "2"
	}
	return common
}

// apacheKey is a scenario key and the directives that set it.
type apacheKey struct {
	key   string
	names []string // the directive, then its old name
	kind  string   // int, float, bool, timeout, seconds
}

func (im *importer) apache() error {
	keys := []apacheKey{
		{"start_servers", []string{"StartServers"}, "int"},
	}
	if im.mpm == "prefork" {
		keys = append(keys,
			apacheKey{"min_spare_servers", []string{"MinSpareServers"}, "int"},
			apacheKey{"max_spare_servers", []string{"MaxSpareServers"}, "int"},
			apacheKey{"server_limit", []string{"ServerLimit"}, "int"})
	} else {
		keys = append(keys,
			apacheKey{"min_spare_threads", []string{"MinSpareThreads"}, "int"},
			apacheKey{"max_spare_threads", []string{"MaxSpareThreads"}, "int"},
			apacheKey{"threads_per_child", []string{"ThreadsPerChild"}, "int"},
			apacheKey{"thread_limit", []string{"ThreadLimit"}, "int"},
			apacheKey{"server_limit", []string{"ServerLimit"}, "int"})
	}
	keys = append(keys,
		apacheKey{"max_request_workers", []string{"MaxRequestWorkers", "MaxClients"}, "int"},
		apacheKey{"max_connections_per_child", []string{"MaxConnectionsPerChild", "MaxRequestsPerChild"}, "int"})
	if im.mpm == "event" {
		keys = append(keys, apacheKey{"async_request_worker_factor", []string{"AsyncRequestWorkerFactor"}, "float"})
	}
	keys = append(keys,
		apacheKey{"listen_backlog", []string{"ListenBacklog"}, "int"},
		apacheKey{"keep_alive", []string{"KeepAlive"}, "bool"},
		apacheKey{"keep_alive_timeout", []string{"KeepAliveTimeout"}, "timeout"},
		apacheKey{"max_keep_alive_requests", []string{"MaxKeepAliveRequests"}, "int"},
		apacheKey{"timeout", []string{"Timeout"}, "timeout"},
		apacheKey{"graceful_shutdown_timeout", []string{"GracefulShutdownTimeout"}, "seconds"})

	mods := im.c.Modules
	var mpmMod Module
	for _, m := range mods {
		if strings.HasPrefix(m.Name, "mpm_") {
			mpmMod = m
		}
	}
	im.set("apache", "mpm", strconv.Quote(im.mpm), fmt.Sprintf("%s: LoadModule %s", mpmMod.Pos, mpmMod.Name))
	im.keyPos["apache.mpm"] = mpmMod.Pos
	defs := compiledDefaults(im.mpm)
	ints := map[string]int{}
	for _, k := range keys {
		d := im.last(k.names...)
		for _, n := range k.names {
			for _, x := range im.top(n) {
				im.used[x] = true
			}
		}
		if d == nil {
			im.set("apache", k.key, defs[k.key], "not set: httpd's compiled-in default")
			if n, ok := atoi(defs[k.key]); ok {
				ints[k.key] = n
			}
			continue
		}
		im.keyPos["apache."+k.key] = d.Pos
		comment := d.Pos.String()
		if n, _ := atoi(d.Arg(0)); (k.key == "server_limit" || k.key == "thread_limit") && strconv.Itoa(n) != defs[k.key] {
			// mpm_*_check_config: AH00172/AH00287-style warnings on restart.
			im.warns = append(im.warns, fmt.Sprintf("%s: %s is read only when httpd starts: a graceful or plain restart keeps the old value (httpd warns that changing it requires a full stop and start)", d.Pos, d.Name))
		}
		if !d.Is(k.names[0]) {
			comment += fmt.Sprintf(": %s, the old name of %s", d.Name, k.names[0])
			im.warns = append(im.warns, fmt.Sprintf("%s: %s is deprecated, use %s instead (httpd logs this at startup)", d.Pos, d.Name, k.names[0]))
		}
		if len(d.Args) != 1 {
			return &Error{Pos: d.Pos, Msg: fmt.Sprintf("%s takes one argument", d.Name)}
		}
		arg := d.Args[0]
		switch k.kind {
		case "int", "seconds":
			n, clean := atoi(arg)
			if !clean {
				comment += fmt.Sprintf("; httpd reads %q as %d (atoi)", arg, n)
			}
			ints[k.key] = n
			v := strconv.Itoa(n)
			if k.kind == "seconds" {
				v = duration(float64(n))
			}
			im.set("apache", k.key, v, comment)
		case "float":
			f, err := strconv.ParseFloat(arg, 64)
			if err != nil || f <= 0 {
				return &Error{Pos: d.Pos, Msg: "AsyncRequestWorkerFactor argument must be a positive number"}
			}
			im.set("apache", k.key, strconv.FormatFloat(f, 'f', -1, 64), comment)
		case "bool":
			// set_keep_alive: "off" or "0" is off, anything else on.
			on := !strings.EqualFold(arg, "off") && arg != "0"
			im.set("apache", k.key, strconv.FormatBool(on), comment)
		case "timeout":
			secs, ok := timeoutParam(arg)
			if !ok {
				return &Error{Pos: d.Pos, Msg: fmt.Sprintf("%s argument is not parsable", d.Name)}
			}
			im.set("apache", k.key, duration(secs), comment)
		}
	}
	im.clamps(ints)
	im.acceptFilter()
	im.reqtimeout()
	im.perVhost()
	return nil
}

// clamps writes httpd's adjusted value where httpd silently changes one the
// scenarios package would refuse (it accepts what httpd merely warns about:
// Effective reproduces those warnings).
func (im *importer) clamps(v map[string]int) {
	adjust := func(key string, to int, why string) {
		t := im.table("apache")
		for i, e := range t.entries {
			if e.key == key {
				t.entries[i].val = strconv.Itoa(to)
				t.entries[i].comment += "; " + why
			}
		}
		im.warns = append(im.warns, fmt.Sprintf("%s: %s", im.keyPos["apache."+key], why))
	}
	for _, k := range []string{"start_servers", "min_spare_servers", "min_spare_threads", "max_request_workers"} {
		if n, ok := v[k]; ok && n < 0 {
			name := map[string]string{"start_servers": "StartServers", "min_spare_servers": "MinSpareServers",
				"min_spare_threads": "MinSpareThreads", "max_request_workers": "MaxRequestWorkers"}[k]
			adjust(k, 1, fmt.Sprintf("%s of %d not allowed, increasing to 1 (httpd)", name, n))
			v[k] = 1
		}
	}
	if im.mpm == "prefork" {
		if v["max_spare_servers"] < v["min_spare_servers"] {
			adjust("max_spare_servers", v["min_spare_servers"]+1, fmt.Sprintf("MaxSpareServers %d is below MinSpareServers %d: prefork_run silently raises it to %d", v["max_spare_servers"], v["min_spare_servers"], v["min_spare_servers"]+1))
		}
		return
	}
	if v["thread_limit"] >= 1 && v["threads_per_child"] > v["thread_limit"] {
		adjust("threads_per_child", v["thread_limit"], fmt.Sprintf("ThreadsPerChild of %d exceeds ThreadLimit of %d threads, decreasing to %d (httpd)", v["threads_per_child"], v["thread_limit"], v["thread_limit"]))
		v["threads_per_child"] = v["thread_limit"]
	}
	if v["max_spare_threads"] < v["min_spare_threads"] {
		to := v["min_spare_threads"] + max(v["threads_per_child"], 1) + 1
		adjust("max_spare_threads", to, fmt.Sprintf("MaxSpareThreads %d is below MinSpareThreads %d: %s_run silently raises it to %d", v["max_spare_threads"], v["min_spare_threads"], im.mpm, to))
	}
}

// acceptFilter reads AcceptFilter http; on Linux httpd's default for http
// is data (TCP_DEFER_ACCEPT), and any filter but "none" sets it
// (listen.c ap_apply_accept_filter).
func (im *importer) acceptFilter() {
	val, comment := "data", "not set: httpd's default for http on Linux (TCP_DEFER_ACCEPT)"
	for _, d := range im.top("AcceptFilter") {
		im.used[d] = true
		if len(d.Args) != 2 || !strings.EqualFold(d.Args[0], "http") {
			continue
		}
		comment = d.Pos.String()
		val = "data"
		if d.Args[1] == "none" {
			val = "none"
		} else if d.Args[1] != "data" {
			comment += fmt.Sprintf("; %q sets TCP_DEFER_ACCEPT on Linux, as data does", d.Args[1])
		}
		im.keyPos["apache.accept_filter"] = d.Pos
	}
	im.set("apache", "accept_filter", strconv.Quote(val), comment)
}

// reqtimeout reads mod_reqtimeout's RequestReadTimeout lines (each sets
// the stages it names; they are joined as written).
func (im *importer) reqtimeout() {
	if !im.c.Loaded("reqtimeout_module") {
		im.set("apache", "request_read_timeout", `""`, "mod_reqtimeout is not loaded")
		return
	}
	var parts []string
	var where []string
	for _, d := range im.top("RequestReadTimeout") {
		im.used[d] = true
		parts = append(parts, d.Args...)
		where = append(where, d.Pos.String())
		im.keyPos["apache.request_read_timeout"] = d.Pos
	}
	if len(parts) == 0 {
		im.set("apache", "request_read_timeout", strconv.Quote(scenarios.ReqtimeoutDefault), "mod_reqtimeout loaded without RequestReadTimeout: its compiled-in default")
		return
	}
	im.set("apache", "request_read_timeout", strconv.Quote(strings.Join(parts, " ")), strings.Join(where, ", "))
}

// perVhost notes keep-alive and timeout settings a virtual host overrides:
// a scenario has the main server's only.
func (im *importer) perVhost() {
	if len(im.vhosts) == 0 {
		return
	}
	var names []string
	for _, v := range im.vhosts {
		names = append(names, vhostName(v))
	}
	im.notes = append(im.notes, fmt.Sprintf("%d virtual host(s) (%s) share one server: one MPM, one set of children and one scoreboard; the scenario is that server.", len(im.vhosts), strings.Join(names, ", ")))
	for _, v := range im.vhosts {
		for _, c := range v.Children {
			for _, n := range []string{"KeepAlive", "KeepAliveTimeout", "MaxKeepAliveRequests", "Timeout"} {
				if c.Is(n) {
					im.used[c] = true
					im.notes = append(im.notes, fmt.Sprintf("%s: %s %s in virtual host %s: a scenario has the main server's value for every request", c.Pos, c.Name, strings.Join(c.Args, " "), vhostName(v)))
				}
			}
		}
	}
}

// vhostName is a virtual host's ServerName, or its address.
func vhostName(v *Directive) string {
	for _, c := range v.Children {
		if c.Is("ServerName") && len(c.Args) > 0 {
			return c.Args[0]
		}
	}
	return "<VirtualHost " + strings.Join(v.Args, " ") + "> at " + v.Pos.String()
}

// listUnmodelled is run last: directives not used, by name.
func (im *importer) listUnmodelled() []string {
	type seen struct {
		n     int
		first Pos
		name  string
	}
	byName := map[string]*seen{}
	var order []string
	im.c.Walk(func(d *Directive) {
		n := strings.ToLower(d.Name)
		if d.Section || im.used[d] || structural[n] {
			return
		}
		s := byName[n]
		if s == nil {
			s = &seen{first: d.Pos, name: d.Name}
			byName[n] = s
			order = append(order, n)
			if why, ok := warnUnmodelled[n]; ok && why != "" {
				im.warns = append(im.warns, fmt.Sprintf("%s: %s is not modelled: %s", d.Pos, d.Name, why))
			}
		}
		s.n++
	})
	var out []string
	for _, n := range order {
		s := byName[n]
		line := fmt.Sprintf("%s (%s", s.name, s.first)
		if s.n > 1 {
			line += fmt.Sprintf(", and %d more", s.n-1)
		}
		out = append(out, line+")")
	}
	return out
}

// wsgi reads mod_wsgi's directives.
func (im *importer) wsgi() {
	if !im.c.Loaded("wsgi_module") {
		im.notes = append(im.notes, "mod_wsgi is not loaded: the scenario's app runs as if embedded, which this server would not do.")
		return
	}
	for _, s := range []struct{ key, name string }{
		{"lazy_initialization", "WSGILazyInitialization"},
		{"restrict_embedded", "WSGIRestrictEmbedded"},
		{"script_reloading", "WSGIScriptReloading"},
	} {
		d := im.last(s.name)
		for _, x := range im.top(s.name) {
			im.used[x] = true
		}
		if d == nil {
			continue
		}
		on := strings.EqualFold(d.Arg(0), "on")
		if !on && !strings.EqualFold(d.Arg(0), "off") || len(d.Args) != 1 {
			im.errorf(d.Pos, "%s must be On or Off", d.Name)
			continue
		}
		im.set("wsgi", s.key, strconv.FormatBool(on), d.Pos.String())
		im.keyPos["wsgi."+s.key] = d.Pos
	}
	daemons := im.daemons()
	mounts := im.mounts()
	im.route(mounts, daemons)
}

// daemon is one WSGIDaemonProcess.
type daemon struct {
	name string
	d    *Directive
	vals []entry
}

// daemonOptions maps WSGIDaemonProcess options to scenario keys.
var daemonOptions = map[string]struct{ key, kind string }{
	"processes":          {"processes", "count"},
	"threads":            {"threads", "count"},
	"listen-backlog":     {"listen_backlog", "count"},
	"maximum-requests":   {"maximum_requests", "count"},
	"queue-timeout":      {"queue_timeout", "seconds"},
	"connect-timeout":    {"connect_timeout", "seconds"},
	"socket-timeout":     {"socket_timeout", "seconds"},
	"request-timeout":    {"request_timeout", "seconds"},
	"inactivity-timeout": {"inactivity_timeout", "seconds"},
	"restart-interval":   {"restart_interval", "seconds"},
	"graceful-timeout":   {"graceful_timeout", "seconds"},
	"shutdown-timeout":   {"shutdown_timeout", "seconds"},
	"deadlock-timeout":   {"deadlock_timeout", "seconds"},
	"startup-timeout":    {"startup_timeout", "seconds"},
	"interrupt-timeout":  {"interrupt_timeout", "seconds"},
}

// daemonWarn are WSGIDaemonProcess options that limit or restart processes
// and that forkcast does not model.
var daemonWarn = map[string]bool{
	"cpu-time-limit": true, "memory-limit": true, "virtual-memory-limit": true,
	"eviction-timeout": true, "response-socket-timeout": true, "stack-size": true,
}

func (im *importer) daemons() map[string]*daemon {
	out := map[string]*daemon{}
	im.c.Walk(func(d *Directive) {
		if !d.Is("WSGIDaemonProcess") {
			return
		}
		im.used[d] = true
		if len(d.Args) < 1 {
			im.errorf(d.Pos, "WSGIDaemonProcess takes a name and options")
			return
		}
		name := d.Args[0]
		if prev := out[name]; prev != nil {
			im.errorf(d.Pos, "Name duplicates previous WSGI daemon definition (%s).", prev.d.Pos)
			return
		}
		dm := &daemon{name: name, d: d}
		var other []string
		for _, o := range d.Args[1:] {
			k, v, ok := strings.Cut(o, "=")
			if !ok {
				im.errorf(d.Pos, "Invalid option to WSGI daemon process definition: %q", o)
				return
			}
			k = strings.ToLower(k)
			opt, modelled := daemonOptions[k]
			if !modelled {
				other = append(other, k)
				if daemonWarn[k] {
					im.warns = append(im.warns, fmt.Sprintf("%s: WSGIDaemonProcess %s %s=%s is not modelled: it limits or restarts the daemon processes", d.Pos, name, k, v))
				}
				continue
			}
			if v == "" {
				im.errorf(d.Pos, "Invalid %s for WSGI daemon process.", strings.ReplaceAll(k, "-", " "))
				return
			}
			n, _ := atoi(v)
			switch {
			case k == "processes" && n < 1:
				im.errorf(d.Pos, "Invalid process count for WSGI daemon process.")
				return
			case k == "threads" && (n < 0 || n > scenarios.DaemonMaxThreads):
				im.errorf(d.Pos, "Invalid thread count for WSGI daemon process.")
				return
			case n < 0:
				im.errorf(d.Pos, "Invalid %s for WSGI daemon process.", strings.ReplaceAll(k, "-", " "))
				return
			}
			val := strconv.Itoa(n)
			if opt.kind == "seconds" {
				val = duration(float64(n))
			}
			dm.vals = append(dm.vals, entry{opt.key, val, fmt.Sprintf("%s: %s=%s", d.Pos, k, v)})
		}
		if len(other) > 0 {
			dm.vals = append(dm.vals, entry{comment: "not modelled: " + strings.Join(other, ", ")})
		}
		out[name] = dm
	})
	return out
}

// mount is one WSGIScriptAlias (or WSGIScriptAliasMatch).
type mount struct {
	prefix       string
	script       string
	d            *Directive
	vhost        *Directive // nil: the main server
	pg, ag       string
	hasPG, hasAG bool
}

func (im *importer) mounts() []*mount {
	var out []*mount
	im.c.Walk(func(d *Directive) {
		isMatch := d.Is("WSGIScriptAliasMatch")
		if !d.Is("WSGIScriptAlias") && !isMatch {
			return
		}
		im.used[d] = true
		if len(d.Args) < 2 {
			im.errorf(d.Pos, "%s takes a URL path, a script path and options", d.Name)
			return
		}
		m := &mount{prefix: d.Args[0], script: d.Args[1], d: d, vhost: enclosingVhost(d)}
		if isMatch {
			p, ok := literalPrefix(d.Args[0])
			if !ok {
				im.notes = append(im.notes, fmt.Sprintf("%s: WSGIScriptAliasMatch %s: a regular expression, not a URL prefix; not routed", d.Pos, d.Args[0]))
				return
			}
			m.prefix = p
		}
		if m.prefix != "/" {
			m.prefix = strings.TrimSuffix(m.prefix, "/")
		}
		for _, o := range d.Args[2:] {
			k, v, _ := strings.Cut(o, "=")
			switch strings.ToLower(k) {
			case "process-group":
				m.pg, m.hasPG = v, true
			case "application-group":
				m.ag, m.hasAG = v, true
			}
		}
		out = append(out, m)
	})
	return out
}

// literalPrefix returns the URL prefix a regular expression matches when it
// is ^ followed by literal characters (and optionally a trailing / or
// (/.*)?, .*, (/|$)...).
func literalPrefix(re string) (string, bool) {
	if !strings.HasPrefix(re, "^") {
		return "", false
	}
	re = re[1:]
	var b strings.Builder
	for i := 0; i < len(re); i++ {
		c := re[i]
		if c == '\\' && i+1 < len(re) && strings.ContainsRune("./-_", rune(re[i+1])) {
			b.WriteByte(re[i+1])
			i++
			continue
		}
		if strings.ContainsRune(`.*+?()[]{}|$^\`, rune(c)) {
			break
		}
		b.WriteByte(c)
	}
	p := b.String()
	if p == "" || p[0] != '/' {
		return "", false
	}
	return p, true
}

func enclosingVhost(d *Directive) *Directive {
	for p := d.Parent; p != nil; p = p.Parent {
		if p.Is("VirtualHost") {
			return p
		}
	}
	return nil
}

// setting is a WSGIProcessGroup or WSGIApplicationGroup value in force.
type setting struct {
	val string
	d   *Directive
}

// groupFor returns the value of directive name (WSGIProcessGroup or
// WSGIApplicationGroup) for requests to url in vhost, served by script, as
// httpd merges per-directory configuration: the main server, the virtual
// host, <Directory> sections containing the script (shortest first), then
// <Location> and <LocationMatch> sections matching the URL (the main
// server's, then the virtual host's, in order).
func (im *importer) groupFor(name, url, script string, vhost *Directive) setting {
	var s setting
	take := func(ds []*Directive) {
		for _, d := range ds {
			if d.Is(name) && len(d.Args) == 1 {
				s = setting{d.Args[0], d}
			}
		}
	}
	take(im.c.Directives)
	if vhost != nil {
		take(vhost.Children)
	}
	scopes := [][]*Directive{im.c.Directives}
	if vhost != nil {
		scopes = append(scopes, vhost.Children)
	}
	type dir struct {
		depth int
		d     *Directive
	}
	var dirs []dir
	for _, sc := range scopes {
		for _, d := range sc {
			if d.Section && d.Is("Directory") && len(d.Args) == 1 {
				p := strings.TrimSuffix(d.Args[0], "/")
				if script == d.Args[0] || strings.HasPrefix(script, p+"/") {
					dirs = append(dirs, dir{strings.Count(p, "/"), d})
				}
			}
		}
	}
	sort.SliceStable(dirs, func(i, j int) bool { return dirs[i].depth < dirs[j].depth })
	for _, d := range dirs {
		take(d.d.Children)
	}
	for _, sc := range scopes {
		for _, d := range sc {
			if !d.Section || len(d.Args) != 1 {
				continue
			}
			switch {
			case d.Is("Location"):
				if locationMatches(d.Args[0], url) {
					take(d.Children)
				}
			case d.Is("LocationMatch"):
				if re, err := regexp.Compile(d.Args[0]); err == nil && re.MatchString(url) {
					take(d.Children)
				}
			}
		}
	}
	return s
}

// locationMatches is <Location p> for a URL: a prefix match that ends at a
// slash or the end of either (a trailing slash in p must be matched).
func locationMatches(p, url string) bool {
	if p == "/" {
		return true
	}
	if !strings.HasPrefix(url, p) {
		return false
	}
	return len(url) == len(p) || strings.HasSuffix(p, "/") || url[len(p)] == '/'
}

// literalGroup is runtime mode's rule for preloading: a literal name or
// %{GLOBAL}, no other expansion.
func literalGroup(g string) bool { return g == "%{GLOBAL}" || !strings.Contains(g, "%{") }

// route maps the mounts and their <Location> groups to wsgi.process_group,
// wsgi.routes and the daemon tables.
func (im *importer) route(mounts []*mount, daemons map[string]*daemon) {
	type target struct {
		group string
		why   string
		pos   Pos
		vhost *Directive
	}
	routes := map[string]target{}
	var order []string
	add := func(prefix, group, why string, pos Pos, vhost *Directive) {
		if prev, ok := routes[prefix]; ok {
			if prev.group != group {
				im.notes = append(im.notes, fmt.Sprintf("%s: %s in %s goes to process group %q, but the scenario's single URL space already sends %s to %q (%s): requests to that virtual host are not represented",
					pos, prefix, where(vhost), displayGroup(group), prefix, displayGroup(prev.group), prev.pos))
			}
			return
		}
		routes[prefix] = target{group, why, pos, vhost}
		order = append(order, prefix)
	}
	preload, preloadAll := false, true
	var appGroup *setting
	for _, m := range mounts {
		im.scripts[m.prefix] = m.script
		pg := setting{m.pg, m.d}
		if !m.hasPG {
			pg = im.groupFor("WSGIProcessGroup", m.prefix, m.script, m.vhost)
		}
		ag := setting{m.ag, m.d}
		if !m.hasAG {
			ag = im.groupFor("WSGIApplicationGroup", m.prefix, m.script, m.vhost)
		}
		if m.prefix == "/" || appGroup == nil {
			a := ag
			appGroup = &a
		}
		thisPreload := m.hasPG && m.hasAG && literalGroup(m.pg) && literalGroup(m.ag)
		preload = preload || thisPreload
		preloadAll = preloadAll && thisPreload
		why := m.d.Pos.String() + ": WSGIScriptAlias " + m.prefix
		pos := m.d.Pos
		if pg.d != nil && pg.d != m.d {
			why += "; " + pg.d.Pos.String() + ": WSGIProcessGroup"
			pos = pg.d.Pos
		}
		add(m.prefix, pg.val, why, pos, m.vhost)
		// <Location> sections below the mount with their own group.
		scopes := [][]*Directive{im.c.Directives}
		if m.vhost != nil {
			scopes = append(scopes, m.vhost.Children)
		}
		for _, sc := range scopes {
			for _, d := range sc {
				if !d.Section || len(d.Args) != 1 || !(d.Is("Location") || d.Is("LocationMatch")) {
					continue
				}
				var own *Directive
				for _, c := range d.Children {
					if c.Is("WSGIProcessGroup") {
						own = c
					}
				}
				if own == nil {
					continue
				}
				p := d.Args[0]
				if d.Is("LocationMatch") {
					lp, ok := literalPrefix(p)
					if !ok {
						im.notes = append(im.notes, fmt.Sprintf("%s: <LocationMatch %s> with WSGIProcessGroup %s: a regular expression, not a URL prefix; not routed", d.Pos, p, own.Arg(0)))
						continue
					}
					p = lp
				}
				if p != "/" {
					p = strings.TrimSuffix(p, "/")
				}
				if len(p) <= len(m.prefix) || !locationMatches(m.prefix, p) {
					continue
				}
				add(p, own.Arg(0), fmt.Sprintf("%s: <%s %s> WSGIProcessGroup", own.Pos, d.Name, d.Args[0]), own.Pos, m.vhost)
			}
		}
	}
	// WSGIProcessGroup in sections the scenario cannot express.
	im.c.Walk(func(d *Directive) {
		if !d.Is("WSGIProcessGroup") && !d.Is("WSGIApplicationGroup") {
			return
		}
		im.used[d] = true
		if p := d.Parent; p != nil && !p.Is("VirtualHost") && !p.Is("Location") && !p.Is("LocationMatch") && !p.Is("Directory") {
			im.notes = append(im.notes, fmt.Sprintf("%s: %s inside <%s %s>: not represented (a scenario routes by URL prefix)", d.Pos, d.Name, p.Name, strings.Join(p.Args, " ")))
		}
	})
	for _, d := range im.allNamed("WSGIImportScript") {
		im.used[d] = true
		var pg, ag string
		for _, o := range d.Args[1:] {
			k, v, _ := strings.Cut(o, "=")
			switch strings.ToLower(k) {
			case "process-group":
				pg = v
			case "application-group":
				ag = v
			}
		}
		if pg == "" || ag == "" {
			im.errorf(d.Pos, "WSGIImportScript needs both process-group= and application-group=")
			continue
		}
		preload = true
		im.set("wsgi", "preload", "true", d.Pos.String()+": WSGIImportScript")
		im.keyPos["wsgi.preload"] = d.Pos
	}
	if len(mounts) == 0 {
		im.notes = append(im.notes, "no WSGIScriptAlias: no URL reaches a WSGI application here.")
	}

	// The default group and the routes.
	used := map[string]bool{}
	if t, ok := routes["/"]; ok {
		im.set("wsgi", "process_group", strconv.Quote(scenarioGroup(t.group)), t.why)
		im.keyPos["wsgi.process_group"] = t.pos
		used[t.group] = true
	}
	for _, p := range order {
		if p == "/" {
			continue
		}
		t := routes[p]
		im.set("wsgi.routes", strconv.Quote(p), strconv.Quote(scenarioGroup(t.group)), t.why)
		im.keyPos["wsgi.routes."+strconv.Quote(p)] = t.pos
		used[t.group] = true
	}
	if appGroup != nil && appGroup.d != nil {
		g := appGroup.val
		comment := appGroup.d.Pos.String()
		switch {
		case g == "%{GLOBAL}" || g == "":
			g = "%{GLOBAL}"
		case g != "%{RESOURCE}":
			comment += fmt.Sprintf("; %q is a sub-interpreter of its own, costed like %%{RESOURCE}", g)
			g = "%{RESOURCE}"
		}
		im.set("wsgi", "application_group", strconv.Quote(g), comment)
	}
	if preload {
		if _, set := im.keyPos["wsgi.preload"]; !set {
			im.set("wsgi", "preload", "true", "WSGIScriptAlias with process-group= and application-group= given literally")
		}
		if !preloadAll && len(mounts) > 1 {
			im.notes = append(im.notes, "some mounts are preloaded and some are not; a scenario preloads all or none.")
		}
	}
	for _, g := range sortedGroups(used) {
		if scenarios.Embedded(g) {
			continue
		}
		if daemons[g] == nil && !strings.Contains(g, "%{") {
			pos := Pos{}
			for _, p := range order {
				if routes[p].group == g {
					pos = routes[p].pos
				}
			}
			im.errorf(pos, "No WSGI daemon process called '%s' has been configured: mod_wsgi answers every request routed there with 500", g)
		}
	}
	var names []string
	for n := range daemons {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		dm := daemons[n]
		t := im.table("wsgi.daemon_process." + quoteKey(n))
		t.head = append(t.head, fmt.Sprintf("%s: WSGIDaemonProcess %s", dm.d.Pos, n))
		if !used[n] {
			t.disabled = true
			t.head = append(t.head, "no URL the scenario represents reaches this group, so it is left out (a scenario refuses groups no request reaches)")
		}
		for _, e := range dm.vals {
			if e.key == "" {
				t.head = append(t.head, e.comment)
				continue
			}
			t.entries = append(t.entries, e)
			im.keyPos["wsgi.daemon_process."+quoteKey(n)+"."+e.key] = dm.d.Pos
		}
	}
	im.urls = order
}

func (im *importer) allNamed(name string) []*Directive {
	var out []*Directive
	im.c.Walk(func(d *Directive) {
		if d.Is(name) {
			out = append(out, d)
		}
	})
	return out
}

func sortedGroups(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func where(vhost *Directive) string {
	if vhost == nil {
		return "the main server"
	}
	return "virtual host " + vhostName(vhost)
}

func displayGroup(g string) string {
	if g == "" {
		return "%{GLOBAL} (embedded)"
	}
	return g
}

// scenarioGroup is a process group as a scenario writes it: embedded mode
// is "".
func scenarioGroup(g string) string {
	if scenarios.Embedded(g) {
		return ""
	}
	return g
}

// quoteKey quotes a TOML key unless it is bare.
func quoteKey(k string) string {
	for _, c := range k {
		if !(c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return strconv.Quote(k)
		}
	}
	if k == "" {
		return `""`
	}
	return k
}

// render writes the scenario.
func (im *importer) render() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# forkcast scenario imported from %s by `simulate import`.\n", im.c.File)
	fmt.Fprintf(&b, "# ServerRoot %s; files read: %d.\n", im.c.ServerRoot, len(im.c.Files))
	b.WriteString("# Each value names the file:line it came from; values not set are httpd's compiled-in\n")
	b.WriteString("# defaults (not Debian's, which are the scenario defaults). [host] and [app] are not in\n")
	b.WriteString("# Apache's configuration: `simulate inspect` and `simulate profile-app` measure them.\n")
	if len(im.notes) > 0 {
		b.WriteString("#\n# What a scenario cannot represent:\n")
		for _, n := range im.notes {
			fmt.Fprintf(&b, "#   %s\n", n)
		}
	}
	unmodelled := im.listUnmodelled()
	order := []string{"apache", "wsgi", "wsgi.routes"}
	var rest []string
	for _, t := range im.tables {
		if !contains(order, t.name) && t.name != "workload" {
			rest = append(rest, t.name)
		}
	}
	order = append(append(order, rest...), "workload")
	for _, name := range order {
		var t *table
		for _, x := range im.tables {
			if x.name == name {
				t = x
			}
		}
		if t == nil || (len(t.entries) == 0 && len(t.head) == 0) {
			continue
		}
		b.WriteString("\n")
		for _, h := range t.head {
			fmt.Fprintf(&b, "# %s\n", h)
		}
		prefix := ""
		if t.disabled {
			prefix = "# "
		}
		fmt.Fprintf(&b, "%s[%s]\n", prefix, t.name)
		width := 0
		for _, e := range t.entries {
			width = min(max(width, len(e.key)+3+len(e.val)), 40)
		}
		for _, e := range t.entries {
			kv := e.key + " = " + e.val
			if e.comment == "" {
				fmt.Fprintf(&b, "%s%s\n", prefix, kv)
				continue
			}
			fmt.Fprintf(&b, "%s%-*s  # %s\n", prefix, width, kv, e.comment)
		}
		if name == "workload" {
			b.WriteString("\n[[workload.phase]]      # a placeholder: 10 new connections a second for a minute\nduration = \"60s\"\nrate = 10.0\n")
		}
	}
	if len(unmodelled) > 0 {
		b.WriteString("\n# Directives forkcast does not model (first place, and how many more):\n")
		for _, u := range unmodelled {
			fmt.Fprintf(&b, "#   %s\n", u)
		}
	}
	return []byte(b.String())
}
