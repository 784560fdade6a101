package models

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
)

// A closed population of N users with think time Z on a server with room
// for all of them is Little's law: its throughput is N/(R+Z), R the
// response time; and it never has more than N requests outstanding.
func TestClosedPopulationFollowsLittlesLaw(t *testing.T) {
	sc := parse(t, `
duration = "300s"
[apache]
mpm = "event"
keep_alive = true
[app]
import_cpu = "const(0s)"
request_cpu = "const(0s)"
request_wait = "exp(100ms)"
[workload.population.users]
kind = "closed"
users = 20
think_time = "exp(400ms)"
requests_per_connection = "const(5)"
client_timeout = "0s"
`, "")
	run, _, _ := simulateTraced(t, sc)
	n, z := 20.0, 0.4
	r := run.Summary.Latency.Mean / 1000
	require.Greater(t, r, 0.08, "response time about the 100 ms service time")
	want := n / (r + z)
	got := float64(run.Summary.Requests.Completed) / 300
	t.Logf("closed population: R %.3f s, throughput %.2f/s, Little's law N/(R+Z) %.2f/s", r, got, want)
	assert.InEpsilon(t, want, got, 0.03)
	assert.LessOrEqual(t, run.Summary.Requests.Offered-run.Summary.Requests.Completed, int64(20), "never more than N outstanding")
}

// After its stop, a closed population starts no request; those in flight
// finish and the server cools down (idle children killed one a second).
func TestClosedPopulationStops(t *testing.T) {
	sc := parse(t, `
duration = "40s"
interval = "1s"
[apache]
mpm = "prefork"
[app]
import_cpu = "const(100ms)"
request_cpu = "const(10ms)"
request_wait = "const(20ms)"
[workload.population.wrk]
kind = "closed"
users = 30
start = "2s"
stop = "12s"
requests_per_connection = "const(1000000)"
`, "")
	run, _, _ := simulateTraced(t, sc)
	completions := column(t, run, "completions")
	busy := column(t, run, "busy")
	assert.Zero(t, sum(completions[:2]), "nothing before the population starts")
	assert.Greater(t, sum(completions[3:11]), 1000.0, "30 users looping")
	assert.Zero(t, sum(completions[13:]), "nothing starts after the stop")
	assert.Zero(t, busy[len(busy)-1], "the server cooled down")
	assert.Greater(t, maxOf(column(t, run, "kills")), 0.0, "idle children are killed after the load")
}

// Populations draw from streams of their own: adding one changes nothing
// of another's traffic.
func TestPopulationsHaveTheirOwnStreams(t *testing.T) {
	doc := `
duration = "30s"
[apache]
mpm = "event"
[workload.population.browsers]
requests_per_connection = "uniform(1, 5)"
[[workload.population.browsers.phase]]
duration = "30s"
rate = 20
%s
`
	crawler := `
[workload.population.crawler]
urls = { "/slow" = 1.0 }
[[workload.population.crawler.phase]]
duration = "30s"
rate = 3
`
	alone, _, _ := simulateTraced(t, parse(t, fmt.Sprintf(doc, ""), ""))
	both, _, s := simulateTraced(t, parse(t, fmt.Sprintf(doc, crawler), ""))
	var browsers, crawlers uint64
	for _, p := range s.pops {
		switch p.p.Name {
		case "browsers":
			browsers = p.arrived
		case "crawler":
			crawlers = p.arrived
		}
	}
	aloneArrivals := sum(column(t, alone, "arrivals"))
	assert.Equal(t, aloneArrivals, float64(browsers), "the browsers arrive exactly as without the crawler")
	assert.Equal(t, aloneArrivals+float64(crawlers), sum(column(t, both, "arrivals")))
	assert.InDelta(t, 90, float64(crawlers), 30)
}

