package runtime

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/forkcast/forkcast/scenarios"
)

// Layout is where a run's files live inside its private ServerRoot, and what
// the generated configuration binds to.
type Layout struct {
	Root    string // the ServerRoot, an absolute path
	Port    int    // Listen 127.0.0.1:Port
	User    string // User/Group when started as root; "" otherwise
	Group   string
	Install Install
	// UserScript, if set, is the user's own WSGI script (absolute), served
	// instead of the synthetic app (`simulate runtime --wsgi-script`).
	UserScript string
	// GroupScripts gives each daemon group its own copy of the synthetic
	// app's script (GroupScript), so that touching one reloads only that
	// group; set when a touch_script event names a group (GroupScripts).
	GroupScripts bool
	// ReplayLog, if set, makes Apache also write ReplayLogPath in
	// ReplayLogFormat (Options.AccessLog).
	ReplayLog bool
}

// Paths inside the ServerRoot.
func (l Layout) ConfPath() string  { return filepath.Join(l.Root, "httpd.conf") }
func (l Layout) RunDir() string    { return filepath.Join(l.Root, "run") }
func (l Layout) PidFile() string   { return filepath.Join(l.Root, "run", "httpd.pid") }
func (l Layout) ErrorLog() string  { return filepath.Join(l.Root, "logs", "error.log") }
func (l Layout) AccessLog() string { return filepath.Join(l.Root, "logs", "access.log") }
func (l Layout) ReplayLogPath() string {
	return filepath.Join(l.Root, "logs", "replay.log")
}
func (l Layout) DocRoot() string { return filepath.Join(l.Root, "htdocs") }
func (l Layout) AppDir() string  { return filepath.Join(l.Root, "app") }
func (l Layout) Script() string {
	if l.UserScript != "" {
		return l.UserScript
	}
	return filepath.Join(l.Root, "app", "app.wsgi")
}
func (l Layout) ScriptDir() string { return filepath.Dir(l.Script()) }

// GroupScript is the script process group g runs: its own copy with
// GroupScripts for a daemon group, else Script.
func (l Layout) GroupScript(g string) string {
	if !l.GroupScripts || l.UserScript != "" || scenarios.Embedded(g) {
		return l.Script()
	}
	return filepath.Join(l.Root, "app", "group-"+g+".wsgi")
}

// GroupScripts reports whether a scenario touches the script of one daemon
// group (a touch_script event with a group): runtime mode then gives each
// group its own copy.
func GroupScripts(s *scenarios.Scenario) bool {
	for _, ev := range s.Events {
		if ev.Action == "touch_script" && ev.Group != "" {
			return true
		}
	}
	return false
}
func (l Layout) AppParams() string     { return filepath.Join(l.Root, "app", "app.json") }
func (l Layout) VarDir() string        { return filepath.Join(l.Root, "var") } // written by the app (any user)
func (l Layout) ImportLog() string     { return filepath.Join(l.Root, "var", "import.log") }
func (l Layout) ActiveDir() string     { return filepath.Join(l.Root, "var", "active") }
func (l Layout) SocketPrefix() string  { return filepath.Join(l.Root, "run", "wsgi") }
func (l Layout) StaticPath() string    { return "/static/page.html" }
func (l Layout) StatusPath() string    { return "/server-status" }
func (l Layout) StaticFile() string    { return filepath.Join(l.DocRoot(), "static", "page.html") }
func (l Layout) Addr() string          { return fmt.Sprintf("127.0.0.1:%d", l.Port) }
func (l Layout) statusURLPath() string { return l.StatusPath() + "?auto" }

// ReplayLogFormat is the LogFormat of the access log runtime mode keeps
// when asked (Options.AccessLog), for a replay population's log_format:
// the client's address and port and %k, so the replay finds each
// keep-alive connection again; the request's start in milliseconds; %D;
// %X, how the connection went on; the status and the request line.
const ReplayLogFormat = `%h %{remote}p %{begin:msec}t %D %k %X %>s "%r"`

