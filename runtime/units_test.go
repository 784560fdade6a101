package runtime

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const schedSrc = `
duration = "20s"
seed = 3
[workload]
arrivals = "poisson"
static_fraction = 0.25
requests_per_connection = "uniform(1, 5)"
think_time = "exp(1s)"
[workload.urls]
"/a" = 3
"/b" = 1
[[workload.phase]]
duration = "10s"
rate = 20
[[workload.phase]]
duration = "5s"
shape = "ramp"
rate = 0
to = 40
`

func TestScheduleSeededAndShaped(t *testing.T) {
	s := mustParse(t, schedSrc, "")
	a, err := Schedule(s, "/static/page.html")
	require.NoError(t, err)
	b, err := Schedule(s, "/static/page.html")
	require.NoError(t, err)
	assert.Equal(t, a, b, "same seed, same schedule")

	first, second, after, static, reqs, paths := 0, 0, 0, 0, 0, map[string]int{}
	for i, x := range a {
		assert.Less(t, x.At, 20*time.Second, "nothing after the run")
		if x.At >= 15*time.Second {
			after++
		}
		if i > 0 {
			assert.GreaterOrEqual(t, x.At, a[i-1].At)
		}
		switch {
		case x.At < 10*time.Second:
			first++
		case x.At < 15*time.Second:
			second++
		}
		assert.True(t, len(x.Requests) >= 1 && len(x.Requests) <= 5)
		for _, r := range x.Requests {
			reqs++
			if r.Static {
				static++
			} else {
				paths[r.Path]++
			}
		}
	}
	assert.InDelta(t, 200, first, 45, "10 s at 20/s")
	assert.InDelta(t, 100, second, 35, "a 5 s ramp 0→40/s")
	assert.InDelta(t, 200, after, 50, "the last phase holds its end rate, 40/s, to the end of the run")
	assert.InDelta(t, 0.25, float64(static)/float64(reqs), 0.06)
	assert.InDelta(t, 3, float64(paths["/a"])/float64(paths["/b"]), 0.8)

	s.Seed = 4
	c, _ := Schedule(s, "/static/page.html")
	assert.NotEqual(t, a, c, "another seed, another schedule")
}

func TestScheduleConstant(t *testing.T) {
	s := mustParse(t, "duration = \"3s\"\n[workload]\narrivals = \"constant\"\n[[workload.phase]]\nduration = \"3s\"\nrate = 2\n", "")
	a, err := Schedule(s, "/s")
	require.NoError(t, err)
	var at []time.Duration
	for _, x := range a {
		at = append(at, x.At)
	}
	assert.Equal(t, []time.Duration{500 * time.Millisecond, time.Second, 1500 * time.Millisecond, 2 * time.Second, 2500 * time.Millisecond}, at,
		"evenly spaced at 1/rate from the phase's start, until the end of the run")
}

func TestParseStatus(t *testing.T) {
	sb := parseStatus([]byte("BusyWorkers: 3\nConnsAsyncKeepAlive: 4\nScoreboard: __SRWKKC.._G\n"))
	require.NotNil(t, sb)
	assert.Equal(t, Scoreboard{Starting: 1, Idle: 3, Busy: 2, KeepAlive: 2, Closing: 1, Parked: 4}, *sb,
		"R, W and G are busy; our own request (one W) is not counted")
	assert.Nil(t, parseStatus([]byte("<html>")))
}

func TestParseErrorLine(t *testing.T) {
	l, at, ok := parseErrorLine("[Sun Nov 22 00:05:49.500000 2026] [wsgi:error] [pid 17393:tid 1] [remote 127.0.0.1:34460] mod_wsgi (pid=17393): Queue timeout expired.")
	require.True(t, ok)
	assert.Equal(t, rawLogLine{Module: "wsgi", Level: "error", PID: 17393, Msg: "mod_wsgi (pid=17393): Queue timeout expired."}, l)
	assert.Equal(t, time.Date(2026, 11, 22, 0, 5, 49, 500e6, time.UTC), at)
	_, _, ok = parseErrorLine("garbage")
	assert.False(t, ok)
}

func TestReadResponse(t *testing.T) {
	in := "HTTP/1.1 504 Gateway Timeout\r\nContent-Length: 3\r\nX-Forkcast-Pid: 12\r\nX-Forkcast-Group: app\r\n\r\nabc" +
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"
	br := bufio.NewReader(strings.NewReader(in))
	r, err := readResponse(br)
	require.NoError(t, err)
	assert.Equal(t, response{status: 504, pid: 12, group: "app", gotAny: true}, r)
	r, err = readResponse(br)
	require.NoError(t, err)
	assert.True(t, r.close)
	_, err = readResponse(br)
	assert.Error(t, err, "a truncated body is a reset")
}

