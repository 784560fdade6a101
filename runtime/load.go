package runtime

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
	"github.com/forkcast/forkcast/workload"
)

// Arrival is one client connection of the schedule: when it opens and the
// requests it carries.
type Arrival struct {
	Index         int
	At            time.Duration // since t=0
	Requests      []PlannedRequest
	IdleAfterLast time.Duration // the client holds the connection open this long after its last response
}

// PlannedRequest is one request of a client.
type PlannedRequest struct {
	Think  time.Duration // waited after the previous response (0 for the first)
	Path   string
	Static bool
}

// MaxArrivals bounds a schedule's length.
const MaxArrivals = 1_000_000

// Schedule returns the workload's client connections in time order, drawn
// exactly as the simulator draws them (package workload): arrival instants
// from the seed's "arrivals" stream through the same pacer, and each
// client's requests, targets and think times from its own substream
// ("client", id), ids from 1 in arrival order. So under one seed runtime
// mode replays the very traffic the simulator predicts for.
func Schedule(s *scenarios.Scenario, staticPath string) ([]Arrival, error) {
	st := sim.NewStreams(s.Seed)
	pacer := workload.NewPacer(s.Workload.Phases, s.Workload.Arrivals, st.Stream("arrivals"))
	end := sim.Time(s.Duration.Duration)
	w := s.Workload
	targets := workload.NewTargets(&w.Client)
	var out []Arrival
	for t, ok := pacer.Next(0); ok && t < end; t, ok = pacer.Next(t) {
		if len(out) >= MaxArrivals {
			return nil, fmt.Errorf("the workload asks for more than %d connections", MaxArrivals)
		}
		pcg := st.PCG("client", uint64(len(out)+1))
		cr := rand.New(&pcg)
		a := Arrival{Index: len(out), At: time.Duration(t), IdleAfterLast: w.IdleAfterLast.Duration,
			Requests: make([]PlannedRequest, workload.RequestsPerConnection(&w.Client, cr))}
		for k := range a.Requests {
			var pr PlannedRequest
			if k > 0 {
				pr.Think = workload.ThinkTime(&w.Client, cr)
			}
			if i, static := targets.Draw(cr); static {
				pr.Path, pr.Static = staticPath, true
			} else {
				pr.Path = targets.Paths[i]
			}
			a.Requests[k] = pr
		}
		out = append(out, a)
	}
	return out, nil
}

// Outcome is how a request ended, from the client's side.
type Outcome string

// Outcomes.
const (
	OK            Outcome = "200"
	S500          Outcome = "500" // also any other non-200 status
	S503          Outcome = "503"
	S504          Outcome = "504"
	Refused       Outcome = "refused"
	Reset         Outcome = "reset" // closed without a (complete) response
	ClientTimeout Outcome = "timeout"
	Unfinished    Outcome = "unfinished" // in flight when the run ended (or never sent: generator cap)
)

// RequestRecord is one request as the client saw it. Start is when its first
// attempt began, End when its final outcome was known (both since t=0);
// Latency() is End-Start, retries included.
type RequestRecord struct {
	Conn, Seq  int
	Path       string
	Static     bool
	Start, End time.Duration
	Status     int
	Outcome    Outcome
	Attempts   int
	Pid        int    // X-Forkcast-Pid: the process that ran the app
	Group      string // X-Forkcast-Group: mod_wsgi.process_group ("" embedded)
}

// Latency is the client-side response time.
func (r RequestRecord) Latency() time.Duration { return r.End - r.Start }

// generator replays a schedule open-loop: each connection opens at its
// scheduled instant in its own goroutine, whether or not earlier ones have
// finished, so a slow server never slows the offered load (no coordinated
// omission). Only 127.0.0.1 is ever dialled.
type generator struct {
	addr       string
	host       string
	t0         time.Time
	timeout    time.Duration
	retries    int
	retryDelay time.Duration
	maxOpen    int64

	mu      sync.Mutex
	records []RequestRecord
	conns   map[net.Conn]struct{}

	sent    atomic.Int64 // attempts written
	open    atomic.Int64 // connections held by clients
	dropped atomic.Int64 // connections not opened because of maxOpen
	wg      sync.WaitGroup
	panicV  atomic.Value
	late    []time.Duration // how late the timer woke for each arrival (run's goroutine only)
}

// lateness returns the mean and 99th percentile of how late the timer woke
// for the arrivals, in ms: the clock's resolution as a load generator has it.
func (g *generator) lateness() (mean, p99 float64) {
	if len(g.late) == 0 {
		return 0, 0
	}
	v := make([]float64, len(g.late))
	for i, d := range g.late {
		v[i] = float64(d) / float64(time.Millisecond)
		mean += v[i]
	}
	sort.Float64s(v)
	return mean / float64(len(v)), quantile(v, 0.99)
}

