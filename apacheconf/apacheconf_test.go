package apacheconf_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/apacheconf"
	"github.com/forkcast/forkcast/scenarios"
)

// importScenario reads a configuration, maps it and loads the scenario it
// gives, as `simulate import` followed by `simulate run` would.
func importScenario(t *testing.T, path string, opt apacheconf.Options) (*scenarios.Scenario, *apacheconf.Imported) {
	t.Helper()
	c, err := apacheconf.Read(path, opt)
	require.NoError(t, err)
	im, err := apacheconf.Scenario(c)
	require.NoError(t, err)
	s, err := scenarios.Parse("imported.toml", im.TOML, "")
	require.NoError(t, err, "%s", im.TOML)
	return s, im
}

func secs(n int) scenarios.Duration { return scenarios.D(time.Duration(n) * time.Second) }

// A Django site in daemon mode on Debian's layout: envvars, Define,
// IncludeOptional globs (dot-files skipped), a WSGIDaemonProcess continued
// over several lines.
func TestDjangoDaemonMode(t *testing.T) {
	s, im := importScenario(t, "/etc/apache2", apacheconf.Options{Sysroot: "testdata/django"})
	a := s.Apache
	assert.Equal(t, "event", a.MPM)
	// conf-enabled/.hidden.conf (StartServers 99) is not matched by *.conf.
	assert.Equal(t, 4, a.StartServers)
	assert.Equal(t, 50, a.MinSpareThreads)
	assert.Equal(t, 150, a.MaxSpareThreads)
	assert.Equal(t, 32, a.ThreadsPerChild)
	assert.Equal(t, 64, a.ThreadLimit)
	assert.Equal(t, 16, a.ServerLimit, "ServerLimit not set: httpd's compiled-in 16")
	assert.Equal(t, 400, a.MaxRequestWorkers)
	assert.Equal(t, 1000, a.MaxConnectionsPerChild)
	assert.Equal(t, secs(120), a.Timeout)
	assert.Equal(t, secs(3), a.KeepAliveTimeout)
	assert.Equal(t, 500, a.MaxKeepAliveRequests)
	assert.Equal(t, "header=10-20,minrate=500 body=10,minrate=500", a.RequestReadTimeout)
	assert.Equal(t, "data", a.AcceptFilter)

	w := s.WSGI
	assert.Equal(t, "shop", w.ProcessGroup)
	assert.Equal(t, "%{GLOBAL}", w.ApplicationGroup)
	assert.True(t, w.RestrictEmbedded)
	assert.False(t, w.Preload, "WSGIScriptAlias without options does not preload")
	require.Contains(t, w.DaemonProcesses, "shop")
	d := w.DaemonProcesses["shop"]
	assert.Equal(t, 3, d.Processes, "processes=${SHOP_PROCS} from Define")
	assert.Equal(t, 10, d.Threads)
	assert.Equal(t, secs(45), d.QueueTimeout)
	assert.Equal(t, secs(60), d.SocketTimeout)
	assert.Equal(t, secs(60), d.RequestTimeout)
	assert.Equal(t, 5000, d.MaximumRequests)
	assert.Equal(t, secs(15), d.ConnectTimeout, "not written: mod_wsgi's default")
	assert.Equal(t, "/srv/shop/shop/wsgi.py", im.Scripts["/"], "${SITE_ROOT} from envvars")

	text := string(im.TOML)
	assert.Contains(t, text, "threads = 10")
	assert.Regexp(t, `processes = 3 +# /etc/apache2/sites-enabled/shop.conf:5: processes=3`, text, "each value names its file:line")
	assert.Contains(t, text, "not modelled: python-home, python-path, display-name, memory-limit")
	assert.Contains(t, strings.Join(im.Warnings, "\n"), "memory-limit=1073741824 is not modelled")
	assert.Contains(t, text, "Alias (/etc/apache2/sites-enabled/shop.conf:17)", "unmodelled directives are listed")
}

