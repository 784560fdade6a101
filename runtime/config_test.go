package runtime

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/scenarios"
)

// requireApache returns the Apache install, or skips the test when Apache is
// missing — but never in CI (CI set), where a missing Apache is a failure.
func requireApache(t *testing.T) Install {
	t.Helper()
	in, err := Locate("")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set and Apache is missing, so the runtime tests cannot run: %v", err)
		}
		t.Skipf("Apache is not installed (CI unset, so skipping): %v", err)
	}
	return in
}

func mustParse(t *testing.T, src, variant string) *scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Parse(t.Name()+".toml", []byte(src), variant)
	require.NoError(t, err)
	return s
}

// modes are the mod_wsgi set-ups the generated config must express.
var modes = map[string]string{
	"embedded-lazy": ``,
	"embedded-preload": `
[wsgi]
preload = true
lazy_initialization = false
`,
	"daemon-lazy": `
[wsgi]
process_group = "app"
restrict_embedded = true
[wsgi.daemon_process.app]
processes = 3
threads = 4
queue_timeout = "45s"
maximum_requests = 100
request_timeout = "1500ms"
`,
	"daemon-preload": `
[wsgi]
process_group = "app"
preload = true
restrict_embedded = true
[wsgi.daemon_process.app]
processes = 2
threads = 5
`,
	"mixed-routes": `
[wsgi]
process_group = "app"
[wsgi.routes]
"/api" = "other"
"/embedded" = "%{GLOBAL}"
[wsgi.daemon_process.app]
processes = 1
[wsgi.daemon_process.other]
threads = 2
`,
	"mixed-routes-preload": `
[wsgi]
process_group = "app"
preload = true
[wsgi.routes]
"/api" = "other"
[wsgi.daemon_process.app]
processes = 1
[wsgi.daemon_process.other]
threads = 2
`,
}

func testLayout(t *testing.T, in Install) Layout {
	root := t.TempDir()
	l := Layout{Root: root, Port: 18099, Install: in}
	if os.Geteuid() == 0 {
		l.User, l.Group = "nobody", "nogroup"
	}
	return l
}

func lines(conf string) map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(conf, "\n") {
		m[strings.TrimSpace(l)] = true
	}
	return m
}

