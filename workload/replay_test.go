package workload

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/sim"
)

var logStart = time.Date(2024, 3, 1, 10, 0, 0, 0, time.FixedZone("", 3600))

// busyLog is a log of 1 s resolution as httpd writes one: requests arrive
// at random instants, counts[s] of them in second s, and take up to 8 s;
// each line is written when its request completes, with the second it
// arrived, so the log's times go backwards by up to 8 s.
func busyLog(seed uint64, seconds int) (log string, counts []int) {
	rng := rand.New(rand.NewPCG(seed, 7))
	type req struct {
		arrived, done time.Duration
		n             int
	}
	var reqs []req
	counts = make([]int, seconds)
	for s := range seconds {
		counts[s] = rng.IntN(40)
		if s%50 == 17 {
			counts[s] = 0 // an idle second
		}
		for range counts[s] {
			at := time.Duration(s)*time.Second + time.Duration(rng.Int64N(int64(time.Second)))
			took := min(time.Duration(rng.ExpFloat64()*float64(300*time.Millisecond)), 8*time.Second)
			reqs = append(reqs, req{at, at + took, len(reqs)})
		}
	}
	slices.SortStableFunc(reqs, func(a, b req) int { return int(a.done - b.done) })
	var b strings.Builder
	for _, r := range reqs {
		at := logStart.Add(r.arrived)
		fmt.Fprintf(&b, "10.0.%d.%d - - %s \"GET /item/%d HTTP/1.1\" 200 %d \"-\" \"test\"\n",
			r.n%200, r.n%7, at.Format("[02/Jan/2006:15:04:05 -0700]"), r.n, 100+r.n%900)
	}
	return b.String(), counts
}

func replayAll(t testing.TB, log, spec string, o ReplayOptions, rng *rand.Rand) ([]ReplayRequest, *Replay) {
	t.Helper()
	rp, err := NewReplay(strings.NewReader(log), "test.log", mustFormat(t, spec), o, rng)
	require.NoError(t, err)
	var out []ReplayRequest
	for {
		q, ok := rp.Next()
		if !ok {
			return out, rp
		}
		out = append(out, q)
	}
}

// perBucket counts requests per step of replay time.
func perBucket(reqs []ReplayRequest, step time.Duration, n int) []int {
	c := make([]int, n)
	for _, q := range reqs {
		i := int(q.At / step)
		if i >= n {
			i = n - 1 // lands in the last bucket so a test sees it
		}
		c[i]++
	}
	return c
}

func assertTimeOrder(t *testing.T, reqs []ReplayRequest) {
	t.Helper()
	for i := 1; i < len(reqs); i++ {
		if reqs[i].At < reqs[i-1].At {
			t.Fatalf("request %d at %v comes after one at %v", i, reqs[i].At, reqs[i-1].At)
		}
	}
}

func TestReplayReproducesPerSecondArrivals(t *testing.T) {
	log, counts := busyLog(1, 300)
	reqs, rp := replayAll(t, log, "combined", ReplayOptions{}, nil)
	require.NoError(t, rp.Err())
	assert.Equal(t, counts, perBucket(reqs, time.Second, len(counts)))
	assertTimeOrder(t, reqs)
	// A 1 s log says nothing of when in its second a request came: the
	// n requests of a second come at i/n of it, in log order.
	i := 0
	for s, n := range counts {
		for j := range n {
			want := time.Duration(s)*time.Second + time.Duration(j)*time.Second/time.Duration(n)
			require.Equal(t, want, reqs[i].At, "request %d of second %d", j, s)
			if j > 0 {
				require.Greater(t, reqs[i].Line, reqs[i-1].Line, "log order within the second")
			}
			i++
		}
	}
	st := rp.Stats()
	assert.Zero(t, st.OutOfOrder, "lines at most 8 s late are reordered within the 60 s look-ahead")
	assert.Equal(t, st.Entries, st.Requests)
	assert.Equal(t, st.Entries, st.Conns, "without %k every request is its own connection")
	assert.True(t, reqs[0].LastOnConn)
	assert.Equal(t, logStart.Truncate(time.Second).UTC(), rp.Origin())
}

