package apacheconf_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/apacheconf"
	"github.com/forkcast/forkcast/runtime"
	"github.com/forkcast/forkcast/scenarios"
)

// roundTrip writes runtime mode's httpd.conf for s, imports it back, and
// checks every field the import sets against the scenario it came from,
// as the generated configuration renders it (whole seconds rounded up,
// ServerLimit and ThreadLimit raised to what the workers need).
func roundTrip(t *testing.T, s *scenarios.Scenario) {
	t.Helper()
	dir := t.TempDir()
	l := runtime.Layout{Root: dir, Port: 8080, Install: runtime.Install{Binary: "/usr/sbin/apache2", ModulesDir: "/usr/lib/apache2/modules"}}
	conf, err := runtime.Config(s, l)
	require.NoError(t, err)
	path := filepath.Join(dir, "httpd.conf")
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o644))
	c, err := apacheconf.Read(path, apacheconf.Options{})
	require.NoError(t, err)
	im, err := apacheconf.Scenario(c)
	require.NoError(t, err, "%s", conf)
	got, err := scenarios.Parse("imported.toml", im.TOML, "")
	require.NoError(t, err, "%s", im.TOML)

	ceil := func(d scenarios.Duration) scenarios.Duration {
		return scenarios.D(time.Duration(math.Ceil(d.Seconds())) * time.Second)
	}
	w, g := s.Apache, got.Apache
	msg := fmt.Sprintf("scenario %s (%s)\n%s", s.Name, s.Variant, conf)
	assert.Equal(t, w.MPM, g.MPM, msg)
	assert.Equal(t, w.StartServers, g.StartServers, msg)
	if w.MPM == "prefork" {
		assert.Equal(t, w.MinSpareServers, g.MinSpareServers, msg)
		assert.Equal(t, w.MaxSpareServers, g.MaxSpareServers, msg)
		assert.Equal(t, max(w.ServerLimit, w.MaxRequestWorkers), g.ServerLimit, msg)
	} else {
		assert.Equal(t, w.MinSpareThreads, g.MinSpareThreads, msg)
		assert.Equal(t, w.MaxSpareThreads, g.MaxSpareThreads, msg)
		assert.Equal(t, w.ThreadsPerChild, g.ThreadsPerChild, msg)
		assert.Equal(t, max(w.ThreadLimit, w.ThreadsPerChild), g.ThreadLimit, msg)
		assert.Equal(t, w.ServerLimit, g.ServerLimit, msg)
		if w.MPM == "event" {
			assert.InDelta(t, w.AsyncRequestWorkerFactor, g.AsyncRequestWorkerFactor, 5.01e-4, msg) // runtime writes it with 3 decimals
		}
	}
	assert.Equal(t, w.MaxRequestWorkers, g.MaxRequestWorkers, msg)
	assert.Equal(t, w.MaxConnectionsPerChild, g.MaxConnectionsPerChild, msg)
	assert.Equal(t, w.ListenBacklog, g.ListenBacklog, msg)
	assert.Equal(t, w.KeepAlive, g.KeepAlive, msg)
	if w.KeepAliveTimeout.Duration%time.Second == 0 {
		assert.Equal(t, w.KeepAliveTimeout, g.KeepAliveTimeout, msg)
	} else {
		ms := (w.KeepAliveTimeout.Duration + time.Millisecond - 1) / time.Millisecond * time.Millisecond
		assert.Equal(t, scenarios.D(ms), g.KeepAliveTimeout, msg)
	}
	assert.Equal(t, w.MaxKeepAliveRequests, g.MaxKeepAliveRequests, msg)
	want := ceil(w.Timeout)
	if want.Duration < time.Second {
		want = scenarios.D(time.Second)
	}
	assert.Equal(t, want, g.Timeout, msg)
	assert.Equal(t, w.RequestReadTimeout, g.RequestReadTimeout, "runtime mode loads mod_reqtimeout with the scenario's RequestReadTimeout")

	ws, gs := s.WSGI, got.WSGI
	assert.Equal(t, ws.LazyInitialization, gs.LazyInitialization, msg)
	assert.Equal(t, ws.RestrictEmbedded, gs.RestrictEmbedded, msg)
	assert.Equal(t, ws.ScriptReloading, gs.ScriptReloading, msg)
	assert.Equal(t, ws.Preload, gs.Preload, msg)
	assert.Equal(t, ws.DaemonNames(), gs.DaemonNames(), msg)
	for _, n := range ws.DaemonNames() {
		a, b := ws.DaemonProcesses[n], gs.DaemonProcesses[n]
		assert.Equal(t, a.Processes, b.Processes, msg)
		assert.Equal(t, a.Threads, b.Threads, msg)
		assert.Equal(t, a.ListenBacklog, b.ListenBacklog, msg)
		assert.Equal(t, a.MaximumRequests, b.MaximumRequests, msg)
		for _, p := range []struct {
			name string
			a, b scenarios.Duration
		}{
			{"queue_timeout", a.QueueTimeout, b.QueueTimeout}, {"connect_timeout", a.ConnectTimeout, b.ConnectTimeout},
			{"socket_timeout", a.SocketTimeout, b.SocketTimeout}, {"request_timeout", a.RequestTimeout, b.RequestTimeout},
			{"inactivity_timeout", a.InactivityTimeout, b.InactivityTimeout}, {"restart_interval", a.RestartInterval, b.RestartInterval},
			{"graceful_timeout", a.GracefulTimeout, b.GracefulTimeout}, {"shutdown_timeout", a.ShutdownTimeout, b.ShutdownTimeout},
			{"deadlock_timeout", a.DeadlockTimeout, b.DeadlockTimeout}, {"startup_timeout", a.StartupTimeout, b.StartupTimeout},
		} {
			assert.Equal(t, ceil(p.a), p.b, "%s.%s\n%s", n, p.name, msg)
		}
	}
	for _, u := range append([]string{"/", "/x"}, ws.RoutePrefixes()...) {
		assert.Equal(t, scenarioGroup(ws.GroupFor(u)), gs.GroupFor(u), "group for %s\n%s", u, msg)
	}
	wantApp := ws.ApplicationGroup
	if ws.Preload && wantApp != "%{GLOBAL}" {
		wantApp = "%{GLOBAL}" // runtime preloads into %{GLOBAL} unless the group is literal
	}
	assert.Equal(t, wantApp, gs.ApplicationGroup, msg)
}