func TestReadImportsBeforeAndAfterT0(t *testing.T) {
	l := Layout{Root: t.TempDir()}
	require.NoError(t, os.MkdirAll(l.VarDir(), 0o755))
	t0 := time.Unix(1000, 0)
	require.NoError(t, os.WriteFile(l.ImportLog(), []byte(
		"begin 7 999.5 (wsgi:app)\nimport 7 999.5 999.9 (wsgi:app)\nbegin 8 1001.0 /usr/sbin/apache2\n"), 0o644))
	sm := newSampler(l, 1, newRunClock(t0), time.Second, false)
	sm.readImports()
	require.Len(t, sm.importList, 2)
	assert.Equal(t, Import{Pid: 7, Argv0: "(wsgi:app)", Start: -500 * time.Millisecond, End: -100 * time.Millisecond, Done: true}, *sm.importList[0],
		"a preload before t=0 is finished, not in progress")
	assert.Equal(t, Import{Pid: 8, Argv0: "/usr/sbin/apache2", Start: time.Second}, *sm.importList[1])
}

func TestMinorVersion(t *testing.T) {
	for in, want := range map[string]string{"4.9.4": "4.9", "5.0.2": "5.0", "6.0": "6.0", "": ""} {
		assert.Equal(t, want, minorVersion(in), in)
	}
}

// Throughput is completions over the time the load ran — the scenario's
// duration, counted from the load's start, not from Apache's — whatever
// else the run recorded (failures, unfinished requests, log lines before
// t=0).
func TestThroughputIsCompletionsOverTheLoadsDuration(t *testing.T) {
	s := mustParse(t, "duration = \"20s\"\ninterval = \"1s\"\n[[workload.phase]]\nduration = \"5s\"\nrate = 2\n", "")
	res := &Result{}
	for i := range 50 {
		res.Requests = append(res.Requests, RequestRecord{Conn: i, Start: time.Duration(i) * 300 * time.Millisecond,
			End: time.Duration(i)*300*time.Millisecond + 50*time.Millisecond, Outcome: OK, Status: 200})
	}
	res.Requests = append(res.Requests, RequestRecord{Conn: 51, Start: 19 * time.Second, Outcome: Unfinished},
		RequestRecord{Conn: 52, Start: 2 * time.Second, End: 3 * time.Second, Outcome: S503, Status: 503})
	run := aggregate(s, time.Now(), nil, res, nil, nil, nil)
	assert.Equal(t, int64(50), run.Summary.Requests.Completed)
	assert.InDelta(t, 50.0/20, run.Summary.Throughput, 1e-12)
	assert.Equal(t, 20.0, run.Summary.DurationS)
}

// The sampler reads a process's memory once a memory period, the first
// time it sees it too, and carries it in between: reading smaps_rollup
// ten times a second slowed a memory-heavy server's requests twofold.
func TestSamplerReadsMemoryOncePerPeriod(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("needs python3")
	}
	// A child of this test that grows by 64 MiB when told to, and says so.
	cmd := exec.Command(py, "-u", "-c", "import sys\nprint('started')\nsys.stdin.readline()\n"+
		"b = bytearray(b'\\x01') * (64 << 20)\nprint('grown')\nsys.stdin.readline()")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	lines := bufio.NewScanner(stdout)
	said := func(want string) {
		require.True(t, lines.Scan(), "the child ended before saying %q", want)
		require.Equal(t, want, lines.Text())
	}
	l := Layout{Root: t.TempDir()}
	sm := newSampler(l, os.Getpid(), newRunClock(time.Now()), 100*time.Millisecond, false)
	// The sampler's clock is moved by hand below, so a slow machine's
	// pauses cannot make a period pass or not.
	sm.memPeriod = time.Hour
	private := func() int64 {
		for _, c := range sm.sweep(false).Children {
			if c.Pid == cmd.Process.Pid {
				return c.Private
			}
		}
		t.Fatal("the child was not seen")
		return 0
	}
	said("started")
	first := private()
	_, err = io.WriteString(stdin, "grow\n")
	require.NoError(t, err)
	said("grown")
	assert.Equal(t, first, private(), "within the period: the memory read last")
	sm.t0 = sm.t0.Add(-sm.memPeriod) // a period later
	assert.Greater(t, private(), first+60<<20, "a period later: read again")
}