func TestReplayRateMultipliesArrivals(t *testing.T) {
	log, counts := busyLog(2, 200)
	total := 0
	for _, c := range counts {
		total += c
	}

	t.Run("k=3 triples every second", func(t *testing.T) {
		reqs, rp := replayAll(t, log, "combined", ReplayOptions{Rate: 3}, nil)
		require.NoError(t, rp.Err())
		got := perBucket(reqs, time.Second, len(counts))
		for s, c := range counts {
			require.Equal(t, 3*c, got[s], "second %d", s)
		}
		assertTimeOrder(t, reqs)
		st := rp.Stats()
		assert.Equal(t, 2*total, st.Duplicates)
		assert.Equal(t, 3*total, st.Requests)
		// The copies of an entry are three clients on three connections.
		conns := map[uint64]int{}
		for _, q := range reqs {
			conns[q.Conn]++
		}
		assert.Len(t, conns, 3*total)
	})

	t.Run("k=0.5 keeps each entry with probability 1/2", func(t *testing.T) {
		reqs, rp := replayAll(t, log, "combined", ReplayOptions{Rate: 0.5}, rand.New(rand.NewPCG(3, 3)))
		require.NoError(t, rp.Err())
		// Binomial(total, 1/2): mean total/2, sd sqrt(total)/2; allow 4 sd.
		assert.InDelta(t, float64(total)/2, float64(len(reqs)), 4*math.Sqrt(float64(total))/2)
		got := perBucket(reqs, time.Second, len(counts))
		for s, c := range counts {
			require.LessOrEqual(t, got[s], c, "second %d", s)
		}
		assert.Equal(t, total, rp.Stats().Thinned+rp.Stats().Replayed)
	})

	t.Run("k=2.5 gives 2 or 3 copies, 2.5 on average", func(t *testing.T) {
		reqs, rp := replayAll(t, log, "combined", ReplayOptions{Rate: 2.5}, rand.New(rand.NewPCG(4, 4)))
		require.NoError(t, rp.Err())
		got := perBucket(reqs, time.Second, len(counts))
		for s, c := range counts {
			require.GreaterOrEqual(t, got[s], 2*c, "second %d", s)
			require.LessOrEqual(t, got[s], 3*c, "second %d", s)
		}
		// 2 + Bernoulli(1/2) per entry: sd sqrt(total)/2.
		assert.InDelta(t, 2.5*float64(total), float64(len(reqs)), 4*math.Sqrt(float64(total))/2)
	})

	t.Run("same stream, same replay", func(t *testing.T) {
		a, _ := replayAll(t, log, "combined", ReplayOptions{Rate: 0.7}, sim.NewStreams(9).Stream("replay"))
		b, _ := replayAll(t, log, "combined", ReplayOptions{Rate: 0.7}, sim.NewStreams(9).Stream("replay"))
		assert.Equal(t, a, b)
	})
}

func TestReplaySpeedCompressesTime(t *testing.T) {
	log, counts := busyLog(5, 120)
	reqs, rp := replayAll(t, log, "combined", ReplayOptions{Speed: 2}, nil)
	require.NoError(t, rp.Err())
	// The log's seconds become half-seconds.
	assert.Equal(t, counts, perBucket(reqs, time.Second/2, len(counts)))
	last := reqs[len(reqs)-1].At
	assert.Less(t, last, 60*time.Second)
	assert.Greater(t, last, 59*time.Second)
}

