package models

import (
	"math"
	"math/rand/v2"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
	"github.com/forkcast/forkcast/workload"
)

// A request is one HTTP request a client makes, with everything random about
// it drawn when the client creates it, from the client's own substream: so
// under one seed every variant of a scenario sees the same requests
// (common random numbers), whatever order the server serves them in.
type request struct {
	path      string
	static    bool
	group     string   // mod_wsgi process group serving it ("" embedded)
	cpu, wait sim.Time // the app's CPU and I/O wait for this request
	growth    float64  // the private memory it leaves in its process
	sent      sim.Time // when its first byte was sent (this attempt)
	header    sim.Time // how long sending its line and headers takes (slow clients)
	bytes     int      // the size of its line and headers
	first     sim.Time // when the client first sent it
	read      sim.Time // r->request_time: when Apache read it (queue-timeout counts from here)
	tries     int      // retries used
	attempt   int      // incremented per send, to ignore stale answers
	connects  int      // mod_wsgi: daemon connection attempts (script reload rejections)
	refs      int      // holders (see releaseRequest)
}

// A conn is one TCP connection from a client (or the parent's dummy
// connection that wakes an idle prefork child to die).
type conn struct {
	client       *client
	dummy        bool
	child        *child
	worker       *worker
	pending      *request // sent by the client, not yet read by Apache
	keepalives   int      // c->keepalives: responses sent with keep-alive
	serverClosed bool
	clientClosed bool
	parked       bool     // event: in the keep-alive queue, held by no thread
	parkedUntil  sim.Time // event: KeepAliveTimeout expiry
	synTries     int
	deferred     bool     // AcceptFilter data: the kernel holds it until data (or the defer period) comes
	deferUntil   sim.Time // the end of the defer period
	refs         int      // holders (see releaseConn)
	poolServed   int32    // worker/event: connections its transaction pool has served, this one included
}

// A client opens a connection on the scenario's schedule and sends its
// requests one after another on it, thinking between them; a new connection
// is opened when the server has closed the previous one. After its last
// response it keeps the connection open idle_after_last, as browsers do.
type client struct {
	s        *server
	pop      *population
	cl       *scenarios.Client // how it behaves: its population's client keys
	user     bool              // a closed population's user: it visits again after thinking
	pcg      rand.PCG          // the client's behaviour (workload's draws, in their order)
	rng      rand.Rand
	svcPCG   rand.PCG // its requests' service times
	svc      rand.Rand
	left     int // requests still to make after the current one
	conn     *conn
	req      *request
	timer    sim.Timer   // think time, idle time, retry delay, SYN retransmission
	then     clientTimer // what timer does when it fires
	retry    *request    // the request a retry sends
	deadline int         // its outstanding request's client_timeout: its entry in pop.deadlines, plus one, or 0
	onTimer  timerFired  // the timer's handler, inside the client so it costs no allocation

	// an open population's arrival, its first draws made ahead (visit)
	drawnAhead bool
	requests   int   // RequestsPerConnection of its visit
	firstDrawn drawn // its first request

	// a replay's client: the logged connection and its requests to send
	replayConn  uint64
	replayQueue []workload.ReplayRequest
	replayLast  bool // the log says the connection ends after the queue
	replayKeep  bool // … but Apache kept it alive: idle until the server closes it

	answer int // the status of the response on its way (receiving)

	tick int64 // a user on a clock (scenarios.Ticker): the tick it last sent at, 0 its start
}

type timerFired struct{ c *client }

func (h *timerFired) Fire() { h.c.fire() }

// clientTimer is what a client's timer is waiting for.
type clientTimer uint8

const (
	waiting   clientTimer = iota // for nothing: an idle replay client
	thinking                     // then send the next request
	idling                       // then close the connection
	retrying                     // then send c.retry again
	resending                    // then retransmit the SYN of c.conn
	first                        // idle_before_first is over: send the first request
	revisit                      // a user's think time is over: connect again
	arriving                     // the load generator's timer is late: start the visit
	receiving                    // the response is on its way (host.response_delay): receive c.req
)

// newClient returns the population's client number id, reusing one whose
// visit is over.
func (pop *population) newClient(id uint64) *client {
	return pop.clientWith(pop.clients.PCG(id), pop.service.PCG(id))
}

