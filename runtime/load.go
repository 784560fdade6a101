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
	"github.com/forkcast/forkcast/workload"
)

// Arrival is one client of an open population: when it connects and the
// requests it carries.
type Arrival struct {
	Index         int    // in the schedule, all open populations together
	Population    string // its population ("" for a workload without populations)
	At            time.Duration
	Requests      []PlannedRequest
	IdleAfterLast time.Duration // the client holds the connection open this long after its last response
	Client        *scenarios.Client
	Stop          time.Duration // its population's stop: no request starts at or after it
}

// PlannedRequest is one request of a client.
type PlannedRequest struct {
	Think  time.Duration // waited after the previous response (0 for the first)
	Path   string
	Static bool
}

// MaxArrivals bounds a schedule's length.
const MaxArrivals = 1_000_000

// Schedule returns the open populations' client connections in time order,
// drawn exactly as the simulator draws them (package workload): arrival
// instants from each population's pacer, and each client's requests,
// targets and think times from its own substream, ids from 1 in arrival
// order within its population. So under one seed runtime mode replays the
// very traffic the simulator predicts for. Closed and replay populations
// are played live (users, replay).
func Schedule(s *scenarios.Scenario, staticPath string) ([]Arrival, error) {
	var out []Arrival
	end := s.Duration.Duration
	for _, pop := range workload.Populations(s) {
		if pop.Kind != "open" {
			continue
		}
		pacer := pop.Pacer()
		for t, ok := pacer.Next(0); ok && time.Duration(t) < end; t, ok = pacer.Next(t) {
			if len(out) >= MaxArrivals {
				return nil, fmt.Errorf("the workload asks for more than %d connections", MaxArrivals)
			}
			out = append(out, Arrival{Population: pop.Name, At: time.Duration(t), Client: pop.Client, Stop: pop.Stop})
		}
	}
	// Draw each client's requests, population by population in arrival
	// order, then merge the populations in time (stable: equal instants
	// keep the populations' name order).
	next := map[string]uint64{}
	pops := map[string]*workload.Population{}
	for _, pop := range workload.Populations(s) {
		pops[pop.Name] = pop
	}
	for i := range out {
		a := &out[i]
		pop := pops[a.Population]
		next[a.Population]++
		a.Requests = planVisit(pop, pop.ClientRand(next[a.Population]), staticPath)
		a.IdleAfterLast = pop.Client.IdleAfterLast.Duration
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	for i := range out {
		out[i].Index = i
	}
	return out, nil
}

// planVisit draws one connection's requests from a client's stream, in
// the order of package workload: how many, then the first's target, then
// each further one's think time and target.
func planVisit(pop *workload.Population, rng *rand.Rand, staticPath string) []PlannedRequest {
	reqs := make([]PlannedRequest, workload.RequestsPerConnection(pop.Client, rng))
	for k := range reqs {
		var pr PlannedRequest
		if k > 0 {
			pr.Think = workload.ThinkTime(pop.Client, rng)
		}
		if i, static := pop.Targets.Draw(rng); static {
			pr.Path, pr.Static = staticPath, true
		} else {
			pr.Path = pop.Targets.Paths[i]
		}
		reqs[k] = pr
	}
	return reqs
}

// Outcome is how a request ended, from the client's side.
type Outcome string

// Outcomes.
const (
	OK            Outcome = "200"
	S408          Outcome = "408" // mod_reqtimeout: the request's headers took too long
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
	Population string
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

// generator plays the traffic: an open population's connections each open
// at their scheduled instant in a goroutine of their own, whether or not
// earlier ones have finished, so a slow server never slows the offered load
// (no coordinated omission); a closed population's users each loop in a
// goroutine; a replay sends the log's requests at their instants. Only
// 127.0.0.1 is ever dialled.
type generator struct {
	addr       string
	host       string
	t0         time.Time
	maxOpen    int64
	staticPath string
	source     string // the scenario file, for replay logs

	mu      sync.Mutex
	records []RequestRecord
	conns   map[net.Conn]struct{}
	visits  []time.Duration // when each closed-population or replay client connected, since t=0
	nextID  int

	sent    atomic.Int64 // attempts written
	open    atomic.Int64 // connections held by clients
	dropped atomic.Int64 // connections not opened because of maxOpen
	wg      sync.WaitGroup
	panicV  atomic.Value
	errV    atomic.Value    // a replay that failed
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

func newGenerator(addr string, s *scenarios.Scenario, t0 time.Time, staticPath string) *generator {
	maxOpen := int64(10000)
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil && lim.Cur > 0 && int64(lim.Cur)-500 < maxOpen {
		maxOpen = max(64, int64(lim.Cur)-500)
	}
	return &generator{
		addr: addr, host: addr, t0: t0, maxOpen: maxOpen, staticPath: staticPath, source: s.Source,
		conns: map[net.Conn]struct{}{}, nextID: 1 << 30,
	}
}

func (g *generator) since() time.Duration { return time.Since(g.t0) }

// run plays every population until ctx ends, and returns once every client
// has finished (the caller cancels ctx at the end of the run, which makes
// in-flight requests Unfinished).
func (g *generator) run(ctx context.Context, s *scenarios.Scenario, sched []Arrival) {
	for _, pop := range workload.Populations(s) {
		switch pop.Kind {
		case "closed":
			for u := 1; u <= pop.Users; u++ {
				g.wg.Add(1)
				go g.user(ctx, pop, uint64(u))
			}
		case "replay":
			g.wg.Add(1)
			go g.replay(ctx, pop)
		}
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for _, a := range sched {
		if !g.sleepUntil(ctx, timer, a.At) {
			break
		}
		g.late = append(g.late, time.Since(g.t0.Add(a.At)))
		if g.open.Load() >= g.maxOpen {
			g.dropped.Add(1)
			continue
		}
		g.open.Add(1)
		g.wg.Add(1)
		go func(a Arrival) {
			defer g.wg.Done()
			defer g.open.Add(-1)
			defer g.recoverPanic()
			g.visit(ctx, a.Index, a.Population, a.Client, a.Requests, a.Stop)
		}(a)
	}
	g.finish(ctx)
}

// sleepUntil waits until the instant at since t=0; false if ctx ended.
func (g *generator) sleepUntil(ctx context.Context, timer *time.Timer, at time.Duration) bool {
	if d := time.Until(g.t0.Add(at)); d > 0 {
		timer.Reset(d)
		select {
		case <-ctx.Done():
			return false
		case <-timer.C:
		}
	}
	return ctx.Err() == nil
}

func (g *generator) recoverPanic() {
	if v := recover(); v != nil {
		g.panicV.CompareAndSwap(nil, fmt.Sprint("load generator: ", v))
	}
}

// connID numbers a client of a closed or replay population (after the
// schedule's) and records when it connected, at since t=0: the simulator
// counts each such visit as an arrival, as it counts each open client.
func (g *generator) connID(at time.Duration) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.nextID++
	g.visits = append(g.visits, at)
	return g.nextID
}

// user is one user of a closed population: from the population's start it
// makes a visit, thinks, and connects again, until its stop. Its draws
// follow package workload's order: a visit's requests, then the think time
// before the next visit.
func (g *generator) user(ctx context.Context, pop *workload.Population, id uint64) {
	defer g.wg.Done()
	defer g.recoverPanic()
	rng := pop.ClientRand(id)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	if !g.sleepUntil(ctx, timer, pop.Start) {
		return
	}
	for visit := 0; ; visit++ {
		if visit > 0 && !sleepCtx(ctx, workload.ThinkTime(pop.Client, rng)) {
			return
		}
		if g.since() >= pop.Stop || ctx.Err() != nil {
			return
		}
		reqs := planVisit(pop, rng, g.staticPath)
		g.open.Add(1)
		g.visit(ctx, g.connID(g.since()), pop.Name, pop.Client, reqs, pop.Stop)
		g.open.Add(-1)
	}
}

// replayRequests reads a replay population's log and calls send with each
// request, in order, at the instant it is due since t=0 (the population's
// start plus the request's offset in the replay), until the log ends, the
// population stops, or send returns false. It is the one definition of
// when a replay sends what: the live replay and Arrivals both use it.
func replayRequests(pop *workload.Population, source string, send func(at time.Duration, req workload.ReplayRequest) bool) error {
	rp, closeLog, err := pop.OpenReplay(source)
	if err != nil {
		return err
	}
	defer closeLog()
	for {
		req, ok := rp.Next()
		if !ok {
			break
		}
		at := pop.Start + req.At
		if at >= pop.Stop || !send(at, req) {
			return nil
		}
	}
	return rp.Err()
}

// Arrivals returns the instants since t=0 at which clients connect, in
// time order, for every population whose arrivals do not depend on the
// server's answers: each open population's clients (Schedule) and each
// replay population's logged connections, a connection at its first
// request. Runtime mode counts these instants as the arrivals of its
// rows, as the simulator counts them. A closed population's users
// reconnect when their previous visit ends, so their arrivals are
// measured during the run instead.
func Arrivals(s *scenarios.Scenario) ([]time.Duration, error) {
	sched, err := Schedule(s, "/static")
	if err != nil {
		return nil, err
	}
	var out []time.Duration
	for _, a := range sched {
		out = append(out, a.At)
	}
	for _, pop := range workload.Populations(s) {
		if pop.Kind != "replay" {
			continue
		}
		seen := map[uint64]bool{}
		err := replayRequests(pop, s.Source, func(at time.Duration, req workload.ReplayRequest) bool {
			if !seen[req.Conn] {
				seen[req.Conn] = true
				out = append(out, at)
			}
			return at < s.Duration.Duration
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	for len(out) > 0 && out[len(out)-1] >= s.Duration.Duration {
		out = out[:len(out)-1]
	}
	return out, nil
}

// replay sends a replay population's requests at their logged instants
// (from the population's start), each connection of the log in a
// goroutine of its own; a request waits for the previous one on its
// connection (HTTP/1.1 without pipelining), but never holds up another
// connection's. A connection the log does not end (LastOnConn false when
// the replay ends) stays open, idle, as a browser keeps it, until the
// server closes it or the run ends — as the simulator keeps it.
func (g *generator) replay(ctx context.Context, pop *workload.Population) {
	defer g.wg.Done()
	defer g.recoverPanic()
	conns := map[uint64]*connQueue{}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	err := replayRequests(pop, g.source, func(at time.Duration, req workload.ReplayRequest) bool {
		if !g.sleepUntil(ctx, timer, at) {
			return false
		}
		path := req.Path
		if req.Static {
			path = g.staticPath
		}
		q := conns[req.Conn]
		if q == nil {
			q = &connQueue{wake: make(chan struct{}, 1)}
			conns[req.Conn] = q
			g.wg.Add(1)
			g.open.Add(1)
			go g.replayConn(ctx, g.connID(at), pop, q)
		}
		// A connection Apache kept alive after its last logged request
		// stays open, idle, until the server closes it (KeptAlive).
		q.push(PlannedRequest{Path: path, Static: req.Static}, req.LastOnConn && !req.KeptAlive)
		if req.LastOnConn {
			delete(conns, req.Conn)
		}
		return true
	})
	if err != nil {
		g.errV.CompareAndSwap(nil, err)
	}
}

// connQueue is a logged connection's requests waiting to be sent: the
// replay pushes them at their instants, never blocking, however far the
// connection is behind.
type connQueue struct {
	mu   sync.Mutex
	reqs []PlannedRequest
	last bool          // the log ends the connection after these
	wake chan struct{} // capacity 1: something was pushed
}

func (q *connQueue) push(pr PlannedRequest, last bool) {
	q.mu.Lock()
	q.reqs = append(q.reqs, pr)
	q.last = last
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// pop returns the next request to send; false when the log ended the
// connection and nothing is left, or the run ended.
func (q *connQueue) pop(ctx context.Context) (PlannedRequest, bool) {
	for {
		q.mu.Lock()
		if len(q.reqs) > 0 {
			pr := q.reqs[0]
			q.reqs = q.reqs[1:]
			q.mu.Unlock()
			return pr, true
		}
		last := q.last
		q.mu.Unlock()
		if last {
			return PlannedRequest{}, false
		}
		select {
		case <-ctx.Done():
			return PlannedRequest{}, false
		case <-q.wake:
		}
	}
}

// replayConn sends one logged connection's requests as they come.
func (g *generator) replayConn(ctx context.Context, id int, pop *workload.Population, q *connQueue) {
	defer g.wg.Done()
	defer g.open.Add(-1)
	defer g.recoverPanic()
	c := &visitor{g: g, ctx: ctx, id: id, pop: pop.Name, client: pop.Client, stop: pop.Stop}
	defer c.closeConn()
	for seq := 0; ; seq++ {
		stop := c.watchIdle()
		pr, ok := q.pop(ctx)
		stop()
		if !ok || !c.request(seq, pr) {
			return
		}
	}
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

// visitor is one client on its connection.
type visitor struct {
	g      *generator
	ctx    context.Context
	id     int
	pop    string
	client *scenarios.Client
	stop   time.Duration
	cc     *clientConn
}

func (v *visitor) closeConn() {
	if v.cc != nil {
		v.g.track(v.cc.c, false)
		v.cc.c.Close()
		v.cc = nil
	}
}

// dial opens the connection.
func (v *visitor) dial(deadline time.Time) error {
	d := net.Dialer{Deadline: deadline}
	c, err := d.DialContext(v.ctx, "tcp4", v.g.addr)
	if err != nil {
		return err
	}
	v.cc = &clientConn{c: c, br: bufio.NewReaderSize(c, 16<<10)}
	v.g.track(c, true)
	if v.ctx.Err() != nil { // finish may have missed this connection
		c.SetDeadline(time.Now())
	}
	return nil
}

// visit is one client's connection: connected, it waits idle_before_first
// (sending nothing), sends its requests with their think times, then holds
// the connection idle_after_last, as a browser does. A client with no
// requests only connects and holds the connection.
func (g *generator) visit(ctx context.Context, id int, pop string, client *scenarios.Client, reqs []PlannedRequest, stop time.Duration) {
	v := &visitor{g: g, ctx: ctx, id: id, pop: pop, client: client, stop: stop}
	defer v.closeConn()
	if idle := client.IdleBeforeFirst.Duration; idle > 0 || len(reqs) == 0 {
		if v.dial(time.Now().Add(time.Minute)) != nil {
			return
		}
		if !sleepCtx(ctx, idle) {
			return
		}
	}
	for k, pr := range reqs {
		if k > 0 {
			stop := v.watchIdle()
			slept := sleepCtx(ctx, pr.Think)
			stop()
			if !slept {
				return // never sent: not offered
			}
		}
		if !v.request(k, pr) {
			return
		}
	}
	v.holdIdle(client.IdleAfterLast.Duration)
}

// request sends one request, with its retries, and records it; false when
// the visit must end (the run ended, or the population stopped).
func (v *visitor) request(seq int, pr PlannedRequest) bool {
	g := v.g
	if v.ctx.Err() != nil || g.since() >= v.stop {
		return false // no request starts after the population's stop
	}
	rec := RequestRecord{Conn: v.id, Seq: seq, Population: v.pop, Path: pr.Path, Static: pr.Static, Start: g.since()}
	for {
		res := g.attempt(v.ctx, &v.cc, v.closeConn, pr.Path, v.client)
		rec.Attempts++
		rec.Outcome, rec.Status, rec.Pid, rec.Group = res.outcome, res.status, res.pid, res.group
		rec.End = g.since()
		if res.outcome == OK || res.outcome == Unfinished || rec.Attempts > v.client.Retries {
			break
		}
		if !sleepCtx(v.ctx, v.client.RetryDelay.Duration) || g.since() >= v.stop {
			break
		}
	}
	g.record(rec)
	return rec.Outcome != Unfinished
}

// watchIdle reads the open connection while the client waits for its next
// request (a think time, a replayed log's gap), as a browser does: when
// Apache closes the connection (KeepAliveTimeout), the client closes its
// side at once. A client that did not read would leave Apache's
// ap_lingering_close waiting out its 2 s read (SECONDS_TO_LINGER in
// server/connection.c) with a prefork child or worker thread in CLOSING —
// what no browser does, and not the traffic the simulator plays. stop ends
// the watch before the next request is sent; a connection the server
// closed meanwhile is then closed, and the next request opens a new one.
func (v *visitor) watchIdle() (stop func()) {
	cc := v.cc
	if cc == nil {
		return func() {}
	}
	var stopping atomic.Bool
	closed := make(chan bool, 1)
	go func() {
		_, err := cc.br.Peek(1)
		gone := err != nil && !stopping.Load()
		if gone {
			cc.c.Close() // the FIN Apache's lingering close waits for
		}
		closed <- gone
	}()
	return func() {
		stopping.Store(true)
		cc.c.SetReadDeadline(time.Now()) // ends the Peek
		if <-closed {
			v.closeConn()
			return
		}
		if v.ctx.Err() == nil { // finish's deadline stays
			cc.c.SetReadDeadline(time.Time{})
		}
	}
}

// holdIdle keeps the connection open, idle, until the server closes it or
// d is over.
func (v *visitor) holdIdle(d time.Duration) {
	if v.cc == nil || d <= 0 {
		return
	}
	c := v.cc.c
	c.SetReadDeadline(time.Now().Add(d))
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-v.ctx.Done():
			c.SetReadDeadline(time.Now())
		case <-done:
		}
	}()
	io.Copy(io.Discard, v.cc.br) // returns on EOF, close or deadline
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
func (g *generator) attempt(ctx context.Context, cc **clientConn, closeConn func(), path string, client *scenarios.Client) attemptResult {
	start := time.Now()
	deadline := start.Add(client.ClientTimeout.Duration)
	if client.ClientTimeout.Duration <= 0 {
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
		g.sent.Add(1)
		err := sendRequest(ctx, *cc, requestText(path, g.host, client.HeaderBytes), client.HeaderTime.Duration, deadline)
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
		case 408:
			r.outcome = S408
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

// requestText is a GET request of path whose request line and headers
// take headerBytes bytes (padded with an X-Forkcast-Pad header), as the
// scenario's header_bytes says: mod_reqtimeout's MinRate counts them.
func requestText(path, host string, headerBytes int) string {
	req := "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: forkcast-runtime\r\nAccept: */*\r\n"
	const pad = "X-Forkcast-Pad: \r\n"
	if n := headerBytes - len(req) - len(pad) - 2; n > 0 {
		req += "X-Forkcast-Pad: " + strings.Repeat("x", n) + "\r\n"
	}
	return req + "\r\n"
}

// sendRequest writes a request; over headerTime when that is set, in
// evenly spaced pieces (a slow client: mod_reqtimeout extends its header
// timeout by the bytes that arrive). Between pieces a slow client looks
// whether the server has answered (mod_reqtimeout's 408) or closed the
// connection, as an HTTP client reading while it sends does, and stops
// sending; the caller then reads what came.
func sendRequest(ctx context.Context, cc *clientConn, req string, headerTime time.Duration, deadline time.Time) error {
	c := cc.c
	if headerTime <= 0 {
		_, err := io.WriteString(c, req)
		return err
	}
	pieces := min(len(req), 50)
	start := time.Now()
	for i := 0; i < pieces; i++ {
		from, to := len(req)*i/pieces, len(req)*(i+1)/pieces
		if _, err := io.WriteString(c, req[from:to]); err != nil {
			return err
		}
		if i < pieces-1 {
			// Piece i+1 is due at its own instant, whatever the peeks took.
			next := start.Add(headerTime * time.Duration(i+1) / time.Duration(pieces-1))
			if !sleepCtx(ctx, time.Until(next)) {
				return ctx.Err()
			}
			// (A deadline already past would fail without reading.)
			c.SetReadDeadline(time.Now().Add(time.Millisecond))
			_, err := cc.br.Peek(1)
			c.SetReadDeadline(deadline)
			if !isTimeout(err) {
				return nil // an answer, or the server's close: read it
			}
		}
	}
	return nil
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