func TestReplayWindowCutsExactly(t *testing.T) {
	log, counts := busyLog(6, 300)
	reqs, rp := replayAll(t, log, "combined", ReplayOptions{WindowStart: 60 * time.Second, WindowEnd: 120 * time.Second}, nil)
	require.NoError(t, rp.Err())
	assert.Equal(t, counts[60:120], perBucket(reqs, time.Second, 60))
	assert.GreaterOrEqual(t, reqs[0].At, time.Duration(0), "the replay starts at the window's start")
	assert.Less(t, reqs[len(reqs)-1].At, 60*time.Second)
	st := rp.Stats()
	assert.Less(t, st.Lines, strings.Count(log, "\n"), "reading stops once the window has passed")

	t.Run("a window past the log's end is an error", func(t *testing.T) {
		reqs, rp := replayAll(t, log, "combined", ReplayOptions{WindowStart: time.Hour}, nil)
		assert.Empty(t, reqs)
		assert.ErrorContains(t, rp.Err(), "test.log: no request of the log falls in the window from 1h0m0s to the end: its requests span 4m59s from 2024-03-01T09:00:00Z")
	})

	t.Run("a fractional bound on a 1 s log takes whole seconds", func(t *testing.T) {
		reqs, _ := replayAll(t, log, "combined", ReplayOptions{WindowStart: 59500 * time.Millisecond, WindowEnd: 119500 * time.Millisecond}, nil)
		assert.Equal(t, counts[60:120], perBucket(reqs, time.Second, 60))
	})
}

// msecLog writes the instants of arrivals with %{msec}t, in an order where
// each line is written 0–3 s after its request arrived.
func msecLog(seed uint64, n int) (string, []time.Duration) {
	rng := rand.New(rand.NewPCG(seed, 1))
	type line struct{ at, written time.Duration }
	var lines []line
	at := time.Duration(0)
	for range n {
		at += time.Duration(rng.ExpFloat64() * float64(20*time.Millisecond)).Truncate(time.Millisecond)
		lines = append(lines, line{at, at + time.Duration(rng.Int64N(int64(3*time.Second)))})
	}
	want := make([]time.Duration, n)
	for i, l := range lines {
		want[i] = l.at
	}
	slices.SortStableFunc(lines, func(a, b line) int { return int(a.written - b.written) })
	var b strings.Builder
	base := logStart.UnixMilli()
	for _, l := range lines {
		fmt.Fprintf(&b, "%d 192.0.2.1 \"GET /x HTTP/1.1\" 200\n", base+l.at.Milliseconds())
	}
	return b.String(), want
}

func TestReplayUsesExactTimes(t *testing.T) {
	log, want := msecLog(7, 5000)
	reqs, rp := replayAll(t, log, `%{msec}t %h "%r" %>s`, ReplayOptions{}, nil)
	require.NoError(t, rp.Err())
	got := make([]time.Duration, len(reqs))
	for i, q := range reqs {
		got[i] = q.At
	}
	// logStart is on a whole second, which is the replay's origin.
	assert.Equal(t, want, got)

	t.Run("hand-written, with a zone and a fraction", func(t *testing.T) {
		data, err := os.ReadFile("testdata/msec.log")
		require.NoError(t, err)
		reqs, rp := replayAll(t, string(data), `%h [%{%d/%b/%Y %T}t.%{msec_frac}t %{%z}t] "%r" %>s %D`, ReplayOptions{}, nil)
		require.NoError(t, rp.Err())
		var at []time.Duration
		var paths []string
		for _, q := range reqs {
			at, paths = append(at, q.At), append(paths, q.Path)
		}
		assert.Equal(t, []time.Duration{125 * time.Millisecond, 250 * time.Millisecond, time.Second, 1999 * time.Millisecond}, at)
		assert.Equal(t, []string{"/b", "/a", "/d.png", "/c"}, paths)
		assert.Equal(t, 120*time.Millisecond, reqs[0].Served)
		assert.True(t, reqs[2].Static)
	})
}