// newVisitor returns the client of an open population's arrival, its first
// draws made (visit).
func (pop *population) newVisitor(v *visit) *client {
	c := pop.clientWith(v.pcg, v.svc)
	c.drawnAhead, c.requests, c.firstDrawn = true, v.requests, v.first
	return c
}

// clientWith returns a client whose behaviour and service times draw from
// pcg and svc, reusing one whose visit is over.
func (pop *population) clientWith(pcg, svc rand.PCG) *client {
	s := pop.s
	var c *client
	if n := len(s.spare); n > 0 {
		c = s.spare[n-1]
		s.spare[n-1] = nil
		s.spare = s.spare[:n-1]
		*c = client{}
	} else {
		c = &client{}
	}
	c.s, c.pop, c.cl = s, pop, pop.p.Client
	c.pcg, c.svcPCG = pcg, svc
	c.rng = *rand.New(&c.pcg)
	c.svc = *rand.New(&c.svcPCG)
	c.onTimer.c = c
	s.sim.InitHandlerTimer(&c.timer, &c.onTimer)
	return c
}

// leave closes the connection and ends the visit: the client is free for
// reuse by a later arrival. Connections and requests it made may still be
// inside Apache; every answer about them is checked against the client's
// current connection and request (c.conn, c.req), which a reused client
// never shares with its earlier visit, so stale answers are ignored.
func (c *client) leave() {
	c.close()
	c.timer.Stop()
	c.pop.deadlines.stop(c)
	if c.req != nil {
		c.s.releaseRequest(c.req)
	}
	c.req, c.retry = nil, nil
	if c.user {
		// A closed population's user thinks, then connects again, until
		// its population stops (workload: the think time is drawn before
		// each visit after the first).
		switch {
		case c.pop.stopped():
		case c.pop.ticker != nil:
			c.wait(c.pop.nextTick(c)-c.s.sim.Now(), revisit)
		default:
			c.wait(sim.Time(workload.ThinkTime(c.cl, &c.rng)), revisit)
		}
		return
	}
	if c.replayConn != 0 || c.replayQueue != nil {
		return // a replay's client is its logged connection's: never reused
	}
	c.s.spare = append(c.s.spare, c)
}

// wait arms the client's timer.
func (c *client) wait(d sim.Time, then clientTimer) {
	c.then = then
	c.timer.Reset(d)
}

func (c *client) fire() {
	switch c.then {
	case thinking, first:
		if c.pop.stopped() {
			c.leave() // no request starts after the population's stop
			return
		}
		c.send(c.newRequest())
	case revisit:
		if !c.pop.stopped() {
			c.start()
		}
	case arriving:
		c.start()
	case idling:
		c.leave()
	case retrying:
		r := c.retry
		c.retry = nil
		c.send(r)
	case resending:
		if cn := c.conn; cn != nil && !cn.clientClosed {
			c.s.connect(cn)
		}
	case receiving:
		c.s.clientIO = c.s.sim.Now()
		c.receive(c.req, c.answer)
	}
}

// start begins a visit: a connection and its requests. A client that
// waits idle_before_first (a browser's pre-connect, a health check) or
// makes no request at all connects first and sends nothing meanwhile; a
// client with no request holds the connection idle_before_first +
// idle_after_last, then closes it.
func (c *client) start() {
	n := c.requests
	if !c.drawnAhead {
		n = workload.RequestsPerConnection(c.cl, &c.rng)
	}
	if !c.pop.p.Observer { // an observer's requests load the server, not the results
		c.s.stats.arrive()
	}
	c.left = n - 1
	idle := sim.Time(c.cl.IdleBeforeFirst.Duration)
	if n == 0 || idle > 0 {
		c.conn = c.s.newConn(c, nil)
		c.s.connect(c.conn)
		if n == 0 {
			c.left = 0
			c.wait(idle+sim.Time(c.cl.IdleAfterLast.Duration), idling)
			return
		}
		c.wait(idle, first)
		return
	}
	c.send(c.newRequest())
}

// drawn is a request as a client draws it: the index of its path in its
// population's Targets.Paths, or -1 for a static file, and, for a dynamic
// one, what it costs the app.
type drawn struct {
	path      int
	cpu, wait sim.Time
}

// draw draws a request: its target (workload.Targets.Draw) from rng, then
// what it costs the app from svc, the client's service stream.
func (pop *population) draw(rng, svc *rand.Rand) drawn {
	return drawRequest(&pop.p.Targets, pop.costs, pop.s.sc.Host.CPUSecond, rng, svc)
}