func newGenerator(addr string, s *scenarios.Scenario, t0 time.Time) *generator {
	maxOpen := int64(10000)
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil && lim.Cur > 0 && int64(lim.Cur)-500 < maxOpen {
		maxOpen = max(64, int64(lim.Cur)-500)
	}
	return &generator{
		addr: addr, host: addr, t0: t0,
		timeout: s.Workload.ClientTimeout.Duration, retries: s.Workload.Retries,
		retryDelay: s.Workload.RetryDelay.Duration, maxOpen: maxOpen,
		conns: map[net.Conn]struct{}{},
	}
}

func (g *generator) since() time.Duration { return time.Since(g.t0) }

// run opens the schedule's connections at their instants until ctx ends, and
// returns once every client has finished (the caller cancels ctx at the end
// of the run, which makes in-flight requests Unfinished).
func (g *generator) run(ctx context.Context, sched []Arrival) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for _, a := range sched {
		at := g.t0.Add(a.At)
		if d := time.Until(at); d > 0 {
			timer.Reset(d)
			select {
			case <-ctx.Done():
				g.finish(ctx)
				return
			case <-timer.C:
			}
		} else if ctx.Err() != nil {
			break
		}
		g.late = append(g.late, time.Since(at))
		if g.open.Load() >= g.maxOpen {
			g.dropped.Add(1)
			continue
		}
		g.open.Add(1)
		g.wg.Add(1)
		go g.client(ctx, a)
	}
	g.finish(ctx)
}

// finish waits for ctx's end, unblocks every client and waits for them.
func (g *generator) finish(ctx context.Context) {
	<-ctx.Done()
	g.mu.Lock()
	for c := range g.conns {
		c.SetDeadline(time.Now())
	}
	g.mu.Unlock()
	g.wg.Wait()
}

func (g *generator) record(r RequestRecord) {
	g.mu.Lock()
	g.records = append(g.records, r)
	g.mu.Unlock()
}

func (g *generator) track(c net.Conn, on bool) {
	g.mu.Lock()
	if on {
		g.conns[c] = struct{}{}
	} else {
		delete(g.conns, c)
	}
	g.mu.Unlock()
}

// sleepCtx sleeps d, or less if ctx ends; it reports whether it slept fully.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// clientConn is one open connection and its reader.
type clientConn struct {
	c  net.Conn
	br *bufio.Reader
}

func (g *generator) client(ctx context.Context, a Arrival) {
	defer g.wg.Done()
	defer g.open.Add(-1)
	defer func() {
		if v := recover(); v != nil {
			g.panicV.CompareAndSwap(nil, fmt.Sprint("load generator: ", v))
		}
	}()
	var cc *clientConn
	closeConn := func() {
		if cc != nil {
			g.track(cc.c, false)
			cc.c.Close()
			cc = nil
		}
	}
	defer closeConn()
	for k, pr := range a.Requests {
		if k > 0 && !sleepCtx(ctx, pr.Think) {
			return // never sent: not offered
		}
		if ctx.Err() != nil {
			return
		}
		rec := RequestRecord{Conn: a.Index, Seq: k, Path: pr.Path, Static: pr.Static, Start: g.since()}
		for {
			res := g.attempt(ctx, &cc, closeConn, pr.Path)
			rec.Attempts++
			rec.Outcome, rec.Status, rec.Pid, rec.Group = res.outcome, res.status, res.pid, res.group
			rec.End = g.since()
			if res.outcome == OK || res.outcome == Unfinished || rec.Attempts > g.retries {
				break
			}
			if !sleepCtx(ctx, g.retryDelay) {
				break
			}
		}
		g.record(rec)
		if rec.Outcome == Unfinished {
			return
		}
	}
	// Keep the connection open, idle, like a browser does, until the server
	// closes it or the client's idle time is over.
	if cc != nil && a.IdleAfterLast > 0 {
		c := cc.c
		c.SetReadDeadline(time.Now().Add(a.IdleAfterLast))
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-ctx.Done():
				c.SetReadDeadline(time.Now())
			case <-done:
			}
		}()
		io.Copy(io.Discard, cc.br) // returns on EOF, close or deadline
	}
}

type attemptResult struct {
	outcome Outcome
	status  int
	pid     int
	group   string
}