func TestReplayOutOfOrder(t *testing.T) {
	line := func(sec int, path string) string {
		return fmt.Sprintf("h - - %s \"GET %s HTTP/1.1\" 200 1\n", logStart.Add(time.Duration(sec)*time.Second).Format("[02/Jan/2006:15:04:05 -0700]"), path)
	}
	var b strings.Builder
	for s := range 200 {
		b.WriteString(line(s, fmt.Sprintf("/%d", s)))
		if s == 100 {
			b.WriteString(line(70, "/late-30s")) // within the look-ahead: reordered
		}
		if s == 150 {
			b.WriteString(line(60, "/late-90s")) // beyond it: dropped and reported
		}
	}
	reqs, rp := replayAll(t, b.String(), "common", ReplayOptions{}, nil)
	require.NoError(t, rp.Err())
	assertTimeOrder(t, reqs)
	assert.Len(t, reqs, 201)
	i := slices.IndexFunc(reqs, func(q ReplayRequest) bool { return q.Path == "/late-30s" })
	assert.Equal(t, 70, int(reqs[i].At/time.Second))
	assert.Equal(t, "/70", reqs[i-1].Path, "spread over its second after the line logged before it")
	assert.Equal(t, 1, rp.Stats().OutOfOrder)
	if assert.Len(t, rp.OutOfOrder(), 1) {
		ooo := rp.OutOfOrder()[0]
		assert.Equal(t, 153, ooo.Line)
		assert.Contains(t, ooo.Error(), "test.log:153: logged 1m30s behind the newest line before it")
		assert.Contains(t, ooo.Text, "/late-90s")
	}
}

func TestReplayReportsMalformedLines(t *testing.T) {
	var b strings.Builder
	for i := 1; i <= 1000; i++ {
		if i%40 == 7 { // 25 bad lines: 2.5 %
			fmt.Fprintf(&b, "%d garbage\n", i)
			continue
		}
		fmt.Fprintf(&b, "h - - %s \"GET / HTTP/1.1\" 200 1\n", logStart.Add(time.Duration(i/10)*time.Second).Format("[02/Jan/2006:15:04:05 -0700]"))
	}
	log := b.String()

	reqs, rp := replayAll(t, log, "common", ReplayOptions{MaxMalformed: 0.05}, nil)
	require.NoError(t, rp.Err(), "2.5 % malformed is within 5 %")
	assert.Len(t, reqs, 975)
	assert.Equal(t, 25, rp.Stats().Malformed)
	require.NotEmpty(t, rp.Malformed())
	assert.Equal(t, 7, rp.Malformed()[0].Line, "a bad line is reported with its line number")

	_, rp = replayAll(t, log, "common", ReplayOptions{MaxMalformed: 0.01}, nil)
	var bad *MalformedLogError
	require.True(t, errors.As(rp.Err(), &bad), "%v", rp.Err())
	assert.Equal(t, 25, bad.Bad)
	assert.Equal(t, 1000, bad.Lines)
	msg := rp.Err().Error()
	for _, want := range []string{"test.log: 25 of 1000 lines are malformed (2.5%), more than max_malformed = 0.01 allows",
		"test.log:7: ", "test.log:47: ", "test.log:87: "} {
		assert.Contains(t, msg, want)
	}

	_, err := CheckLog(strings.NewReader(log), "test.log", mustFormat(t, "common"), 0.01)
	assert.Equal(t, rp.Err(), err, "CheckLog refuses before a run what the replay refuses at its end")
	sum, err := CheckLog(strings.NewReader(log), "test.log", mustFormat(t, "common"), 0.05)
	require.NoError(t, err)
	assert.Equal(t, LogSummary{Lines: 1000, Entries: 975, Malformed: 25, First: logStart.UTC(),
		Last: logStart.Add(100 * time.Second).UTC(), Bad: sum.Bad}, sum)
	assert.Len(t, sum.Bad, 10)
}

func TestReplayRefusesEmptyLog(t *testing.T) {
	reqs, rp := replayAll(t, "\n\n", "common", ReplayOptions{}, nil)
	assert.Empty(t, reqs)
	assert.ErrorContains(t, rp.Err(), "test.log: the log has no entries (2 lines read)")
}

