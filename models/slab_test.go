package models

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

// Reusing dead requests and connections changes nothing: every path that
// ends them (answers, client timeouts and retries, resets by the OOM killer
// and hard restarts, keep-alive closes, daemon queue-timeouts, backlog 503s,
// socket-timeouts, script reloads, daemon restarts, AcceptFilter's deferred
// connections, mod_reqtimeout's 408s and closes) gives the same run as
// never reusing them. A request or connection freed while something still
// used it would, once reused, answer or close the wrong client. And none
// is kept too long: each scenario ends with a quiet spell long enough for
// every client to be answered or give up, after which the requests and
// connections alive are exactly those Apache still holds (a swamped small
// VPS still has a full accept queue).
func TestReuseChangesNothing(t *testing.T) {
	daemon := func(extra string) *scenarios.Scenario {
		return parse(t, `
duration = "120s"
[apache]
mpm = "event"
[wsgi]
process_group = "app"
[app]
import_cpu = "const(300ms)"
request_cpu = "exp(40ms)"
request_wait = "exp(200ms)"
[workload]
client_timeout = "4s"
retries = 2
retry_delay = "500ms"
requests_per_connection = "uniform(1, 6)"
think_time = "exp(200ms)"
[[workload.phase]]
duration = "60s"
rate = 40
[[workload.phase]]
duration = "60s"
rate = 0
[wsgi.daemon_process.app]
processes = 2
threads = 3
`+extra, "")
	}
	// Populations: browsers keeping connections alive, clients that connect
	// and send nothing (held back by AcceptFilter data, then closed by
	// mod_reqtimeout) or send only after a while (accepted then, while the
	// kernel's deferred set still lists them), slow clients whose headers
	// time out (408), and a closed population that starts and stops.
	populations := func(mpm, filter string) *scenarios.Scenario {
		return parse(t, `
duration = "150s"
[apache]
mpm = "`+mpm+`"
accept_filter = "`+filter+`"
[app]
import_cpu = "const(100ms)"
request_cpu = "exp(20ms)"
request_wait = "exp(30ms)"
[workload]
client_timeout = "8s"
retries = 1
urls = { "/" = 1.0 }
[workload.population.browsers]
requests_per_connection = "uniform(1, 5)"
think_time = "exp(500ms)"
idle_after_last = "5s"
[[workload.population.browsers.phase]]
duration = "60s"
rate = 20.0
[[workload.population.browsers.phase]]
duration = "90s"
rate = 0
[workload.population.idle]
arrivals = "constant"
requests_per_connection = "const(0)"
idle_before_first = "50s"
[[workload.population.idle.phase]]
duration = "30s"
rate = 2
[[workload.population.idle.phase]]
duration = "120s"
rate = 0
[workload.population.preconnect]
arrivals = "constant"
requests_per_connection = "const(2)"
idle_before_first = "3s"
[[workload.population.preconnect.phase]]
duration = "40s"
rate = 5
[[workload.population.preconnect.phase]]
duration = "110s"
rate = 0
[workload.population.slow]
header_time = "25s"
header_bytes = 400
[[workload.population.slow.phase]]
duration = "30s"
rate = 1
[[workload.population.slow.phase]]
duration = "120s"
rate = 0
[workload.population.bench]
kind = "closed"
users = 20
start = "10s"
stop = "50s"
think_time = "const(100ms)"
`, "")
	}
	cases := []struct {
		name string
		sc   *scenarios.Scenario
	}{
		{"prefork spike, client timeouts and retries", builtin(t, "prefork-spike", "",
			"workload.client_timeout=\"5s\"", "workload.retries=2", "workload.phase[2].rate=0", "duration=\"200s\"")},
		{"small VPS, OOM kills", builtin(t, "small-vps", "",
			"workload.retries=1", "workload.client_timeout=\"10s\"", "workload.phase[2].rate=0", "duration=\"300s\"")},
		{"keep-alive browsers", builtin(t, "keepalive-idle-browsers", "keepalive-on",
			"workload.client_timeout=\"3s\"", "workload.retries=1", "workload.idle_after_last=\"20s\"",
			"workload.phase[0].duration=\"60s\"", "workload.phase[1].rate=0", "workload.phase[1].duration=\"60s\"", "duration=\"120s\"")},
		{"event keep-alive", builtin(t, "worker-event-defaults", "event",
			"workload.client_timeout=\"2s\"", "workload.retries=1", "workload.requests_per_connection=\"uniform(1, 8)\"",
			"workload.phase[2].rate=0", "duration=\"200s\"")},
		{"graceful restarts", builtin(t, "lazy-init-restarts", "lazy-on", "workload.client_timeout=\"3s\"",
			"workload.phase[0].duration=\"300s\"", "workload.phase[1].rate=0", "workload.phase[1].duration=\"30s\"")},
		{"deploy: daemon graceful restart", builtin(t, "deploy", "daemon-graceful", "workload.client_timeout=\"3s\"")},
		{"deploy: embedded hard restart", builtin(t, "deploy", "embedded-restart", "workload.client_timeout=\"3s\"")},
		{"deploy: rolling touches", builtin(t, "deploy", "daemon-rolling")},
		{"prefork graceful-stop under load", builtin(t, "prefork-spike", "", "duration=\"60s\"",
			"event=[{ at = \"30s\", action = \"graceful_stop\" }]")},
		{"event graceful-stop with keep-alive", builtin(t, "worker-event-defaults", "event", "duration=\"60s\"",
			"event=[{ at = \"30s\", action = \"graceful_stop\" }]")},
		{"daemon queue-timeout and socket-timeout", daemon(`queue_timeout = "1s"
socket_timeout = "2s"
`)},
		{"daemon backlog 503s", daemon(`listen_backlog = 2
connect_timeout = "1s"
`)},
		{"populations, prefork, AcceptFilter data", populations("prefork", "data")},
		{"populations, event, AcceptFilter none", populations("event", "none")},
		{"daemon script reloads and hard restart", daemon(`maximum_requests = 50
[[event]]
at = "10s"
action = "touch_script"
[[event]]
at = "20s"
action = "restart"
[[event]]
at = "30s"
action = "graceful_restart"
`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run := func(retain bool) (results.Run, *server) {
				eff, _ := tc.sc.Effective()
				s, err := newServer(&eff)
				require.NoError(t, err)
				s.requests.retain, s.conns.retain = retain, retain
				var m memorySink
				s.sink = &m
				s.run()
				require.NoError(t, s.sinkErr)
				return results.Run{Summary: s.stats.summary(), Rows: m.rows, Log: m.log}, s
			}
			reused, s := run(false)
			kept, k := run(true)
			assert.Equal(t, kept, reused)
			reqs, conns := heldByApache(s)
			assert.Equal(t, reqs, s.requests.live, "requests alive after the quiet spell")
			assert.Equal(t, conns, s.conns.live, "connections alive after the quiet spell")
			assert.Less(t, s.requests.made, k.requests.made/2, "requests were reused")
			t.Logf("%d requests made (%d without reuse), %d connections (%d)",
				s.requests.made, k.requests.made, s.conns.made, k.conns.made)
		})
	}
}