// attempt sends one request, on the open connection if there is one. A
// reused connection the server closed meanwhile (keep-alive timeout) is
// reopened once transparently, as browsers do.
func (g *generator) attempt(ctx context.Context, cc **clientConn, closeConn func(), path string) attemptResult {
	start := time.Now()
	deadline := start.Add(g.timeout)
	if g.timeout <= 0 {
		deadline = start.Add(24 * time.Hour)
	}
	for try := 0; try < 2; try++ {
		reused := *cc != nil
		if !reused {
			d := net.Dialer{Deadline: deadline}
			c, err := d.DialContext(ctx, "tcp4", g.addr)
			if err != nil {
				return attemptResult{outcome: g.classify(ctx, err)}
			}
			*cc = &clientConn{c: c, br: bufio.NewReaderSize(c, 16<<10)}
			g.track(c, true)
			if ctx.Err() != nil { // finish may have missed this connection
				c.SetDeadline(time.Now())
			}
		}
		c := (*cc).c
		c.SetDeadline(deadline)
		req := "GET " + path + " HTTP/1.1\r\nHost: " + g.host + "\r\nUser-Agent: forkcast-runtime\r\nAccept: */*\r\n\r\n"
		g.sent.Add(1)
		_, err := io.WriteString(c, req)
		var resp response
		if err == nil {
			resp, err = readResponse((*cc).br)
		}
		if err != nil {
			closeConn()
			if reused && !resp.gotAny && ctx.Err() == nil && !isTimeout(err) {
				continue // the server closed an idle keep-alive connection
			}
			return attemptResult{outcome: g.classify(ctx, err)}
		}
		if resp.close {
			closeConn()
		}
		r := attemptResult{status: resp.status, pid: resp.pid, group: resp.group}
		switch resp.status {
		case 200:
			r.outcome = OK
		case 503:
			r.outcome = S503
		case 504:
			r.outcome = S504
		default:
			r.outcome = S500
		}
		return r
	}
	return attemptResult{outcome: Reset}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (g *generator) classify(ctx context.Context, err error) Outcome {
	switch {
	case ctx.Err() != nil:
		return Unfinished
	case errors.Is(err, syscall.ECONNREFUSED):
		return Refused
	case isTimeout(err):
		return ClientTimeout
	}
	return Reset
}

// response is what the generator keeps of an HTTP response.
type response struct {
	status int
	close  bool
	pid    int
	group  string
	gotAny bool // some bytes arrived
}

// readResponse reads one HTTP/1.x response, its body included.
func readResponse(br *bufio.Reader) (response, error) {
	var r response
	line, err := br.ReadString('\n')
	if len(line) > 0 {
		r.gotAny = true
	}
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return r, err
	}
	f := strings.Fields(line)
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/1.") {
		return r, fmt.Errorf("bad status line %q", line)
	}
	r.status, err = strconv.Atoi(f[1])
	if err != nil {
		return r, fmt.Errorf("bad status line %q", line)
	}
	r.close = f[0] == "HTTP/1.0"
	length, chunked := int64(-1), false
	for {
		h, err := br.ReadString('\n')
		if err != nil {
			return r, unexpected(err)
		}
		h = strings.TrimRight(h, "\r\n")
		if h == "" {
			break
		}
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "content-length":
			length, _ = strconv.ParseInt(v, 10, 64)
		case "transfer-encoding":
			chunked = strings.Contains(strings.ToLower(v), "chunked")
		case "connection":
			lv := strings.ToLower(v)
			if strings.Contains(lv, "close") {
				r.close = true
			} else if strings.Contains(lv, "keep-alive") {
				r.close = false
			}
		case "x-forkcast-pid":
			r.pid, _ = strconv.Atoi(v)
		case "x-forkcast-group":
			r.group = v
		}
	}
	switch {
	case chunked:
		for {
			szLine, err := br.ReadString('\n')
			if err != nil {
				return r, unexpected(err)
			}
			sz, err := strconv.ParseInt(strings.TrimSpace(strings.SplitN(szLine, ";", 2)[0]), 16, 64)
			if err != nil {
				return r, fmt.Errorf("bad chunk size %q", szLine)
			}
			if sz == 0 {
				for { // trailers
					t, err := br.ReadString('\n')
					if err != nil {
						return r, unexpected(err)
					}
					if strings.TrimRight(t, "\r\n") == "" {
						return r, nil
					}
				}
			}
			if _, err := io.CopyN(io.Discard, br, sz+2); err != nil {
				return r, unexpected(err)
			}
		}
	case length >= 0:
		if _, err := io.CopyN(io.Discard, br, length); err != nil {
			return r, unexpected(err)
		}
	default:
		r.close = true
		if _, err := io.Copy(io.Discard, br); err != nil {
			return r, err
		}
	}
	return r, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