func TestReplayGroupsKeepAliveConnections(t *testing.T) {
	data, err := os.ReadFile("testdata/keepalive.log")
	require.NoError(t, err)
	reqs, rp := replayAll(t, string(data), `%h %l %u %t "%r" %>s %b %k %X`, ReplayOptions{}, nil)
	require.NoError(t, rp.Err())
	type req struct {
		line int
		conn uint64
		last bool
	}
	var got []req
	for _, q := range reqs {
		got = append(got, req{q.Line, q.Conn >> 10, q.LastOnConn})
	}
	// Connections A = 1 (lines 1, 5, 6), B = 2 (2, 4, 8), C = 3 (3),
	// D = 4 (7), E = 5 (9), numbered as the replay first uses them.
	assert.Equal(t, []req{
		{1, 1, false}, {2, 2, false}, // two connections of one browser
		{3, 3, true},  // %X '-': closed after one request
		{4, 2, false}, // %k 1: the latest connection of 10.0.0.1 at %k 0 is B
		{5, 1, false}, // then A
		{6, 1, true},  // %k 2 follows A's %k 1; %X '-' closes it
		{7, 4, true},  // %k 3 without a predecessor: an orphan
		{8, 2, true},  // %k 1 again with %X '-': ap_set_keepalive did not count it; continues B
		{9, 5, true},  // no successor in the look-ahead
	}, got)
	st := rp.Stats()
	assert.Equal(t, 5, st.Conns)
	assert.Equal(t, 1, st.Orphans)
}

// A connection's next request must show up in the log before a line more
// than the look-ahead newer than its previous one; past that, the
// connection counts as closed and the request starts a new one.
func TestReplayKeepAliveBeyondLookAhead(t *testing.T) {
	lines := []string{
		`h [01/Mar/2024:10:00:00 +0000] "GET /1 HTTP/1.1" 0 +`,
		`h [01/Mar/2024:10:00:05 +0000] "GET /2 HTTP/1.1" 1 +`,
		`g [01/Mar/2024:10:00:20 +0000] "GET /other HTTP/1.1" 0 -`,
		`h [01/Mar/2024:10:00:30 +0000] "GET /3 HTTP/1.1" 2 +`,
	}
	reqs, rp := replayAll(t, strings.Join(lines, "\n"), `%h %t "%r" %k %X`, ReplayOptions{LookAhead: 10 * time.Second}, nil)
	require.NoError(t, rp.Err())
	require.Len(t, reqs, 4)
	assert.Equal(t, reqs[0].Conn, reqs[1].Conn)
	assert.False(t, reqs[0].LastOnConn)
	assert.True(t, reqs[1].LastOnConn, "the line at 10:00:20 came first: more than 10 s after /2")
	assert.NotEqual(t, reqs[1].Conn, reqs[3].Conn)
	assert.Equal(t, 1, rp.Stats().Orphans)

	// With the default look-ahead of 60 s, /3 continues the connection.
	reqs, rp = replayAll(t, strings.Join(lines, "\n"), `%h %t "%r" %k %X`, ReplayOptions{}, nil)
	require.NoError(t, rp.Err())
	assert.Equal(t, reqs[0].Conn, reqs[3].Conn)
	assert.False(t, reqs[1].LastOnConn)
	assert.True(t, reqs[3].LastOnConn)
	assert.Zero(t, rp.Stats().Orphans)
	// /3 ends the log with %X '+': Apache kept the connection alive, so
	// the client leaves it open; "other" was closed ('-').
	assert.True(t, reqs[3].KeptAlive)
	assert.False(t, reqs[2].KeptAlive)
}