// An old prefork server in embedded mode: old directive names, IfDefine
// with and without -D, negated IfModule, another MPM's section skipped.
func TestPreforkEmbeddedOldNames(t *testing.T) {
	for _, tc := range []struct {
		defines []string
		workers int
	}{{nil, 40}, {[]string{"BIGBOX"}, 300}} {
		s, im := importScenario(t, "/etc/apache2/apache2.conf", apacheconf.Options{Sysroot: "testdata/prefork", Defines: tc.defines})
		a := s.Apache
		assert.Equal(t, "prefork", a.MPM)
		assert.Equal(t, tc.workers, a.MaxRequestWorkers, "MaxClients ${WORKERS}, -D %v", tc.defines)
		assert.Equal(t, tc.workers, a.ServerLimit)
		assert.Equal(t, 4000, a.MaxConnectionsPerChild, "MaxRequestsPerChild")
		assert.Equal(t, 8, a.StartServers)
		assert.Equal(t, 20, a.MaxSpareServers)
		assert.False(t, a.KeepAlive)
		assert.Equal(t, 1024, a.ListenBacklog)
		assert.Equal(t, "none", a.AcceptFilter)
		assert.Equal(t, secs(30), a.GracefulShutdownTimeout)
		assert.Equal(t, "", a.RequestReadTimeout, "mod_reqtimeout not loaded")
		assert.False(t, s.WSGI.LazyInitialization)
		assert.Equal(t, "", s.WSGI.GroupFor("/app"), "embedded")
		assert.Empty(t, s.WSGI.DaemonProcesses)
		warns := strings.Join(im.Warnings, "\n")
		assert.Contains(t, warns, "MaxClients is deprecated, use MaxRequestWorkers instead")
		assert.Contains(t, warns, "apache2.conf:32: Mutex is not modelled")
	}
}

// Several virtual hosts with several daemon groups: the first vhost's URL
// space, <Location> and literal <LocationMatch> routes, another vhost's
// non-conflicting mount, and notes for what cannot be represented.
func TestSeveralVhostsAndGroups(t *testing.T) {
	s, im := importScenario(t, "/etc/apache2", apacheconf.Options{Sysroot: "testdata/multivhost"})
	assert.Equal(t, "worker", s.Apache.MPM)
	assert.Equal(t, 400, s.Apache.MaxRequestWorkers, "worker's compiled-in default")
	w := s.WSGI
	assert.Equal(t, "main", w.ProcessGroup)
	assert.Equal(t, map[string]string{"/admin": "admin", "/api": "api", "/export": "reports"}, w.Routes)
	assert.Equal(t, []string{"admin", "api", "main", "reports"}, w.DaemonNames())
	assert.Equal(t, 4, w.DaemonProcesses["main"].Processes)
	assert.Equal(t, 200, w.DaemonProcesses["main"].ListenBacklog)
	assert.Equal(t, secs(30), w.DaemonProcesses["main"].QueueTimeout)
	assert.Equal(t, secs(600), w.DaemonProcesses["admin"].InactivityTimeout)
	assert.Equal(t, secs(60), w.DaemonProcesses["api"].DeadlockTimeout)
	assert.True(t, w.Preload)
	assert.Equal(t, "admin", w.GroupFor("/admin/users"))
	text := string(im.TOML)
	assert.Contains(t, text, "share one server")
	assert.Contains(t, text, `/ in virtual host reports.example.org goes to process group "reports", but the scenario's single URL space already sends / to "main"`)
	assert.Contains(t, text, `<LocationMatch \.(png|jpg)$> with WSGIProcessGroup main: a regular expression`)
	assert.Contains(t, text, "KeepAliveTimeout 15 in virtual host www.example.org")
}

