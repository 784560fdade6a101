package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/workload"
)

// The traffic as users really have it, played against the real Apache:
// closed users, connect-only and slow clients, per-URL costs and a
// replayed log. Each run is a few seconds of load, for CI's budget.

// maxOverlap is the most intervals [start, end) open at once.
func maxOverlap(start, end []time.Duration) int {
	type edge struct {
		at   time.Duration
		step int
	}
	var edges []edge
	for i := range start {
		edges = append(edges, edge{start[i], 1}, edge{end[i], -1})
	}
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].at != edges[j].at {
			return edges[i].at < edges[j].at
		}
		return edges[i].step < edges[j].step // an end before a start at the same instant
	})
	n, most := 0, 0
	for _, e := range edges {
		n += e.step
		most = max(most, n)
	}
	return most
}

// appEntries are the access log's requests for path prefix (the sampler's
// server-status requests left out).
func appEntries(res *Result, prefix string) []AccessEntry {
	var out []AccessEntry
	for _, e := range res.Access {
		if strings.HasPrefix(e.Request, "GET "+prefix) && !strings.Contains(e.Request, "/server-status") {
			out = append(out, e)
		}
	}
	return out
}

// logTimes are the instants of the run's error-log lines with this AH number.
func logTimes(res *Result, ah string) []time.Duration {
	var out []time.Duration
	for _, l := range res.Run.Log {
		if strings.HasPrefix(l.Msg, ah) {
			out = append(out, l.At)
		}
	}
	return out
}

// A closed population of N users (wrk -cN) never has more than N requests
// outstanding, from the clients' side or Apache's; it starts at its start,
// starts nothing at or after its stop, and its throughput is Little's law's
// N/(R+Z).
func TestRuntimeClosedPopulation(t *testing.T) {
	const users, start, stop = 5, time.Second, 4 * time.Second
	res := runScenario(t, `
name = "closed"
duration = "6s"
[apache]
mpm = "event"
[wsgi]
application_group = "%{GLOBAL}" # threaded children exit at once (docs/model.md §4.8): a shorter test
[app]
import_cpu = "const(20ms)"
import_memory = "2MiB"
request_cpu = "const(1ms)"
request_wait = "const(100ms)"
[workload.population.wrk]
kind = "closed"
users = 5
start = "1s"
stop = "4s"
requests_per_connection = "const(4)"
think_time = "const(20ms)"
`, "")
	var starts, ends []time.Duration
	var latency time.Duration
	for _, r := range res.Requests {
		assert.GreaterOrEqual(t, r.Start, start, "no request before the population's start")
		assert.Less(t, r.Start, stop, "no request starts at or after its stop")
		assert.Equal(t, OK, r.Outcome, "request at %v", r.Start)
		starts, ends = append(starts, r.Start), append(ends, r.End)
		latency += r.Latency()
	}
	require.NotEmpty(t, res.Requests)
	assert.Equal(t, users, maxOverlap(starts, ends), "the users keep exactly N requests outstanding")

	// Apache's view: requests in progress at once, from %{begin}t and %D.
	var begins, finishes []time.Duration
	for _, e := range appEntries(res, "/") {
		assert.Less(t, e.Begin, stop+50*time.Millisecond, "Apache read a request after the stop")
		begins, finishes = append(begins, e.Begin), append(finishes, e.Begin+e.Service)
	}
	assert.Len(t, begins, len(res.Requests))
	assert.LessOrEqual(t, maxOverlap(begins, finishes), users, "never more than N in Apache")

	// Little's law over the 3 s the users run: N/(R+Z).
	r := latency.Seconds() / float64(len(res.Requests))
	want := users / (r + 0.020) * (stop - start).Seconds()
	t.Logf("closed: %d requests, R %.0f ms, Little's law %.0f", len(res.Requests), r*1000, want)
	assert.InEpsilon(t, want, float64(len(res.Requests)), 0.1)

	// Each visit of 4 requests is a new connection: an arrival.
	assert.InDelta(t, float64(len(res.Requests))/4, float64(len(res.Visits)), users)
	arrivals, err := results.Column(res.Run.Rows, "arrivals")
	require.NoError(t, err)
	total := 0.0
	for _, a := range arrivals {
		total += a
	}
	assert.Equal(t, float64(len(res.Visits)), total)
	assert.Zero(t, arrivals[0], "nothing before the start")
	assert.Zero(t, arrivals[4]+arrivals[5], "nothing after the stop")
}