func TestConfigDirectives(t *testing.T) {
	in := Install{Binary: DefaultBinary, ModulesDir: DefaultModulesDir}
	for _, mpm := range scenarios.MPMs {
		for mode, extra := range modes {
			t.Run(mpm+"/"+mode, func(t *testing.T) {
				s := mustParse(t, fmt.Sprintf("[apache]\nmpm = %q\nstart_servers = 3\nmax_request_workers = 50\nmax_connections_per_child = 7\nlisten_backlog = 77\nkeep_alive_timeout = \"1500ms\"\n%s\n[[workload.phase]]\nduration = \"1s\"\nrate = 1\n", mpm, extra), "")
				l := testLayout(t, in)
				l.User, l.Group = "nobody", "nogroup"
				conf, err := Config(s, l)
				require.NoError(t, err)
				ls := lines(conf)
				has := func(line string) { t.Helper(); assert.True(t, ls[line], "missing line %q in\n%s", line, conf) }
				has(fmt.Sprintf("LoadModule mpm_%s_module %q", mpm, l.Install.Module("mod_mpm_"+mpm+".so")))
				assert.Equal(t, 1, strings.Count(conf, "LoadModule mpm_"), "exactly one MPM")
				assert.Equal(t, 1, strings.Count(conf, "\nListen "), "exactly one Listen")
				has("Listen 127.0.0.1:18099")
				has("StartServers 3")
				has("MaxRequestWorkers 50")
				has("MaxConnectionsPerChild 7")
				has("ListenBacklog 77")
				has("KeepAlive On")
				has("KeepAliveTimeout 1500ms")
				has("MaxKeepAliveRequests 100")
				has("Timeout 300")
				has("User nobody")
				has("Group nogroup")
				// Debian's mod_reqtimeout and Linux's default accept filter
				// are written out, and reqtimeout's 408s logged.
				has("LogLevel warn mpm_" + mpm + ":info wsgi:info reqtimeout:info")
				has("AcceptFilter http data")
				has("RequestReadTimeout " + scenarios.DebianRequestReadTimeout)
				has(fmt.Sprintf("LoadModule reqtimeout_module %q", l.Install.Module("mod_reqtimeout.so")))
				has("ExtendedStatus On")
				has("Require ip 127.0.0.1")
				has("SetHandler server-status")
				assert.Contains(t, conf, "%D %P")
				if mpm == "prefork" {
					has("MinSpareServers 5")
					has("MaxSpareServers 10")
					has("ServerLimit 256")
					assert.NotContains(t, conf, "ThreadsPerChild")
				} else {
					has("MinSpareThreads 25")
					has("MaxSpareThreads 75")
					has("ThreadsPerChild 25")
					has("ThreadLimit 64")
					has("ServerLimit 16")
					assert.NotContains(t, conf, "MinSpareServers")
				}
				if mpm == "event" {
					has("AsyncRequestWorkerFactor 2")
				} else {
					assert.NotContains(t, conf, "AsyncRequestWorkerFactor")
				}
				script := fmt.Sprintf("%q", l.Script())
				switch mode {
				case "embedded-lazy":
					has("WSGIScriptAlias / " + script)
					has("WSGIProcessGroup %{GLOBAL}")
					has("WSGIApplicationGroup %{RESOURCE}")
					has("WSGILazyInitialization On")
					has("WSGIRestrictEmbedded Off")
					assert.NotContains(t, conf, "WSGIDaemonProcess")
				case "embedded-preload":
					has("WSGIScriptAlias / " + script + " process-group=%{GLOBAL} application-group=%{GLOBAL}")
					has("WSGILazyInitialization Off")
				case "daemon-lazy":
					has("WSGIDaemonProcess app processes=3 threads=4 listen-backlog=100 queue-timeout=45 connect-timeout=15 socket-timeout=0 " +
						"request-timeout=2 inactivity-timeout=0 restart-interval=0 graceful-timeout=15 shutdown-timeout=5 deadlock-timeout=300 " +
						"startup-timeout=0 maximum-requests=100 display-name=%{GROUP} home=" + l.AppDir())
					has("WSGIRestrictEmbedded On")
					has("WSGIScriptAlias / " + script)
					has("WSGIProcessGroup app")
				case "daemon-preload":
					has("WSGIScriptAlias / " + script + " process-group=app application-group=%{GLOBAL}")
					assert.Contains(t, conf, "WSGIDaemonProcess app processes=2 threads=5 ")
				case "mixed-routes":
					assert.Contains(t, conf, "<Location /api>\n    WSGIProcessGroup other\n</Location>")
					assert.Contains(t, conf, "<Location /embedded>\n    WSGIProcessGroup %{GLOBAL}\n</Location>")
					has("WSGIProcessGroup app")
					assert.Equal(t, "mixed", Mode(s))
				case "mixed-routes-preload":
					has("WSGIImportScript " + script + " process-group=app application-group=%{GLOBAL}")
					has("WSGIImportScript " + script + " process-group=other application-group=%{GLOBAL}")
					has("WSGIApplicationGroup %{GLOBAL}")
					assert.Less(t, strings.Index(conf, "WSGIDaemonProcess other"), strings.Index(conf, "WSGIImportScript"),
						"WSGIImportScript must follow WSGIDaemonProcess")
				}
			})
		}
	}
}

func TestConfigRejects(t *testing.T) {
	// The loader already refuses an undefined group; Config must too for a
	// scenario built in code.
	s := mustParse(t, "[[workload.phase]]\nduration = \"1s\"\nrate = 1\n", "")
	s.WSGI.ProcessGroup = "nosuch"
	_, err := Config(s, Layout{Root: "/x", Port: 1})
	assert.ErrorContains(t, err, "nosuch")

	// Observers are the simulator's: a measured run's is the sampler.
	s = mustParse(t, "[[workload.phase]]\nduration = \"1s\"\nrate = 1\n[workload.observer.lb]\nkind = \"closed\"\nusers = 1\n", "")
	_, err = Config(s, Layout{Root: "/x", Port: 1})
	assert.ErrorContains(t, err, "workload.observer")
}