// A RHEL layout: conf/httpd.conf, ServerRoot, module paths relative to it,
// conf.modules.d and conf.d, a LoadModule inside <IfModule !wsgi_module>.
func TestRHELLayout(t *testing.T) {
	s, im := importScenario(t, "", apacheconf.Options{Sysroot: "testdata/rhel"})
	assert.Contains(t, strings.Join(im.Warnings, "\n"), "app.conf:8: ServerLimit is read only when httpd starts")
	assert.Equal(t, "event", s.Apache.MPM)
	assert.Equal(t, 32, s.Apache.ServerLimit, "<IfModule event.c>")
	assert.Equal(t, 800, s.Apache.MaxRequestWorkers)
	assert.Equal(t, 3, s.Apache.StartServers, "compiled-in")
	assert.Equal(t, 75, s.Apache.MinSpareThreads, "compiled-in")
	assert.Equal(t, secs(60), s.Apache.Timeout, "compiled-in Timeout 60, not Debian's 300")
	assert.Equal(t, "app", s.WSGI.ProcessGroup)
	assert.True(t, s.WSGI.Preload)
	assert.Equal(t, 8, s.WSGI.DaemonProcesses["app"].Threads)
	assert.Equal(t, secs(15), s.WSGI.DaemonProcesses["app"].StartupTimeout)

	c, err := apacheconf.Read("", apacheconf.Options{Sysroot: "testdata/rhel"})
	require.NoError(t, err)
	assert.Equal(t, "/etc/httpd/conf/httpd.conf", c.File)
	assert.Equal(t, "/etc/httpd", c.ServerRoot)
	assert.True(t, c.Loaded("mod_wsgi.c"))
	assert.True(t, c.Loaded("wsgi_module"))
	assert.True(t, c.Loaded("event.c"))
	assert.False(t, c.Loaded("mpm_prefork_module"), "commented out")
	assert.Equal(t, "/etc/httpd/modules/mod_wsgi_python3.so", c.Modules[len(c.Modules)-1].Path)
	assert.Equal(t, []string{"/etc/httpd/conf/httpd.conf", "/etc/httpd/conf.modules.d/00-base.conf", "/etc/httpd/conf.modules.d/00-mpm.conf",
		"/etc/httpd/conf.modules.d/10-wsgi-python3.conf", "/etc/httpd/conf.d/app.conf", "/etc/httpd/conf.d/welcome.conf"}, c.Files, "sorted glob order")
}

// Debian's stock /etc/apache2, as installed by .ci/run, imports without a
// hand edit and gives Debian's event settings.
func TestDebianStockConfig(t *testing.T) {
	if _, err := os.Stat("/etc/apache2/apache2.conf"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI: Debian's apache2 must be installed (.ci/run): %v", err)
		}
		t.Skip("no /etc/apache2 (apt-get install apache2)")
	}
	s, im := importScenario(t, "", apacheconf.Options{})
	def := scenarios.DefaultApache("event")
	a := s.Apache
	for _, mod := range []string{"mpm_event", "mpm_prefork", "mpm_worker"} {
		if _, err := os.Stat("/etc/apache2/mods-enabled/" + mod + ".load"); err == nil {
			def = scenarios.DefaultApache(strings.TrimPrefix(mod, "mpm_"))
		}
	}
	assert.Equal(t, def.MPM, a.MPM)
	assert.Equal(t, def.MaxRequestWorkers, a.MaxRequestWorkers)
	assert.Equal(t, def.StartServers, a.StartServers)
	assert.Equal(t, def.ServerLimit, a.ServerLimit)
	assert.Equal(t, def.Timeout, a.Timeout)
	assert.Equal(t, def.KeepAliveTimeout, a.KeepAliveTimeout)
	if _, err := os.Stat("/etc/apache2/mods-enabled/reqtimeout.load"); err == nil {
		assert.Equal(t, scenarios.DebianRequestReadTimeout, a.RequestReadTimeout)
	}
	assert.Empty(t, im.Warnings, "Debian's stock configuration reads cleanly (envvars supplies every ${VAR})")
}