// Clients that connect and send nothing pin a prefork child each only with
// AcceptFilter none; with Linux's default, data (TCP_DEFER_ACCEPT), the
// kernel holds them for the 31 s defer period first. Either way
// mod_reqtimeout closes them 20 s after a child takes them. (Measured on
// this machine with these 20 connections: none pinned them at once and
// closed them 20.0–20.2 s after they connected; data pinned them 31.4–31.6 s
// after they connected and closed them 20 s later, at 51.5–52.6 s.)
func TestIdleConnectionsAndTheAcceptFilter(t *testing.T) {
	doc := `
duration = "70s"
[apache]
mpm = "prefork"
accept_filter = "%s"
start_servers = 25
min_spare_servers = 5
max_spare_servers = 40
[workload.population.idle]
arrivals = "constant"
requests_per_connection = "const(0)"
idle_before_first = "120s"
[[workload.population.idle.phase]]
duration = "1050ms"
rate = 20
[[workload.population.idle.phase]]
duration = "100s"
rate = 0
`
	for _, tc := range []struct {
		filter         string
		pinnedFrom     int // first second with the 20 connections on children
		closedBy       int
		notPinnedUntil int
	}{
		{"none", 1, 22, 0},
		{"data", 33, 53, 31},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			run, _, _ := simulateTraced(t, parse(t, fmt.Sprintf(doc, tc.filter), ""))
			busy := column(t, run, "busy")
			assert.InDelta(t, 20, busy[tc.pinnedFrom], 2, "20 idle connections pinning children at %d s", tc.pinnedFrom)
			if tc.notPinnedUntil > 0 {
				assert.Less(t, maxOf(busy[:tc.notPinnedUntil]), 1.0, "the kernel holds them: no child is pinned")
			}
			assert.Less(t, busy[tc.closedBy], 1.0, "mod_reqtimeout closed them by %d s", tc.closedBy)
			assert.Equal(t, int64(20), run.Summary.LogCounts["AH01382"], "one AH01382 per connection")
		})
	}
}

// AcceptFilter data's release follows the kernel's timer chain
// (deferRelease): five SYN-ACK timers of 1, 2, 4, 8 and 16 s, each armed
// at the jiffy (4 ms) the previous one fired and firing past the next
// multiple of its wheel level's granularity (8 jiffies for a timer up to
// 503 jiffies ahead, 64 up to 4031). A connection at jiffy 0: 250 → 256,
// 256+500 = 756 → 760, 760+1000 = 1760 → 1792, 1792+2000 = 3792 → 3840,
// 3840+4000 = 7840 → 7872 jiffies: 31.488 s. At jiffy 34 (136 ms):
// 284 → 288, 788 → 792, 1792 → 1856, 3856 → 3904, 7904 → 7936: 31.744 s.
// Connections within a 256 ms window leave together.
func TestDeferReleaseFollowsTheTimerWheel(t *testing.T) {
	ms := sim.Millisecond
	for _, tc := range []struct {
		at, jiffies, want sim.Time
	}{
		{0, 0, 31488 * ms},
		{119 * ms, 0, 31488 * ms}, // the last jiffy of the first batch
		{120 * ms, 0, 31744 * ms},
		{136 * ms, 0, 31744 * ms},
		{375 * ms, 0, 31744 * ms},
		{376 * ms, 0, 32000 * ms},
		{0, 100 * ms, 31388 * ms},       // the grid 100 ms ahead of the simulation's clock
		{20 * ms, 100 * ms, 31644 * ms}, // jiffy 30: 280 → 288, as at 136 ms above
	} {
		assert.Equal(t, tc.want, deferRelease(tc.at, tc.jiffies), "connected at %v, jiffies %v", tc.at, tc.jiffies)
	}
	// Whatever the instant and the grid: 31.368–31.624 s later, on the
	// grid, never before a connection that came earlier.
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		at, jiffies := sim.Time(r.Int64N(int64(sim.Hour))), sim.Time(r.Int64N(int64(deferGrid)))
		got := deferRelease(at, jiffies)
		require.GreaterOrEqual(t, got-at, 31368*ms)
		require.LessOrEqual(t, got-at, 31624*ms)
		require.Zero(t, (got+jiffies)%deferGrid, "on the 256 ms grid")
		require.LessOrEqual(t, got, deferRelease(at+sim.Time(r.Int64N(int64(sim.Second))), jiffies), "in connection order")
	}
}