// Mode returns how a scenario runs its application: "embedded", "daemon" or
// "mixed" (some URLs embedded, some in daemons), from the default process
// group and the routes.
func Mode(s *scenarios.Scenario) string {
	emb, dae := false, false
	for _, g := range usedGroups(s) {
		if scenarios.Embedded(g) {
			emb = true
		} else {
			dae = true
		}
	}
	switch {
	case emb && dae:
		return "mixed"
	case dae:
		return "daemon"
	}
	return "embedded"
}

// usedGroups returns the process groups requests can reach, sorted.
func usedGroups(s *scenarios.Scenario) []string {
	set := map[string]bool{s.WSGI.ProcessGroup: true}
	for _, g := range s.WSGI.Routes {
		set[g] = true
	}
	var out []string
	for g := range set {
		out = append(out, g)
	}
	sort.Strings(out)
	return out
}

// Check reports scenario settings the generated configuration cannot honour.
func Check(s *scenarios.Scenario) error {
	switch s.Apache.MPM {
	case "prefork", "worker", "event":
	default:
		return fmt.Errorf("unknown MPM %q (prefork, worker or event)", s.Apache.MPM)
	}
	for _, g := range usedGroups(s) {
		if !scenarios.Embedded(g) && s.WSGI.DaemonProcesses[g] == nil {
			return fmt.Errorf("process group %q is used but no [wsgi.daemon_process.%s] defines it", g, g)
		}
	}
	for name := range s.WSGI.DaemonProcesses {
		if name == "" || strings.ContainsAny(name, " \t\"'%{}") {
			return fmt.Errorf("daemon process group name %q cannot be used in httpd.conf", name)
		}
	}
	for p := range s.WSGI.Routes {
		if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, " \t\"<>") {
			return fmt.Errorf("route %q: a URL prefix must start with / and contain no spaces or quotes", p)
		}
	}
	if len(s.Workload.Observers) > 0 {
		// Its sampler's server-status requests are the observer of a
		// measured run; `simulate validate` adds them to the prediction.
		return fmt.Errorf("workload.observer: runtime mode does not play observers (its own server-status requests are the one a measured run has); they are for the simulator")
	}
	return nil
}

// secs renders a duration as whole seconds for directives that take seconds,
// rounding up so a non-zero value never becomes 0 (which means "disabled").
func secs(d scenarios.Duration) int {
	return int(math.Ceil(d.Seconds()))
}

// keepAliveTimeout renders KeepAliveTimeout, which accepts milliseconds.
func keepAliveTimeout(d scenarios.Duration) string {
	if d.Duration%time.Second == 0 {
		return fmt.Sprintf("%d", int(d.Seconds()))
	}
	return fmt.Sprintf("%dms", (d.Duration+time.Millisecond-1)/time.Millisecond)
}

func onOff(b bool) string {
	if b {
		return "On"
	}
	return "Off"
}

// literalGroup reports whether an application group is a literal name that
// preloading accepts (%{GLOBAL} is; %{RESOURCE}, %{SERVER}, %{ENV:…} are not).
func literalGroup(g string) bool { return g == "%{GLOBAL}" || !strings.Contains(g, "%{") }

// preloadAppGroup is the application group preloaded scripts go into and
// requests then run in: the scenario's when literal, else %{GLOBAL}.
func preloadAppGroup(s *scenarios.Scenario) string {
	if g := s.WSGI.ApplicationGroup; g != "" && literalGroup(g) {
		return g
	}
	return "%{GLOBAL}"
}