// idleDoc: ten clients connect in the first half second and send nothing;
// mod_reqtimeout's header stage is 2 s (Debian's is 20 s: too long for CI).
// The parent's tick is pinned 0.3 s after the load's start: with AcceptFilter
// none the first three children are pinned by then, so it forks 1, 2 and 4
// children at 0.3, 1.3 and 2.3 s for the connections still queued.
const idleDoc = `
name = "idle"
duration = "7s"
tick_phase = "300ms"
[apache]
mpm = "prefork"
accept_filter = "%s"
request_read_timeout = "header=2-4,minrate=500 body=10,minrate=500"
start_servers = 3
min_spare_servers = 1
max_spare_servers = 20
max_request_workers = 30
[app]
import_cpu = "const(20ms)"
import_memory = "2MiB"
[workload.population.idle]
arrivals = "constant"
requests_per_connection = "const(0)"
idle_before_first = "30s"
[[workload.population.idle.phase]]
duration = "550ms"
rate = 20
[[workload.population.idle.phase]]
duration = "10s"
rate = 0
`

// Clients that connect and send nothing pin a prefork child each with
// AcceptFilter none, until mod_reqtimeout closes them (AH01382) its header
// timeout after a child took them; with AcceptFilter data the kernel keeps
// them out of accept() (TCP_DEFER_ACCEPT, ~31 s: past this run), so no
// child is pinned and nothing times out.
func TestRuntimeIdleConnectionsAndTheAcceptFilter(t *testing.T) {
	none := runScenario(t, fmt.Sprintf(idleDoc, "none"), "")
	data := runScenario(t, fmt.Sprintf(idleDoc, "data"), "")
	busy := func(res *Result) []float64 {
		b, err := results.Column(res.Run.Rows, "busy")
		require.NoError(t, err)
		return b
	}
	// A child a silent connection pins reads it (busy) until
	// mod_reqtimeout gives up, then lingers in its close for up to 2 s
	// (ap_lingering_close: closing): out of service either way. Busy alone
	// peaks lower: the first children are closing before the last forked
	// ones take their connections.
	pinned := func(res *Result) []float64 {
		c, err := results.Column(res.Run.Rows, "closing")
		require.NoError(t, err)
		p := busy(res)
		for i := range p {
			p[i] += c[i]
		}
		return p
	}
	nb, db := pinned(none), pinned(data)
	t.Logf("children busy or closing, per second: none %v, data %v", nb, db)
	peak := 0.0
	for _, b := range nb {
		peak = max(peak, b)
	}
	assert.GreaterOrEqual(t, peak, 6.0, "none: silent connections pin children (10 arrive, 3 children to start with)")
	assert.Greater(t, none.Run.Summary.Peak.ApacheChildren, 6, "none: the parent forks for them")
	closed := logTimes(none, "AH01382")
	require.Len(t, closed, 10, "none: mod_reqtimeout closed every one of them")
	assert.GreaterOrEqual(t, closed[0], 2*time.Second, "none: not before the header timeout")
	assert.Less(t, closed[0], 2700*time.Millisecond, "none: the first, on a child at once, 2 s after it connected")
	nbusy := busy(none)
	assert.Less(t, nbusy[len(nbusy)-1], 1.0, "none: mod_reqtimeout has given up on all of them by the end")

	for i, b := range db {
		assert.Less(t, b, 1.0, "data: no child pinned at %d s", i)
	}
	assert.Empty(t, logTimes(data, "AH01382"), "data: no child ever read from them")
	assert.LessOrEqual(t, data.Run.Summary.Peak.ApacheChildren, 3, "data: no fork for them")
	assert.Zero(t, none.Run.Summary.Requests.Offered+data.Run.Summary.Requests.Offered, "connect-only clients send no request")
	arrivals, err := results.Column(none.Run.Rows, "arrivals")
	require.NoError(t, err)
	assert.Equal(t, 10.0, arrivals[0], "each connects once, in the first half second")
}