// A slow client's headers: mod_reqtimeout's header stage allows 20 s, plus
// a second per 500 bytes received, up to 40 s. 400 bytes over 30 s are too
// slow (408); 20000 bytes over 30 s earn enough extensions to finish; a
// request line still incomplete when the time is up gets no answer at all.
func TestSlowHeadersAndMinRate(t *testing.T) {
	doc := `
duration = "60s"
[apache]
mpm = "prefork"
[app]
import_cpu = "const(0s)"
[workload]
arrivals = "constant"
header_time = "30s"
header_bytes = %d
client_timeout = "0s"
[[workload.phase]]
duration = "1500ms"
rate = 1
[[workload.phase]]
duration = "60s"
rate = 0
`
	slow, _, _ := simulateTraced(t, parse(t, fmt.Sprintf(doc, 400), ""))
	assert.Equal(t, int64(1), slow.Summary.Requests.Failures.S408, "too slow: 408")
	fast, _, _ := simulateTraced(t, parse(t, fmt.Sprintf(doc, 20000), ""))
	assert.Equal(t, int64(1), fast.Summary.Requests.Completed, "fast enough: served")
	assert.InDelta(t, 30000, fast.Summary.Latency.P50, 200, "after its 30 s of headers")
	noTimeout := parse(t, strings.Replace(fmt.Sprintf(doc, 400), "mpm = \"prefork\"", "mpm = \"prefork\"\nrequest_read_timeout = \"\"", 1), "")
	run, _, _ := simulateTraced(t, noTimeout)
	assert.Equal(t, int64(1), run.Summary.Requests.Completed, "without mod_reqtimeout a trickle keeps Timeout at bay")
	// So slow that the 20 s pass before the request line's 16 bytes are
	// in (4% of 400 bytes over 600 s: 24 s): httpd closes without an
	// answer, and the client sees its request reset.
	line := parse(t, strings.Replace(fmt.Sprintf(doc, 400), `header_time = "30s"`, `header_time = "600s"`, 1), "")
	run, _, _ = simulateTraced(t, line)
	assert.Zero(t, run.Summary.Requests.Failures.S408, "no 408 before the request line")
	assert.Equal(t, int64(1), run.Summary.Requests.Failures.Reset)
	assert.Equal(t, int64(1), run.Summary.LogCounts["AH01382"])
}

// "My /report endpoint takes 3 s and everything else 30 ms": per-URL costs
// by prefix; the slow endpoint holds the daemon's threads, so its
// requests queue while the rest stay fast only while threads are free.
func TestPerURLCosts(t *testing.T) {
	sc := parse(t, `
duration = "60s"
[apache]
mpm = "event"
[wsgi]
process_group = "app"
restrict_embedded = true
[wsgi.daemon_process.app]
processes = 1
threads = 5
[app]
import_cpu = "const(0s)"
request_cpu = "const(0s)"
request_wait = "const(30ms)"
[app.urls."/report"]
request_wait = "const(3s)"
[workload]
urls = { "/" = 9.0, "/report" = 1.0 }
client_timeout = "0s"
[[workload.phase]]
duration = "60s"
rate = 10
`, "")
	run, _, _ := simulateTraced(t, sc)
	// 1 report/s × 3 s = 3 threads of 5 on average: the rest are fast.
	assert.InDelta(t, 30, run.Summary.Latency.P50, 10, "most requests take their 30 ms")
	assert.Greater(t, run.Summary.Latency.P99, 2900.0, "the reports take 3 s")
	assert.InDelta(t, 0.3+0.27, maxOf(column(t, run, "daemon_busy"))/5, 0.5)
}