// TestConfigSyntax runs `apache2 -t` on every generated configuration.
func TestConfigSyntax(t *testing.T) {
	in := requireApache(t)
	for _, mpm := range scenarios.MPMs {
		for mode, extra := range modes {
			t.Run(mpm+"/"+mode, func(t *testing.T) {
				s := mustParse(t, fmt.Sprintf("[apache]\nmpm = %q\n%s\n[[workload.phase]]\nduration = \"1s\"\nrate = 1\n", mpm, extra), "")
				l := testLayout(t, in)
				require.NoError(t, writeApp(s, l))
				conf, err := Config(s, l)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(l.ConfPath(), []byte(conf), 0o644))
				cmd := exec.Command(in.Binary, "-t", "-f", l.ConfPath())
				cmd.Env = apacheEnv
				out, err := cmd.CombinedOutput()
				require.NoError(t, err, "apache2 -t: %s\n%s", out, conf)
				assert.Contains(t, string(out), "Syntax OK")
			})
		}
	}
}

func TestLocateMissing(t *testing.T) {
	_, err := Locate("/nonexistent/sbin/apache2")
	require.ErrorIs(t, err, ErrMissing)
	assert.Contains(t, err.Error(), InstallLine)
	t.Setenv(EnvApache, "/nonexistent/apache2")
	_, err = Locate("")
	require.ErrorIs(t, err, ErrMissing)
}

// A touch_script event with a group gives each daemon group its own copy of
// the script, with an alias per route before "/", so that touching one copy
// reloads only that group; the copies pass `apache2 -t`.
func TestConfigGroupScripts(t *testing.T) {
	s := mustParse(t, `
[wsgi]
process_group = "web"
restrict_embedded = true
preload = true
[wsgi.routes]
"/api" = "api"
"/api/v2" = "web"
[wsgi.daemon_process.web]
processes = 1
threads = 2
[wsgi.daemon_process.api]
processes = 1
threads = 2
[[workload.phase]]
duration = "10s"
rate = 1
[[event]]
at = "5s"
action = "touch_script"
group = "api"
`, "")
	require.True(t, GroupScripts(s))
	in := requireApache(t)
	l := testLayout(t, in)
	l.GroupScripts = true
	require.NoError(t, writeApp(s, l))
	for _, g := range []string{"web", "api"} {
		assert.FileExists(t, l.GroupScript(g))
		assert.NotEqual(t, l.Script(), l.GroupScript(g))
	}
	assert.Equal(t, l.Script(), l.GroupScript(""), "embedded mode keeps the one script")
	conf, err := Config(s, l)
	require.NoError(t, err)
	v2 := strings.Index(conf, fmt.Sprintf("WSGIScriptAlias /api/v2 %q", l.GroupScript("web")))
	api := strings.Index(conf, fmt.Sprintf("WSGIScriptAlias /api %q", l.GroupScript("api")))
	root := strings.Index(conf, fmt.Sprintf("WSGIScriptAlias / %q", l.GroupScript("web")))
	require.True(t, v2 >= 0 && api >= 0 && root >= 0, conf)
	assert.True(t, v2 < api && api < root, "mod_wsgi takes the first alias that matches: longest prefix first")
	assert.Contains(t, conf, fmt.Sprintf("WSGIImportScript %q process-group=api application-group=%%{GLOBAL}", l.GroupScript("api")))

	require.NoError(t, os.WriteFile(l.ConfPath(), []byte(conf), 0o644))
	cmd := exec.Command(in.Binary, "-t", "-f", l.ConfPath())
	cmd.Env = apacheEnv
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "apache2 -t: %s\n%s", out, conf)

	s.Events[0].Group = ""
	assert.False(t, GroupScripts(s), "touching every script needs no copies")
}