func scenarioGroup(g string) string {
	if scenarios.Embedded(g) {
		return ""
	}
	return g
}

// Every built-in scenario, every variant, and the validation suite.
func TestRoundTripBuiltinsAndValidation(t *testing.T) {
	var all []*scenarios.Scenario
	for _, name := range scenarios.Builtins() {
		s, err := scenarios.LoadBuiltin(name, "")
		require.NoError(t, err)
		all = append(all, s)
		for _, v := range s.Variants {
			sv, err := scenarios.LoadBuiltin(name, v)
			require.NoError(t, err)
			all = append(all, sv)
		}
	}
	files, err := filepath.Glob("../scenarios/validation/*.toml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		s, err := scenarios.Load(f, "")
		require.NoError(t, err)
		all = append(all, s)
	}
	for _, s := range all {
		t.Run(s.Name+"/"+s.Variant, func(t *testing.T) { roundTrip(t, s) })
	}
}

// Random variations of the keys the import reads, over every MPM and mode.
func TestRoundTripRandomVariations(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 2026))
	ran := 0
	for i := 0; i < 300; i++ {
		text := randomScenario(r)
		s, err := scenarios.Parse(fmt.Sprintf("random-%d.toml", i), []byte(text), "")
		if err != nil {
			continue // an impossible combination the scenarios package refuses
		}
		ran++
		t.Run(fmt.Sprint(i), func(t *testing.T) { roundTrip(t, s) })
	}
	assert.Greater(t, ran, 200, "most random scenarios are valid")
}