// writeTree writes files under a temporary directory.
func writeTree(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
	return dir
}

const mpm = "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n"
const wsgi = "LoadModule wsgi_module /usr/lib/apache2/modules/mod_wsgi.so\n"

// Bad configurations are refused with httpd's message and the file:line.
func TestBadConfigurations(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string // substring, after "apache2.conf:" or another file
	}{
		{"unclosed section", map[string]string{"apache2.conf": mpm + "<VirtualHost *:80>\nServerName x\n"}, "apache2.conf:2: <VirtualHost> was not closed."},
		{"mismatched close", map[string]string{"apache2.conf": mpm + "<Location />\n</Directory>\n"}, "apache2.conf:3: Expected </Location> but saw </Directory>"},
		{"missing >", map[string]string{"apache2.conf": mpm + "<Location /\n</Location>\n"}, "apache2.conf:2: <Location> directive missing closing '>'"},
		{"no MPM", map[string]string{"apache2.conf": "Timeout 5\n"}, "No MPM loaded"},
		{"two MPMs", map[string]string{"apache2.conf": mpm + "LoadModule mpm_prefork_module x.so\n"}, "apache2.conf:2: AH00534: Configuration error: More than one MPM loaded"},
		{"wsgi without mod_wsgi", map[string]string{"apache2.conf": mpm + "\nWSGIDaemonProcess app\n"}, "apache2.conf:3: Invalid command 'WSGIDaemonProcess'"},
		{"prefork directive under event", map[string]string{"apache2.conf": mpm + "MaxSpareServers 10\n"}, "apache2.conf:2: Invalid command 'MaxSpareServers'"},
		{"MPM directive in a vhost", map[string]string{"apache2.conf": mpm + "<VirtualHost *:80>\n  MaxRequestWorkers 10\n</VirtualHost>\n"}, "apache2.conf:3: MaxRequestWorkers cannot occur within <VirtualHost> section"},
		{"Include matches nothing", map[string]string{"apache2.conf": mpm + "Include conf.d/*.conf\n", "conf.d/README": ""}, "apache2.conf:2: No matches for the wildcard '*.conf'"},
		{"Include missing file", map[string]string{"apache2.conf": mpm + "Include other.conf\n"}, "apache2.conf:2: Could not open configuration file"},
		{"Include recursion", map[string]string{"apache2.conf": mpm + "Include apache2.conf\n"}, "Exceeded the maximum include directory nesting level of 128"},
		{"unparsable Timeout", map[string]string{"apache2.conf": mpm + "Timeout 5x\n"}, "apache2.conf:2: Timeout argument is not parsable"},
		{"undefined daemon group", map[string]string{"apache2.conf": mpm + wsgi + "WSGIScriptAlias / /x.wsgi\nWSGIProcessGroup nosuch\n"}, "apache2.conf:4: No WSGI daemon process called 'nosuch'"},
		{"bad daemon threads", map[string]string{"apache2.conf": mpm + wsgi + "WSGIDaemonProcess a threads=-1\n"}, "apache2.conf:3: Invalid thread count for WSGI daemon process."},
		{"duplicate daemon", map[string]string{"apache2.conf": mpm + wsgi + "WSGIDaemonProcess a\nWSGIDaemonProcess a\n"}, "apache2.conf:4: Name duplicates previous WSGI daemon definition"},
		{"threads above ServerLimit x TPC refused by forkcast", map[string]string{"apache2.conf": mpm + "ThreadLimit 0\n"}, "apache2.conf:2: apache.thread_limit = 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeTree(t, tc.files)
			c, err := apacheconf.Read(dir, apacheconf.Options{})
			if err == nil {
				_, err = apacheconf.Scenario(c)
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), dir, "the error names the file")
		})
	}
}