// Config returns a self-contained httpd.conf for the scenario. Every MPM
// directive is written explicitly: httpd's compiled-in defaults differ from
// Debian's (docs/model.md §1.3).
func Config(s *scenarios.Scenario, l Layout) (string, error) {
	if err := Check(s); err != nil {
		return "", err
	}
	a := s.Apache
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	q := func(p string) string { return `"` + p + `"` }

	w("# Generated by forkcast runtime mode for scenario %q (variant %q). Do not edit.", s.Name, s.Variant)
	w("ServerRoot %s", q(l.Root))
	w("DefaultRuntimeDir %s", q(l.RunDir()))
	w("PidFile %s", q(l.PidFile()))
	w("Mutex file:%s default", l.RunDir())
	w("ServerName 127.0.0.1")
	w("Listen 127.0.0.1:%d", l.Port)
	w("")
	w("LoadModule mpm_%s_module %s", a.MPM, q(l.Install.Module("mod_mpm_"+a.MPM+".so")))
	w("LoadModule authz_core_module %s", q(l.Install.Module("mod_authz_core.so")))
	w("LoadModule authz_host_module %s", q(l.Install.Module("mod_authz_host.so")))
	w("LoadModule alias_module %s", q(l.Install.Module("mod_alias.so")))
	w("LoadModule status_module %s", q(l.Install.Module("mod_status.so")))
	if a.RequestReadTimeout != "" {
		w("LoadModule reqtimeout_module %s", q(l.Install.Module("mod_reqtimeout.so")))
	}
	w("LoadModule wsgi_module %s", q(l.Install.Module("mod_wsgi.so")))
	if l.User != "" {
		w("User %s", l.User)
		w("Group %s", l.Group)
	}
	w("")
	w("# MPM %s: every directive explicit", a.MPM)
	w("StartServers %d", a.StartServers)
	switch a.MPM {
	case "prefork":
		w("MinSpareServers %d", a.MinSpareServers)
		w("MaxSpareServers %d", a.MaxSpareServers)
		w("ServerLimit %d", max(a.ServerLimit, a.MaxRequestWorkers))
	default:
		w("MinSpareThreads %d", a.MinSpareThreads)
		w("MaxSpareThreads %d", a.MaxSpareThreads)
		w("ThreadLimit %d", max(a.ThreadLimit, a.ThreadsPerChild))
		w("ThreadsPerChild %d", a.ThreadsPerChild)
		w("ServerLimit %d", a.ServerLimit)
		if a.MPM == "event" {
			w("AsyncRequestWorkerFactor %s", strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", a.AsyncRequestWorkerFactor), "0"), "."))
		}
	}
	w("MaxRequestWorkers %d", a.MaxRequestWorkers)
	w("MaxConnectionsPerChild %d", a.MaxConnectionsPerChild)
	w("ListenBacklog %d", a.ListenBacklog)
	w("")
	w("Timeout %d", max(1, secs(a.Timeout)))
	w("AcceptFilter http %s", a.AcceptFilter)
	if a.RequestReadTimeout != "" {
		w("RequestReadTimeout %s", a.RequestReadTimeout)
	}
	w("KeepAlive %s", onOff(a.KeepAlive))
	w("KeepAliveTimeout %s", keepAliveTimeout(a.KeepAliveTimeout))
	w("MaxKeepAliveRequests %d", a.MaxKeepAliveRequests)
	w("")
	w("ErrorLog %s", q(l.ErrorLog()))
	if a.RequestReadTimeout != "" {
		w("LogLevel warn mpm_%s:info wsgi:info reqtimeout:info", a.MPM)
	} else {
		w("LogLevel warn mpm_%s:info wsgi:info", a.MPM)
	}
	// begin time (ms since the epoch), server time in µs, serving pid, status, request line.
	w(`LogFormat "%%{begin:msec}t %%D %%P %%>s \"%%r\"" forkcast`)
	w("CustomLog %s forkcast", q(l.AccessLog()))
	if l.ReplayLog {
		w(`LogFormat "%s" replay`, strings.ReplaceAll(ReplayLogFormat, `"`, `\"`))
		w("CustomLog %s replay", q(l.ReplayLogPath()))
	}
	w("")
	w("DocumentRoot %s", q(l.DocRoot()))
	w("<Directory />")
	w("    Require all denied")
	w("</Directory>")
	w("<Directory %s>", q(l.DocRoot()))
	w("    Require all granted")
	w("</Directory>")
	w("<Directory %s>", q(l.ScriptDir()))
	w("    Require all granted")
	w("</Directory>")
	w("Alias /static/ %s", q(filepath.Join(l.DocRoot(), "static")+"/"))
	w("")
	w("ExtendedStatus On")
	w("<Location %s>", l.StatusPath())
	w("    SetHandler server-status")
	w("    Require ip 127.0.0.1")
	w("</Location>")
	w("")
	writeWSGI(s, l, w, q)
	return b.String(), nil
}

func writeWSGI(s *scenarios.Scenario, l Layout, w func(string, ...any), q func(string) string) {
	ws := s.WSGI
	w("# mod_wsgi: mode %s", Mode(s))
	w("WSGISocketPrefix %s", q(l.SocketPrefix()))
	w("WSGILazyInitialization %s", onOff(ws.LazyInitialization))
	w("WSGIRestrictEmbedded %s", onOff(ws.RestrictEmbedded))
	w("WSGIScriptReloading %s", onOff(ws.ScriptReloading))
	if l.UserScript != "" {
		w("WSGIPythonPath %s", q(l.ScriptDir()))
	}
	for _, name := range ws.DaemonNames() {
		d := ws.DaemonProcesses[name]
		opts := []string{
			fmt.Sprintf("processes=%d", d.Processes),
			fmt.Sprintf("threads=%d", d.Threads),
			fmt.Sprintf("listen-backlog=%d", d.ListenBacklog),
			fmt.Sprintf("queue-timeout=%d", secs(d.QueueTimeout)),
			fmt.Sprintf("connect-timeout=%d", secs(d.ConnectTimeout)),
			fmt.Sprintf("socket-timeout=%d", secs(d.SocketTimeout)),
			fmt.Sprintf("request-timeout=%d", secs(d.RequestTimeout)),
			fmt.Sprintf("inactivity-timeout=%d", secs(d.InactivityTimeout)),
			fmt.Sprintf("restart-interval=%d", secs(d.RestartInterval)),
			fmt.Sprintf("graceful-timeout=%d", secs(d.GracefulTimeout)),
			fmt.Sprintf("shutdown-timeout=%d", secs(d.ShutdownTimeout)),
			fmt.Sprintf("deadlock-timeout=%d", secs(d.DeadlockTimeout)),
			fmt.Sprintf("startup-timeout=%d", secs(d.StartupTimeout)),
			fmt.Sprintf("maximum-requests=%d", d.MaximumRequests),
			"display-name=%{GROUP}",
			"home=" + l.ScriptDir(),
		}
		if l.UserScript != "" {
			opts = append(opts, "python-path="+l.ScriptDir())
		}
		w("WSGIDaemonProcess %s %s", name, strings.Join(opts, " "))
	}

	def := ws.ProcessGroup
	if scenarios.Embedded(def) {
		def = "%{GLOBAL}"
	}
	appGroup := ws.ApplicationGroup
	if appGroup == "" {
		appGroup = "%{RESOURCE}"
	}
	// With a script per group, each route's prefix gets an alias to its
	// group's script, longest first: mod_wsgi takes the first alias that
	// matches, so they come before "/".
	routeAliases := func() {
		if !l.GroupScripts {
			return
		}
		prefixes := ws.RoutePrefixes()
		sort.SliceStable(prefixes, func(i, j int) bool { return len(prefixes[i]) > len(prefixes[j]) })
		for _, p := range prefixes {
			w("WSGIScriptAlias %s %s", p, q(l.GroupScript(ws.Routes[p])))
		}
	}
	switch {
	case ws.Preload && len(ws.Routes) == 0:
		// The canonical preload: both options given literally on the alias.
		w("WSGIScriptAlias / %s process-group=%s application-group=%s", q(l.GroupScript(def)), def, preloadAppGroup(s))
	case ws.Preload:
		// Several groups: preload each with WSGIImportScript (after its
		// WSGIDaemonProcess), and run requests in the same application group.
		for _, g := range usedGroups(s) {
			if scenarios.Embedded(g) {
				g = "%{GLOBAL}"
			}
			w("WSGIImportScript %s process-group=%s application-group=%s", q(l.GroupScript(g)), g, preloadAppGroup(s))
		}
		routeAliases()
		w("WSGIScriptAlias / %s", q(l.GroupScript(def)))
		w("WSGIProcessGroup %s", def)
		w("WSGIApplicationGroup %s", preloadAppGroup(s))
	default:
		routeAliases()
		w("WSGIScriptAlias / %s", q(l.GroupScript(def)))
		w("WSGIProcessGroup %s", def)
		w("WSGIApplicationGroup %s", appGroup)
	}
	for _, p := range ws.RoutePrefixes() {
		g := ws.Routes[p]
		if scenarios.Embedded(g) {
			g = "%{GLOBAL}"
		}
		w("<Location %s>", p)
		w("    WSGIProcessGroup %s", g)
		w("</Location>")
	}
}