// heldByApache counts the requests and connections the server still holds:
// deferred by the kernel, in the accept queue, on workers, parked, proxied
// to daemons.
func heldByApache(s *server) (requests, conns int) {
	rs, cs := map[*request]bool{}, map[*conn]bool{}
	addConn := func(cn *conn) {
		if cn != nil && !cn.dummy {
			cs[cn] = true
			if cn.pending != nil {
				rs[cn.pending] = true
			}
		}
	}
	for _, cn := range s.listen.items[s.listen.head:] {
		addConn(cn)
	}
	for _, cn := range s.deferred.items[s.deferred.head:] {
		addConn(cn)
	}
	for _, c := range s.slots {
		if c == nil || c.exited {
			continue
		}
		for _, w := range c.workers {
			addConn(w.conn)
			if w.req != nil {
				rs[w.req] = true
			}
		}
		for _, cn := range c.parked {
			addConn(cn)
		}
	}
	for _, g := range s.groups {
		for _, p := range g.queue.items[g.queue.head:] {
			if p.r != nil {
				rs[p.r] = true
			}
		}
		for _, d := range g.procs {
			if d == nil {
				continue
			}
			for _, t := range d.threads {
				if t.p != nil && t.p.r != nil {
					rs[t.p.r] = true
				}
			}
		}
	}
	return len(rs), len(cs)
}