// drawRequest is draw given the population's targets, their costs and the
// host's CPU second.
func drawRequest(t *workload.Targets, costs []cost, cpuSecond float64, rng, svc *rand.Rand) drawn {
	i, static := t.Draw(rng)
	if static {
		return drawn{path: -1}
	}
	k := costs[i]
	return drawn{path: i, cpu: seconds(k.cpu.Sample(svc) * cpuSecond), wait: seconds(k.wait.Sample(svc))}
}

// newRequest draws the client's next request, or takes its first one drawn
// ahead.
func (c *client) newRequest() *request {
	d := c.firstDrawn
	if !c.drawnAhead {
		d = c.pop.draw(&c.rng, &c.svc)
	}
	c.drawnAhead = false
	if d.path < 0 {
		return c.made("/static/file", true, "", 0, 0, 0)
	}
	pop := c.pop
	return c.made(pop.p.Targets.Paths[d.path], false, pop.groupOf[d.path], pop.costs[d.path].growth, d.cpu, d.wait)
}

// request makes a request for path, drawing its service times from the
// client's service stream.
func (c *client) request(path string, static bool, group string, k cost) *request {
	if static {
		return c.made(path, true, "", 0, 0, 0)
	}
	cpu := seconds(k.cpu.Sample(&c.svc) * c.s.sc.Host.CPUSecond)
	return c.made(path, false, group, k.growth, cpu, seconds(k.wait.Sample(&c.svc)))
}

// made makes a request for path with the given costs.
func (c *client) made(path string, static bool, group string, growth float64, cpu, wait sim.Time) *request {
	r := c.s.requests.new()
	r.path, r.static, r.group, r.growth = path, static, group, growth
	r.header, r.bytes = sim.Time(c.cl.HeaderTime.Duration), c.cl.HeaderBytes
	r.cpu, r.wait = cpu, wait
	return r
}

// replaySend sends a replay client's next logged request, or ends the
// logged connection.
func (c *client) replaySend() {
	if len(c.replayQueue) == 0 {
		if c.replayLast && !c.replayKeep {
			c.replayQueue, c.replayConn = nil, 0
			c.leave()
		}
		return // the next logged request comes, or the server closes (serverClosed)
	}
	r := c.replayQueue[0]
	c.replayQueue = c.replayQueue[1:]
	s := c.s
	if r.Static {
		c.send(c.request("/static/file", true, "", cost{}))
		return
	}
	c.send(c.request(r.Path, false, s.sc.WSGI.GroupFor(r.Path), costOf(s.sc.App, r.Path)))
}

func seconds(s float64) sim.Time { return sim.FromSeconds(math.Max(s, 0)) }

// send sends r, on the open connection or on a new one.
func (c *client) send(r *request) {
	now := c.s.sim.Now()
	if r.attempt == 0 {
		r.first = now
		if !c.pop.p.Observer {
			c.s.stats.send(now)
		}
	}
	r.attempt++
	r.sent = now
	if !c.pop.p.Observer {
		c.s.clientIO = now
	}
	if c.req != r { // a retry is c.req already
		holdRequest(r)
		c.req = r
	}
	if t := c.cl.ClientTimeout.Duration; t > 0 {
		c.pop.deadlines.arm(c.s.sim, c, sim.Time(t))
	}
	if c.conn == nil || c.conn.serverClosed {
		old := c.conn
		c.conn = c.s.newConn(c, r)
		c.s.connect(c.conn)
		if old != nil {
			c.s.releaseConn(old)
		}
		return
	}
	holdRequest(r)
	c.conn.pending = r
	c.s.requestArrives(c.conn)
}

// response is the server's answer to request r, written now. A client on
// the host receives it host.response_delay later (response_delay_daemon's
// for a request a daemon process served), drawn by how long the load
// generator had been quiet (docs/model.md §9.9): the wait is on the
// client's timer, idle while a request is outstanding. An observer's
// answers are not delayed: they are not measured.
func (c *client) response(r *request, status int) {
	if r != c.req {
		return // the client gave up on it already
	}
	s := c.s
	delay := s.sc.Host.ResponseDelay
	if d := s.sc.Host.ResponseDelayDaemon; len(d) > 0 && !r.static && !scenarios.Embedded(r.group) {
		delay = d
	}
	if len(delay) > 0 && !c.pop.p.Observer {
		quiet := s.sim.Now() - s.clientIO
		c.answer = status
		c.wait(sim.Time(delay.Draw(quiet.Duration(), s.delayRand.Float64())), receiving)
		return
	}
	c.receive(r, status)
}