func randomScenario(r *rand.Rand) string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	mpm := []string{"prefork", "worker", "event"}[r.IntN(3)]
	dur := func(max int) string {
		if r.IntN(4) == 0 {
			return fmt.Sprintf("%dms", 1+r.IntN(max*1000))
		}
		return fmt.Sprintf("%ds", r.IntN(max+1))
	}
	p("[apache]")
	p("mpm = %q", mpm)
	p("start_servers = %d", r.IntN(20))
	if mpm == "prefork" {
		mn := 1 + r.IntN(20)
		p("min_spare_servers = %d", mn)
		p("max_spare_servers = %d", mn+1+r.IntN(30))
		p("server_limit = %d", 1+r.IntN(500))
	} else {
		tpc := 1 + r.IntN(64)
		mn := 1 + r.IntN(100)
		p("threads_per_child = %d", tpc)
		p("thread_limit = %d", tpc+r.IntN(100))
		p("min_spare_threads = %d", mn)
		p("max_spare_threads = %d", mn+tpc+1+r.IntN(100))
		p("server_limit = %d", 1+r.IntN(64))
		p("async_request_worker_factor = %v", float64(1+r.IntN(64))/16)
	}
	p("max_request_workers = %d", 1+r.IntN(1000))
	p("max_connections_per_child = %d", r.IntN(3)*r.IntN(10000))
	p("listen_backlog = %d", 1+r.IntN(4096))
	p("keep_alive = %v", r.IntN(2) == 0)
	p("keep_alive_timeout = %q", fmt.Sprintf("%dms", 1+r.IntN(30000)))
	p("max_keep_alive_requests = %d", r.IntN(1000))
	p("timeout = %q", fmt.Sprintf("%ds", 1+r.IntN(600)))
	p("[wsgi]")
	p("lazy_initialization = %v", r.IntN(2) == 0)
	p("restrict_embedded = %v", r.IntN(4) == 0)
	p("script_reloading = %v", r.IntN(2) == 0)
	p("application_group = %q", []string{"%{GLOBAL}", "%{RESOURCE}"}[r.IntN(2)])
	p("preload = %v", r.IntN(3) == 0)
	groups := []string{"", "%{GLOBAL}"}
	n := r.IntN(4)
	for k := 0; k < n; k++ {
		groups = append(groups, fmt.Sprintf("g%d", k))
	}
	def := groups[r.IntN(len(groups))]
	p("process_group = %q", def)
	used := map[string]bool{def: true}
	p("[wsgi.routes]")
	for k, prefix := range []string{"/api", "/admin", "/api/v2", "/reports"} {
		if r.IntN(2) == 0 || (k+2 < len(groups) && !used[groups[k+2]]) {
			g := groups[r.IntN(len(groups))]
			if k+2 < len(groups) && !used[groups[k+2]] {
				g = groups[k+2]
			}
			used[g] = true
			p("%q = %q", prefix, g)
		}
	}
	for _, g := range groups[2:] {
		p("[wsgi.daemon_process.%s]", g)
		p("processes = %d", 1+r.IntN(8))
		p("threads = %d", r.IntN(40))
		p("listen_backlog = %d", 1+r.IntN(500))
		p("maximum_requests = %d", r.IntN(2)*r.IntN(5000))
		for _, k := range []string{"queue_timeout", "connect_timeout", "socket_timeout", "request_timeout", "inactivity_timeout",
			"restart_interval", "graceful_timeout", "shutdown_timeout", "deadlock_timeout", "startup_timeout"} {
			if r.IntN(2) == 0 {
				p("%s = %q", k, dur(120))
			}
		}
	}
	p("[[workload.phase]]\nduration = \"10s\"\nrate = 1.0")
	return b.String()
}