func TestReplayKeepAliveWithClientPort(t *testing.T) {
	// Behind one address (a proxy), two connections interleave; the client
	// port tells them apart where %h alone would take the latest.
	lines := []string{
		`192.0.2.9 40001 [01/Mar/2024:10:00:00 +0000] "GET /a1 HTTP/1.1" 0 +`,
		`192.0.2.9 40002 [01/Mar/2024:10:00:00 +0000] "GET /b1 HTTP/1.1" 0 +`,
		`192.0.2.9 40001 [01/Mar/2024:10:00:01 +0000] "GET /a2 HTTP/1.1" 1 +`,
		`192.0.2.9 40002 [01/Mar/2024:10:00:02 +0000] "GET /b2 HTTP/1.1" 1 -`,
		`192.0.2.9 40001 [01/Mar/2024:10:00:02 +0000] "GET /a3 HTTP/1.1" 2 +`,
	}
	reqs, rp := replayAll(t, strings.Join(lines, "\n"), `%a %{remote}p %t "%r" %k %X`, ReplayOptions{}, nil)
	require.NoError(t, rp.Err())
	conn := map[string]uint64{}
	for _, q := range reqs {
		conn[q.Path] = q.Conn
	}
	assert.Equal(t, conn["/a1"], conn["/a2"])
	assert.Equal(t, conn["/a1"], conn["/a3"])
	assert.Equal(t, conn["/b1"], conn["/b2"])
	assert.NotEqual(t, conn["/a1"], conn["/b1"])

	t.Run("copies are separate connections with the same shape", func(t *testing.T) {
		reqs, _ := replayAll(t, strings.Join(lines, "\n"), `%a %{remote}p %t "%r" %k %X`, ReplayOptions{Rate: 2}, nil)
		byConn := map[uint64][]string{}
		for _, q := range reqs {
			byConn[q.Conn] = append(byConn[q.Conn], q.Path)
		}
		assert.Len(t, byConn, 4)
		for c, paths := range byConn {
			if strings.HasPrefix(paths[0], "/a") {
				assert.Equal(t, []string{"/a1", "/a2", "/a3"}, paths, "conn %x", c)
			} else {
				assert.Equal(t, []string{"/b1", "/b2"}, paths, "conn %x", c)
			}
		}
	})
}

func TestReplaySkipsLinesWithoutRequests(t *testing.T) {
	data, err := os.ReadFile("testdata/combined.log")
	require.NoError(t, err)
	reqs, rp := replayAll(t, string(data), "combined", ReplayOptions{MaxMalformed: 0.2}, nil)
	require.NoError(t, rp.Err())
	st := rp.Stats()
	assert.Equal(t, ReplayStats{Lines: 11, Entries: 9, Malformed: 2, NoRequest: 2, Replayed: 7, Requests: 7, Conns: 7}, st)
	var paths []string
	for _, q := range reqs {
		paths = append(paths, q.Path)
	}
	// In time order: /report.pdf was logged late but arrived in second 0.
	assert.Equal(t, []string{"/", "/static/site.css", "/report.pdf", "/login?next=%2Fhome", "/home", "/health", "/api/items/17"}, paths)
	assert.Equal(t, []bool{false, true, true, false, false, false, false}, func() (s []bool) {
		for _, q := range reqs {
			s = append(s, q.Static)
		}
		return s
	}())
}

func TestReplayOptionsAreChecked(t *testing.T) {
	f := mustFormat(t, "common")
	for _, tc := range []struct {
		o    ReplayOptions
		want string
	}{
		{ReplayOptions{WindowStart: -time.Second}, "must not be negative"},
		{ReplayOptions{WindowStart: time.Minute, WindowEnd: time.Second}, "must be after window_start"},
		{ReplayOptions{Rate: -1}, "rate = -1"},
		{ReplayOptions{Rate: math.NaN()}, "rate = NaN"},
		{ReplayOptions{Rate: 2000}, "at most 1000"},
		{ReplayOptions{Rate: 1.5}, "needs a random stream"},
		{ReplayOptions{Speed: math.Inf(1)}, "speed = +Inf"},
		{ReplayOptions{Speed: 1e-9}, "speed = 1e-09"},
		{ReplayOptions{MaxMalformed: 1.5}, "max_malformed = 1.5"},
		{ReplayOptions{LookAhead: 2 * time.Hour}, "look-ahead"},
	} {
		_, err := NewReplay(strings.NewReader(""), "x.log", f, tc.o, nil)
		if assert.Error(t, err, "%+v", tc.o) {
			assert.Contains(t, err.Error(), "x.log: ")
			assert.Contains(t, err.Error(), tc.want)
		}
	}
	_, err := NewReplay(strings.NewReader(""), "x.log", mustFormat(t, `%h "%r"`), ReplayOptions{}, nil)
	assert.ErrorContains(t, err, "x.log: the log format has no time")
}