// Replaying an access log reproduces its per-second arrivals exactly.
func TestReplayReproducesTheLog(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	counts := []int{3, 0, 7, 1, 12, 5}
	for sec, n := range counts {
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "127.0.0.1 - - [02/Dec/2026:10:00:%02d +0000] \"GET /page%d HTTP/1.1\" 200 512 \"-\" \"test\"\n", sec, i)
		}
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "access.log"), []byte(b.String()), 0o644))
	file := filepath.Join(dir, "replay.toml")
	require.NoError(t, os.WriteFile(file, []byte(`
duration = "10s"
[apache]
mpm = "event"
[app]
import_cpu = "const(0s)"
[workload.population.log]
kind = "replay"
log = "access.log"
`), 0o644))
	sc, err := scenarios.Load(file, "")
	require.NoError(t, err)
	run, _, _ := simulateTraced(t, sc)
	arrivals := column(t, run, "arrivals")
	for sec, n := range counts {
		assert.Equal(t, float64(n), arrivals[sec], "second %d", sec)
	}
	assert.Equal(t, int64(28), run.Summary.Requests.Completed)

	// A log past max_malformed is refused before anything runs.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.log"), []byte("garbage\n"+b.String()[:200]+"\n"), 0o644))
	bad := strings.Replace(string(must(os.ReadFile(file))), "access.log", "bad.log", 1)
	require.NoError(t, os.WriteFile(file, []byte(bad+"max_malformed = 0\n"), 0o644))
	sc, err = scenarios.Load(file, "")
	require.NoError(t, err)
	_, err = Simulate(sc)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad.log:1")
	assert.NotEmpty(t, scenarios.Errors(err), "a bad log is bad input")
}

// A logged connection that Apache kept alive after its last request (%X
// '+') was left open by its browser: the replay keeps it open, so on
// prefork it holds its child in keep-alive until KeepAliveTimeout closes
// it, as when the log was written; one the log shows closed ('-') frees
// its child at once.
func TestReplayKeepsKeptAliveConnectionsOpen(t *testing.T) {
	dir := t.TempDir()
	write := func(x string) string {
		var b strings.Builder
		for i := 0; i < 8; i++ { // 8 browsers at once, one request each
			fmt.Fprintf(&b, "10.0.0.%d 4000%d [02/Dec/2026:10:00:01 +0000] \"GET / HTTP/1.1\" 200 0 %s\n", i+1, i, x)
		}
		name := "kept" + x + ".log"
		if x == "-" {
			name = "closed.log"
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644))
		file := filepath.Join(dir, name+".toml")
		require.NoError(t, os.WriteFile(file, []byte(`
duration = "12s"
[apache]
mpm = "prefork"
keep_alive_timeout = "5s"
[app]
import_cpu = "const(0s)"
request_cpu = "const(5ms)"
request_wait = "const(0s)"
[workload.population.log]
kind = "replay"
log = "`+name+`"
log_format = '%h %{remote}p %t "%r" %>s %b %k %X'
`), 0o644))
		return file
	}
	keepalive := func(file string) []float64 {
		sc, err := scenarios.Load(file, "")
		require.NoError(t, err)
		run, _, _ := simulateTraced(t, sc)
		assert.Equal(t, int64(8), run.Summary.Requests.Completed)
		return column(t, run, "keepalive")
	}
	kept := keepalive(write("0 +"))
	closed := keepalive(write("0 -"))
	// The requests come at t = 0; StartServers' 5 children take five, the
	// parent forks for the other three, so all 8 hold a child from 2 s to
	// 5 s, when KeepAliveTimeout closes the first.
	for sec := 2; sec <= 4; sec++ {
		assert.InDelta(t, 8, kept[sec], 0.5, "second %d: every child holds its browser's idle connection", sec)
		assert.Zero(t, closed[sec], "second %d: closed connections hold nothing", sec)
	}
	assert.Zero(t, kept[8], "KeepAliveTimeout (5 s) closed them")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