// A slow client's request headers: mod_reqtimeout's header stage allows 2 s
// plus a second per 500 bytes received (MinRate), up to 4 s. 400 bytes over
// 3 s (about 130 bytes/s) are below MinRate: Apache answers 408 at ~2.7 s.
// 4000 bytes over 3 s earn their extensions and are served. A client so
// slow that its request line is not in when the time is up gets no answer:
// Apache closes the connection.
func TestRuntimeSlowHeadersBelowMinRate(t *testing.T) {
	res := runScenario(t, `
name = "slow-headers"
duration = "6s"
[apache]
mpm = "prefork"
start_servers = 4
request_read_timeout = "header=2-4,minrate=500 body=10,minrate=500"
[app]
import_cpu = "const(20ms)"
import_memory = "2MiB"
request_cpu = "const(1ms)"
request_wait = "const(1ms)"
[workload]
arrivals = "constant"
header_time = "3s"
client_timeout = "10s"
[workload.population.slow]
header_bytes = 400
[[workload.population.slow.phase]]
duration = "1200ms"
rate = 2
[[workload.population.slow.phase]]
duration = "10s"
rate = 0
[workload.population.fast]
header_bytes = 4000
[[workload.population.fast.phase]]
duration = "1200ms"
rate = 2
[[workload.population.fast.phase]]
duration = "10s"
rate = 0
[workload.population.crawl]
header_bytes = 400
header_time = "150s"
[[workload.population.crawl.phase]]
duration = "600ms"
rate = 2
[[workload.population.crawl.phase]]
duration = "10s"
rate = 0
`, "")
	n := map[string]int{}
	for _, r := range res.Requests {
		n[r.Population]++
		switch r.Population {
		case "slow":
			assert.Equal(t, S408, r.Outcome, "below MinRate: 408")
			assert.InDelta(t, 2.7, r.Latency().Seconds(), 0.2, "when the extended timeout passes")
		case "fast":
			assert.Equal(t, OK, r.Outcome, "above MinRate: served")
			assert.GreaterOrEqual(t, r.Latency(), 3*time.Second, "after its 3 s of headers")
		case "crawl":
			assert.Equal(t, Reset, r.Outcome, "the request line incomplete: closed without an answer")
		}
	}
	assert.Equal(t, map[string]int{"slow": 2, "fast": 2, "crawl": 1}, n)
	assert.Equal(t, int64(2), res.Run.Summary.Requests.Failures.S408)
	assert.Len(t, logTimes(res, "AH01382"), 3, "AH01382: Request header read timeout")
}

// Per-URL costs apply by prefix: [app.urls."/report"] makes /report/…
// take 300 ms in the app while / takes 10 ms, as Apache's %D shows.
func TestRuntimePerURLCosts(t *testing.T) {
	res := runScenario(t, `
name = "per-url"
duration = "4s"
[apache]
mpm = "event"
[wsgi]
application_group = "%{GLOBAL}" # threaded children exit at once (docs/model.md §4.8): a shorter test
[app]
import_cpu = "const(20ms)"
import_memory = "2MiB"
request_cpu = "const(1ms)"
request_wait = "const(10ms)"
[app.urls."/report"]
request_wait = "const(300ms)"
[workload]
arrivals = "constant"
urls = { "/" = 1.0, "/report/daily" = 1.0 }
[[workload.phase]]
duration = "4s"
rate = 10
`, "")
	median := func(es []AccessEntry) time.Duration {
		var d []time.Duration
		for _, e := range es {
			d = append(d, e.Service)
		}
		require.NotEmpty(t, d)
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return d[len(d)/2]
	}
	report := appEntries(res, "/report/daily ")
	all := appEntries(res, "/")
	var plain []AccessEntry
	for _, e := range all {
		if strings.HasPrefix(e.Request, "GET / ") {
			plain = append(plain, e)
		}
	}
	require.Len(t, append(plain, report...), len(res.Requests))
	mr, mp := median(report), median(plain)
	t.Logf("%%D medians: /report/daily %v, / %v", mr, mp)
	assert.GreaterOrEqual(t, mr, 300*time.Millisecond, "the prefix's cost")
	assert.Less(t, mr, 450*time.Millisecond)
	assert.GreaterOrEqual(t, mp, 10*time.Millisecond, "the app's cost")
	assert.Less(t, mp, 100*time.Millisecond)
}