// What httpd adjusts is imported as httpd would run it, with httpd's words.
func TestHttpdAdjustments(t *testing.T) {
	dir := writeTree(t, map[string]string{"apache2.conf": "LoadModule mpm_prefork_module p.so\nMinSpareServers 10\nMaxSpareServers 4\nMaxRequestWorkers 500\nStartServers abc\n"})
	s, im := importScenario(t, dir, apacheconf.Options{})
	assert.Equal(t, 11, s.Apache.MaxSpareServers, "prefork_run raises MaxSpareServers to MinSpareServers + 1")
	assert.Equal(t, 0, s.Apache.StartServers, "atoi(\"abc\") = 0, which httpd raises to 1")
	e, warns := s.Effective()
	assert.Equal(t, 256, e.Apache.MaxRequestWorkers, "capped at the compiled-in ServerLimit")
	assert.Equal(t, 1, e.Apache.StartServers)
	all := strings.Join(append(warns, im.Warnings...), "\n")
	assert.Contains(t, all, "MaxRequestWorkers of 500 exceeds ServerLimit value of 256 servers")
	assert.Contains(t, all, "MaxSpareServers 4 is below MinSpareServers 10: prefork_run silently raises it to 11")
	assert.Contains(t, string(im.TOML), `httpd reads "abc" as 0 (atoi)`)

	dir = writeTree(t, map[string]string{"apache2.conf": mpm + "ThreadLimit 20\nThreadsPerChild 30\n"})
	s, _ = importScenario(t, dir, apacheconf.Options{})
	assert.Equal(t, 20, s.Apache.ThreadsPerChild, "ThreadsPerChild of 30 exceeds ThreadLimit of 20 threads, decreasing to 20")
}

// The reader's lexical rules: continuations, comments (a comment line
// ending in a backslash continues the comment), quotes, case-insensitive
// names, ${VAR} from Define, IfModule by either name, IfFile, IfVersion.
func TestReaderRules(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"apache2.conf": mpm + wsgi + `# a comment \
MaxRequestWorkers 1
maxrequestworkers \
    300
Define LIMIT 20
SERVERLIMIT ${LIMIT}
<IfModule mod_wsgi.c>
  <IfModule !wsgi_module>
    Timeout 1
  </IfModule>
  Timeout 42
</IfModule>
<IfFile apache2.conf>
  KeepAliveTimeout 7
</IfFile>
<IfFile /no/such/file>
  KeepAliveTimeout 8
</IfFile>
<IfVersion >= 2.4>
  MaxKeepAliveRequests 77
</IfVersion>
<IfVersion < 2.4>
  MaxKeepAliveRequests 1
</IfVersion>
WSGIScriptAlias "/my app" "/srv/a b/app.wsgi"
KeepAlive "Off"
KeepAliveTimeout 250ms
`})
	s, im := importScenario(t, dir, apacheconf.Options{})
	assert.Equal(t, 300, s.Apache.MaxRequestWorkers)
	assert.Equal(t, 20, s.Apache.ServerLimit)
	assert.Equal(t, secs(42), s.Apache.Timeout)
	assert.Equal(t, scenarios.D(250*time.Millisecond), s.Apache.KeepAliveTimeout, "the last KeepAliveTimeout, in ms")
	assert.Equal(t, 77, s.Apache.MaxKeepAliveRequests)
	assert.False(t, s.Apache.KeepAlive)
	assert.Equal(t, "/srv/a b/app.wsgi", im.Scripts["/my app"])
}

// An undefined ${VAR} stays as written and httpd's AH00111 warning is
// reported.
func TestUndefinedVariable(t *testing.T) {
	dir := writeTree(t, map[string]string{"apache2.conf": mpm + "ErrorLog ${NOPE}/error.log\n"})
	_, im := importScenario(t, dir, apacheconf.Options{})
	assert.Contains(t, strings.Join(im.Warnings, "\n"), "apache2.conf:2: AH00111: Config variable ${NOPE} is not defined")
}
