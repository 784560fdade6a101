package scenarios

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestApacheEffective(t *testing.T) {
	tests := []struct {
		name  string
		mpm   string
		set   func(a *Apache)
		want  func(a *Apache)
		warns []string // substrings, one per expected warning, in order
	}{
		{
			name: "worker MaxRequestWorkers rounded down to a multiple of ThreadsPerChild",
			mpm:  "worker", set: func(a *Apache) { a.MaxRequestWorkers = 160 },
			want:  func(a *Apache) { a.MaxRequestWorkers = 150 },
			warns: []string{"MaxRequestWorkers of 160 is not an integer multiple of ThreadsPerChild of 25, decreasing to nearest multiple 150"},
		},
		{
			name: "event MaxRequestWorkers capped by ServerLimit",
			mpm:  "event", set: func(a *Apache) { a.MaxRequestWorkers = 1000 },
			want:  func(a *Apache) { a.MaxRequestWorkers = 400 },
			warns: []string{"would require 40 servers and would exceed ServerLimit of 16, decreasing to 400"},
		},
		{
			name: "event MaxRequestWorkers raised to ThreadsPerChild",
			mpm:  "event", set: func(a *Apache) { a.MaxRequestWorkers = 10 },
			want:  func(a *Apache) { a.MaxRequestWorkers, a.StartServers = 25, 1 },
			warns: []string{"less than ThreadsPerChild of 25, increasing to 25", "silently starts only 1 processes"},
		},
		{
			name: "StartServers capped at the process limit",
			mpm:  "event", set: func(a *Apache) { a.StartServers = 10 },
			want:  func(a *Apache) { a.StartServers = 6 },
			warns: []string{"silently starts only 6 processes"},
		},
		{
			name: "MaxSpareThreads raised to Min + TPC + 1",
			mpm:  "worker", set: func(a *Apache) { a.MaxSpareThreads = 30 },
			want:  func(a *Apache) { a.MaxSpareThreads = 51 },
			warns: []string{"raises it to 51"},
		},
		{
			name: "AsyncRequestWorkerFactor divided as integers",
			mpm:  "event", set: func(a *Apache) { a.AsyncRequestWorkerFactor = 1.5 },
			want:  func(a *Apache) { a.AsyncRequestWorkerFactor = 1 },
			warns: []string{"AsyncRequestWorkerFactor 1.5 behaves as 1"},
		},
		{
			name: "AsyncRequestWorkerFactor below 1 becomes 1",
			mpm:  "event", set: func(a *Apache) { a.AsyncRequestWorkerFactor = 0.5 },
			want:  func(a *Apache) { a.AsyncRequestWorkerFactor = 1 },
			warns: []string{"behaves as 1"},
		},
		{
			name: "MinSpareThreads 0 raised to 1",
			mpm:  "event", set: func(a *Apache) { a.MinSpareThreads = 0 },
			want:  func(a *Apache) { a.MinSpareThreads = 1 },
			warns: []string{"MinSpareThreads of 0 not allowed, increasing to 1"},
		},
		{
			name: "prefork MaxSpareServers equal to MinSpareServers",
			mpm:  "prefork", set: func(a *Apache) { a.MinSpareServers, a.MaxSpareServers = 5, 5 },
			want:  func(a *Apache) { a.MaxSpareServers = 6 },
			warns: []string{"prefork_run silently raises it to 6"},
		},
		{
			name: "prefork MaxRequestWorkers above ServerLimit",
			mpm:  "prefork", set: func(a *Apache) { a.MaxRequestWorkers = 300 },
			want:  func(a *Apache) { a.MaxRequestWorkers = 256 },
			warns: []string{"MaxRequestWorkers of 300 exceeds ServerLimit value of 256 servers, decreasing MaxRequestWorkers to 256"},
		},
		{
			name: "prefork StartServers above MaxRequestWorkers",
			mpm:  "prefork", set: func(a *Apache) { a.StartServers, a.MaxRequestWorkers = 20, 8 },
			want:  func(a *Apache) { a.StartServers = 8 },
			warns: []string{"silently starts only 8 children"},
		},
		{
			name: "prefork ignores thread directives",
			mpm:  "prefork", set: func(a *Apache) { a.ThreadsPerChild = 25 },
			want:  func(a *Apache) { a.ThreadsPerChild = 1 },
			warns: []string{"ignored: prefork runs one thread per process"},
		},
		{
			name: "event ignores prefork directives",
			mpm:  "event", set: func(a *Apache) { a.MinSpareServers = 5 },
			want:  func(a *Apache) { a.MinSpareServers = 0 },
			warns: []string{"min_spare_servers and max_spare_servers are ignored"},
		},
		{
			name: "Debian defaults are left alone",
			mpm:  "event", set: func(a *Apache) {}, want: func(a *Apache) {},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := DefaultApache(tt.mpm)
			tt.set(&a)
			want := a
			tt.want(&want)
			got, warns := a.Effective()
			assert.Equal(t, want, got)
			require.Len(t, warns, len(tt.warns), "warnings: %q", warns)
			for i, w := range tt.warns {
				assert.Contains(t, warns[i], w)
			}
		})
	}
}

func TestScenarioWarnings(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		warn string
	}{
		{"MaxSpare == MinSpare loads with a warning",
			"[apache]\nmpm = \"prefork\"\nmin_spare_servers = 5\nmax_spare_servers = 5\n", "raises it to 6"},
		{"restrict_embedded with an embedded URL",
			"[wsgi]\nrestrict_embedded = true\nprocess_group = \"app\"\n[wsgi.routes]\n\"/static-app\" = \"\"\n[wsgi.daemon_process.app]\n[workload]\nurls = { \"/\" = 1, \"/static-app/x\" = 1 }\n",
			"/static-app/x would run in embedded mode: mod_wsgi answers those requests with 500"},
		{"service-script daemon",
			"[wsgi]\nprocess_group = \"app\"\n[wsgi.daemon_process.app]\nthreads = 0\n", "service-script mode"},
		{"timeouts without a monitor thread",
			"[wsgi]\nprocess_group = \"app\"\n[wsgi.daemon_process.app]\ndeadlock_timeout = 0\nrequest_timeout = \"60s\"\n",
			"request_timeout, graceful_timeout never fire"},
		{"listen backlog above somaxconn",
			"[host]\nsomaxconn = 128\n", "the kernel silently caps the backlog at 128"},
		{"phases longer than the run",
			"duration = \"5s\"\n", "the workload's phases last 10s but the run stops at 5s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("w.toml", []byte(tt.doc+phase), "")
			require.NoError(t, err)
			assert.Contains(t, strings.Join(s.Warnings, "\n"), tt.warn)
		})
	}
}

func TestEffectiveDaemon(t *testing.T) {
	s, err := Parse("d.toml", []byte("[host]\nsomaxconn = 50\n[wsgi]\nprocess_group = \"app\"\n[wsgi.daemon_process.app]\n"+phase), "")
	require.NoError(t, err)
	e, _ := s.Effective()
	assert.Equal(t, 50, e.WSGI.DaemonProcesses["app"].ListenBacklog)
	assert.Equal(t, s.Apache.Timeout, e.WSGI.DaemonProcesses["app"].SocketTimeout, "socket-timeout 0 means Apache's Timeout")
	assert.Equal(t, 100, s.WSGI.DaemonProcesses["app"].ListenBacklog, "Effective does not change the scenario")
	assert.Equal(t, 50, e.Apache.ListenBacklog)
}