// A replayed access log sends its requests at the logged instants: per
// second, the same requests as the log, and the same connections (%k).
func TestRuntimeReplaySendsTheLoggedInstants(t *testing.T) {
	requireApache(t)
	dir := t.TempDir()
	counts := []int{3, 0, 7, 1, 12, 5}
	origin := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	var b strings.Builder
	for sec, n := range counts {
		for i := 0; i < n; i++ {
			// Away from the seconds' edges, so a few ms of scheduling
			// never move a request to the next second.
			at := origin.Add(time.Duration(sec)*time.Second + 100*time.Millisecond + time.Duration(i)*800*time.Millisecond/time.Duration(n))
			k, port, x := 0, 40000+sec*100+i, "-"
			if sec == 4 { // one connection of 12 requests
				k, port, x = i, 40400, "+"
			}
			if sec == 4 && i == n-1 {
				x = "-"
			}
			fmt.Fprintf(&b, "127.0.0.1 %d %d 1200 %d %s 200 \"GET /p%d HTTP/1.1\"\n", port, at.UnixMilli(), k, x, i)
		}
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "access.log"), []byte(b.String()), 0o644))
	file := filepath.Join(dir, "replay.toml")
	require.NoError(t, os.WriteFile(file, []byte(fmt.Sprintf(`
name = "replay"
duration = "7s"
[apache]
mpm = "event"
[wsgi]
application_group = "%%{GLOBAL}" # threaded children exit at once (docs/model.md §4.8): a shorter test
[app]
import_cpu = "const(20ms)"
import_memory = "2MiB"
request_cpu = "const(1ms)"
request_wait = "const(5ms)"
[workload.population.log]
kind = "replay"
log = "access.log"
log_format = '%s'
`, ReplayLogFormat)), 0o644))
	s, err := scenarios.Load(file, "")
	require.NoError(t, err)
	saved := filepath.Join(dir, "saved.log")
	res, err := Run(t.Context(), s, Options{AccessLog: saved})
	require.NoError(t, err)

	sent := make([]int, len(counts)+1)
	served := make([]int, len(counts)+1)
	byConn := map[int]int{}
	for _, r := range res.Requests {
		assert.Equal(t, OK, r.Outcome)
		sent[int(r.Start/time.Second)]++
		byConn[r.Conn]++
	}
	for _, e := range appEntries(res, "/p") {
		served[int(e.Begin/time.Second)]++
	}
	want := append(append([]int{}, counts...), 0)
	assert.Equal(t, want, sent, "requests sent per second")
	assert.Equal(t, want, served, "requests Apache read per second")
	arrivals, err := results.Column(res.Run.Rows, "arrivals")
	require.NoError(t, err)
	wantConns := []float64{3, 0, 7, 1, 1, 5, 0}
	assert.Equal(t, wantConns, arrivals, "connections per second: the 12 requests of second 4 on one")
	planned, err := Arrivals(s)
	require.NoError(t, err)
	assert.Len(t, planned, 17, "Arrivals plans what the run played")
	assert.Len(t, byConn, 17)

	// The run's own access log, saved, replays as the same traffic: the
	// same requests on the same connections.
	f, err := os.Open(saved)
	require.NoError(t, err)
	defer f.Close()
	format, err := workload.ParseLogFormat(ReplayLogFormat)
	require.NoError(t, err)
	rp, err := workload.NewReplay(f, saved, format, workload.ReplayOptions{}, nil)
	require.NoError(t, err)
	again := map[uint64]int{}
	for req, ok := rp.Next(); ok; req, ok = rp.Next() {
		again[req.Conn]++
		assert.True(t, strings.HasPrefix(req.Path, "/p"), "only the replayed requests: %s", req.Path)
	}
	require.NoError(t, rp.Err())
	assert.Equal(t, 28, rp.Stats().Requests)
	assert.Len(t, again, 17, "the same connections")
	assert.Zero(t, rp.Stats().Malformed+rp.Stats().Orphans)
	_, err = Run(t.Context(), s, Options{AccessLog: saved})
	assert.ErrorContains(t, err, "exists", "never replaces a file")
}

// A replay whose log is bad is refused before Apache starts, as bad input.
func TestRuntimeRefusesABadLogBeforeStarting(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "access.log"), []byte("not a log line\n"), 0o644))
	file := filepath.Join(dir, "bad.toml")
	require.NoError(t, os.WriteFile(file, []byte(`
duration = "5s"
[workload.population.log]
kind = "replay"
log = "access.log"
`), 0o644))
	s, err := scenarios.Load(file, "")
	require.NoError(t, err)
	started := false
	_, err = Run(t.Context(), s, Options{Binary: "/nonexistent/apache2", OnStarted: func(Layout, int) { started = true }})
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrMissing, "the log is checked before Apache is even looked for")
	assert.NotEmpty(t, scenarios.Errors(err), "bad input, naming the population's key")
	assert.Contains(t, err.Error(), "access.log:1")
	assert.False(t, started)
}