func TestIsStaticPath(t *testing.T) {
	for path, want := range map[string]bool{
		"/":                          false,
		"/api/items":                 false,
		"/static/site.css":           true,
		"/static/app.min.JS?v=3":     true,
		"/img/a.b/logo.png#x":        true,
		"/sitemap.xml":               false,
		"/api/data.json":             false,
		"/v1.2/users":                false,
		"/favicon.ico":               true,
		"/download/archive.tar.gz":   true,
		"/search?q=file.css":         false,
		"/fonts/x.woff2":             true,
		"/docs/index.html":           true,
		"/verylongextension.abcdefg": false,
	} {
		assert.Equal(t, want, IsStaticPath(path), path)
	}
}

// A replay of a million lines holds only its look-ahead: the live heap
// stays flat.
func TestReplayMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("replays a million lines")
	}
	const n = 1_000_000 // 100 a second: 10 000 s of log
	rp, err := NewReplay(&genLog{n: n, line: keepAliveLine}, "gen.log",
		mustFormat(t, `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i" %k %X`), ReplayOptions{Rate: 1.5}, rand.New(rand.NewPCG(1, 1)))
	require.NoError(t, err)
	var base, peak uint64
	var last time.Duration
	for i := 1; ; i++ {
		q, ok := rp.Next()
		if !ok {
			break
		}
		if q.At < last {
			t.Fatalf("request %d at %v after one at %v", i, q.At, last)
		}
		last = q.At
		switch {
		case i == 20_000:
			base = liveHeap()
		case i%300_000 == 0:
			peak = max(peak, liveHeap())
		}
	}
	require.NoError(t, rp.Err())
	st := rp.Stats()
	assert.Equal(t, n, st.Entries)
	assert.InDelta(t, 1.5*n, st.Requests, 4*math.Sqrt(n)/2)
	assert.Zero(t, st.OutOfOrder)
	assert.Equal(t, 75, st.Orphans, "only the connections cut at the log's start")
	assert.Equal(t, (10_000+3)*25, st.Conns, "25 a second, and those cut at either end")
	t.Logf("live heap after 20k requests %.2f MB, at most %.2f MB later; %d connections", float64(base)/1e6, float64(peak)/1e6, st.Conns)
	assert.Less(t, int64(peak)-int64(base), int64(2<<20))
	assert.Less(t, peak, uint64(8<<20), "a few MB: the look-ahead of 60 s at 100 lines/s")
}

// keepAliveLine is the i-th line of a log of keep-alive connections of
// four requests each, one a second, 25 new connections a second: 100
// lines a second. Every other line carries the previous second, as a
// request that took a second would, so the log's times go back and forth.
// The connections under way when the log begins (75 lines in its first
// second) have lost their first requests.
func keepAliveLine(i int, buf []byte) []byte {
	slot, p := i/100, i%100
	k := p / 25
	conn := (slot-k)*25 + p%25
	at := time.Unix(1709280000+int64(slot-p%2), 0).UTC()
	x := byte('+')
	if k == 3 {
		x = '-'
	}
	buf = fmt.Appendf(buf, "10.%d.%d.%d - - ", conn%3, conn%101, conn%7)
	buf = at.AppendFormat(buf, "[02/Jan/2006:15:04:05 -0700]")
	return fmt.Appendf(buf, " \"GET %s HTTP/1.1\" 200 1 \"-\" \"%s\" %d %c\n",
		testPaths[((conn+k)%len(testPaths)+len(testPaths))%len(testPaths)], testAgents[(conn%4+4)%4], k, x)
}

func TestReplayStreamsFromAnyReader(t *testing.T) {
	// An io.Reader that returns one byte at a time reads the same.
	log, counts := busyLog(8, 30)
	rp, err := NewReplay(io.LimitReader(oneByte{strings.NewReader(log)}, int64(len(log))), "test.log", mustFormat(t, "combined"), ReplayOptions{}, nil)
	require.NoError(t, err)
	var reqs []ReplayRequest
	for q, ok := rp.Next(); ok; q, ok = rp.Next() {
		reqs = append(reqs, q)
	}
	require.NoError(t, rp.Err())
	assert.Equal(t, counts, perBucket(reqs, time.Second, len(counts)))
}

type oneByte struct{ r io.Reader }

func (o oneByte) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