// receive takes the answer to request r, the client's outstanding one.
func (c *client) receive(r *request, status int) {
	c.pop.deadlines.stop(c)
	c.req = nil
	if status != 200 {
		c.fail(r, status)
		return
	}
	if !c.pop.p.Observer {
		c.s.stats.complete(r.first)
	}
	c.s.releaseRequest(r)
	c.next()
}

// next sends the following request after think time, or idles and closes.
func (c *client) next() {
	if c.replayQueue != nil || c.replayConn != 0 {
		c.replaySend() // a replay's requests go at their logged times
		return
	}
	if c.left > 0 {
		c.left--
		c.wait(sim.Time(workload.ThinkTime(c.cl, &c.rng)), thinking)
		return
	}
	if idle := c.cl.IdleAfterLast.Duration; idle > 0 {
		c.wait(sim.Time(idle), idling)
		return
	}
	c.leave()
}

// fail handles an unsuccessful attempt: retry after retry_delay if the
// client has retries left, else count the failure and abandon the visit.
// The caller has taken r from c.req: fail releases the client's hold on it.
func (c *client) fail(r *request, cause int) {
	w := c.cl
	if r.tries < w.Retries && !c.pop.stopped() {
		// A fresh copy: Apache may still serve the abandoned attempt.
		again := c.s.requests.new()
		*again = *r
		again.tries++
		again.refs = 1 // c.req
		c.req, c.retry = again, again
		c.s.releaseRequest(r)
		c.wait(sim.Time(w.RetryDelay.Duration), retrying)
		return
	}
	if !c.pop.p.Observer {
		c.s.stats.fail(cause, r.first) // before r may be freed
	}
	c.s.releaseRequest(r)
	c.req = nil
	c.left = 0
	c.leave()
}

// giveUp is the client timeout: close the connection and fail the request.
// Apache does not notice; a request it has read is still served.
func (c *client) giveUp() {
	r := c.req
	c.req = nil
	c.close()
	c.timer.Stop()
	c.fail(r, causeClientTimeout)
}

// close closes the client's side of its connection.
func (c *client) close() {
	if c.conn == nil {
		return
	}
	cn := c.conn
	c.conn = nil
	if !cn.clientClosed {
		cn.clientClosed = true
		c.s.clientClosed(cn)
	}
	c.s.releaseConn(cn)
}

// serverClosed tells the client Apache closed cn. A request sent on it but
// never read (a kept-alive connection closed as it became readable) is sent
// again on a new connection, as HTTP clients do for idempotent requests.
func (c *client) serverClosed(cn *conn) {
	if cn != c.conn {
		return
	}
	c.conn = nil
	if r := cn.pending; r != nil && r == c.req {
		cn.pending = nil
		c.conn = c.s.newConn(c, r)
		c.s.releaseRequest(r) // held by the new connection now
		c.s.connect(c.conn)
	}
	c.s.releaseConn(cn)
	if c.conn == nil && c.replayKeep && len(c.replayQueue) == 0 && c.req == nil {
		// The logged connection Apache kept alive after its last request
		// is closed now (KeepAliveTimeout): the replay's client is done.
		c.replayQueue, c.replayConn = nil, 0
		c.leave()
	}
}

// reset tells the client cn was torn down without an answer (its process
// was killed).
func (c *client) reset(cn *conn) {
	held := cn == c.conn
	if held {
		c.conn = nil
	}
	if r := c.req; r != nil && (cn.pending == r || (cn.worker != nil && cn.worker.req == r)) {
		c.pop.deadlines.stop(c)
		c.req = nil
		c.fail(r, causeReset)
	}
	if held {
		c.s.releaseConn(cn)
	}
}

// synDropped: the accept queue was full, so the kernel dropped the SYN; the
// client's TCP retransmits it after 1 s, then 2 s, 4 s, … (initial RTO 1 s,
// doubling), until the client's own timeout.
func (c *client) synDropped(cn *conn) {
	if cn != c.conn {
		return
	}
	cn.synTries++
	c.wait(sim.Second<<(cn.synTries-1), resending)
}

// Failure causes, as HTTP status codes or negative pseudo-codes.
const (
	causeRefused       = -1
	causeReset         = -2
	causeClientTimeout = -3
)