// Runtime mode's own CPU interval by interval: between the last samples of
// consecutive intervals; an interval without a sample repeats the last.
func TestObserverByInterval(t *testing.T) {
	ms := time.Millisecond
	var samples []Sample
	for at := 100 * ms; at < 2*time.Second; at += 100 * ms {
		// 0.1 core in the first second, 0.3 in the second, from 50 ms at t=0.
		cpu := 50*ms + at/10
		if at > time.Second {
			cpu = 50*ms + 100*ms + (at-time.Second)*3/10
		}
		samples = append(samples, Sample{At: at, SelfCPU: cpu})
	}
	got := observerByInterval(samples, 50*ms, time.Second, 3)
	require.Len(t, got, 3)
	assert.InDelta(t, 0.1, got[0], 0.001)
	assert.InDelta(t, 0.3, got[1], 0.02, "from the last sample of the first second (0.9 s) to 1.9 s")
	assert.Equal(t, got[1], got[2], "no sample in the third second")
}

// A sample whose status request found no idle worker knows the workers are
// taken, not by what: a prefork child holding a keep-alive connection is
// taken too. Such samples split them as the last scoreboard did, so a
// surge of keep-alive connections is not shown as requests in progress.
func TestSaturatedSamplesSplitLikeTheLastScoreboard(t *testing.T) {
	s := mustParse(t, "duration = \"3s\"\ninterval = \"1s\"\n[apache]\nmpm = \"prefork\"\n[[workload.phase]]\nduration = \"3s\"\nrate = 1\n", "")
	children := func(n int) []ProcInfo {
		var ps []ProcInfo
		for i := range n {
			ps = append(ps, ProcInfo{Pid: 10 + i})
		}
		return ps
	}
	res := &Result{Samples: []Sample{
		// Second 0: saturated before any scoreboard showed a taken worker.
		{At: 500 * time.Millisecond, Children: children(4), Saturated: true},
		// Second 1: one request in progress, three keep-alive waits.
		{At: 1500 * time.Millisecond, Children: children(4), Status: &Scoreboard{Busy: 1, KeepAlive: 3}},
		// Second 2: eight children, none idle.
		{At: 2500 * time.Millisecond, Children: children(8), Saturated: true},
	}}
	run := aggregate(s, time.Now(), nil, res, nil, nil, nil)
	require.Len(t, run.Rows, 3)
	assert.Equal(t, 4.0, run.Rows[0].Busy, "nothing known: all busy")
	assert.Equal(t, [2]float64{1, 3}, [2]float64{run.Rows[1].Busy, run.Rows[1].KeepAlive})
	assert.Equal(t, [2]float64{2, 6}, [2]float64{run.Rows[2].Busy, run.Rows[2].KeepAlive}, "split 1:3")
	assert.Zero(t, run.Rows[2].Idle)
}

// The app's import is import_cpu of CPU, its memory's touches included.
// Given host.memory_touch_cpu (on a host where first touches beyond
// memory_warm cost more), it leaves that much per MiB for its touches and
// they take what they take, as a real import's would (docs/model.md §8.5):
// here 5 ms per MiB, far more than a touch costs, so the import is that
// much shorter than import_cpu.
func TestAppLeavesTheWarmTouchCostForItsMemory(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 is missing: CI installs it")
		}
		t.Skip("needs python3")
	}
	importCPU := func(host string) float64 {
		l := Layout{Root: t.TempDir()}
		s := mustParse(t, host+"[app]\nimport_cpu = \"const(300ms)\"\nimport_memory = \"40MiB\"\n[[workload.phase]]\nduration = \"1s\"\nrate = 1\n", "")
		require.NoError(t, writeApp(s, l))
		out, err := exec.Command(py, "-c", "import time\nt = time.thread_time()\nexec(open("+strconv.Quote(l.Script())+").read())\nprint(time.thread_time() - t)").Output()
		require.NoError(t, err)
		v, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
		require.NoError(t, err)
		return v
	}
	plain := importCPU("")
	warm := importCPU("[host]\nmemory_touch_cpu = \"5ms\"\nmemory_touch_cold_cpu = \"10ms\"\n")
	t.Logf("the import's CPU: %.3f s; leaving 5 ms per MiB for the touches: %.3f s", plain, warm)
	assert.InDelta(t, 0.3, plain, 0.05, "import_cpu, its touches included")
	assert.Less(t, warm, plain-0.1, "200 ms left for touches that take far less")
}

// The status requests' delays after their ticks are kept as deciles, each
// an observed value: 0%, 10%, …, 100%.
func TestDeciles(t *testing.T) {
	assert.Nil(t, deciles(nil))
	assert.Equal(t, []float64{7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}, deciles([]float64{7}))
	var xs []float64
	for i := 100; i >= 0; i-- { // 0..100, given in reverse
		xs = append(xs, float64(i)+0.0001)
	}
	assert.Equal(t, []float64{0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100}, deciles(xs), "sorted and rounded to the µs")
	assert.Equal(t, 100.0001, xs[0], "the caller's values are left as they were")
}