// httpdFormat is the LogFormat under which Apache 2.4.71 (event MPM,
// KeepAlive On, MaxKeepAliveRequests 3, KeepAliveTimeout 2) wrote
// testdata/httpd-keepalive.log, and the same requests in
// testdata/httpd-combined.log, for a Python client that made: five
// requests on keep-alive connections (the server closes the first after
// three), a request then one with "Connection: close" on one connection,
// an HTTP/1.0 request, two interleaved connections of two requests each,
// and one request left to KeepAliveTimeout.
const httpdFormat = `%h %{c}a %{remote}p %t %{msec}t %{end:usec}t "%r" %>s %b %D %{ms}T %k %X "%{User-agent}i"`

func TestReplayLogWrittenByHttpd(t *testing.T) {
	data, err := os.ReadFile("testdata/httpd-keepalive.log")
	require.NoError(t, err)
	// %k as log_requests_on_connection writes it, %X as
	// log_connection_status does: the third request hits
	// MaxKeepAliveRequests (%k 2, "-"), and the request with Connection:
	// close is not counted by ap_set_keepalive (%k 0 again, "-").
	entries, rd := readAll(t, httpdFormat, string(data))
	require.Zero(t, rd.Bad(), "%v", rd.Malformed())
	var ks []string
	for _, e := range entries {
		ks = append(ks, fmt.Sprintf("%d%c", e.KeepAlive, e.ConnStatus))
	}
	assert.Equal(t, []string{"0+", "1+", "2-", "0+", "1+", "0+", "0-", "0-", "0+", "0+", "1+", "1+", "0+"}, ks)
	assert.Equal(t, 672*time.Microsecond, entries[0].Served)
	assert.Equal(t, time.Duration(1796240309626)*time.Millisecond, time.Duration(entries[0].At.UnixNano()), "%{msec}t, the request's start, wins over %{end:usec}t")

	conns := func(spec string) [][]string {
		reqs, rp := replayAll(t, string(data), spec, ReplayOptions{}, nil)
		require.NoError(t, rp.Err())
		byConn := map[uint64]int{}
		var out [][]string
		for _, q := range reqs {
			i, ok := byConn[q.Conn]
			if !ok {
				i = len(out)
				byConn[q.Conn] = i
				out = append(out, nil)
			}
			last := ""
			if q.LastOnConn {
				last = " last"
			}
			out[i] = append(out[i], strings.TrimPrefix(q.Path, "/index.html")+last)
		}
		return out
	}
	// With the client's port, every connection is found as it was.
	assert.Equal(t, [][]string{
		{"?n=0", "?n=1", "?n=2 last"},
		{"?n=3", "?n=4 last"},
		{"/site.css", "?close last"},
		{"?http10 last"},
		{"/a0", "/a1 last"},
		{"/b0", "/b1 last"},
		{"?idle last"},
	}, conns(httpdFormat))
	// Without it (%{local}p reads the same column and ignores it), the
	// request with Connection: close is taken for a new connection, and
	// the interleaved connections of one address are paired by recency:
	// /a1 joins the latest connection at %k 0, which is /b0's.
	assert.Equal(t, [][]string{
		{"?n=0", "?n=1", "?n=2 last"},
		{"?n=3", "?n=4 last"},
		{"/site.css last"},
		{"?close last"},
		{"?http10 last"},
		{"/a0", "/b1 last"},
		{"/b0", "/a1 last"},
		{"?idle last"},
	}, conns(strings.Replace(httpdFormat, "%{remote}p", "%{local}p", 1)))

	// The combined log of the same requests reads the same requests.
	combined, err := os.ReadFile("testdata/httpd-combined.log")
	require.NoError(t, err)
	again, rd := readAll(t, "combined", string(combined))
	require.Zero(t, rd.Bad())
	require.Len(t, again, len(entries))
	for i, e := range again {
		assert.Equal(t, entries[i].Path, e.Path)
		assert.Equal(t, entries[i].At.Truncate(time.Second), e.At)
		assert.Equal(t, entries[i].Bytes, e.Bytes)
	}
}
