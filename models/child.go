package models

import (
	"github.com/forkcast/forkcast/models/host"
	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
)

// A child is an Apache child process in a scoreboard slot: one worker for
// prefork, ThreadsPerChild worker threads for worker and event.
type child struct {
	s       *server
	slot    int
	gen     int
	proc    *process
	workers []*worker
	idle    []*worker // READY workers, most recently idle last

	initDone  bool     // child_init finished: accepting and reading the pod
	readyAt   sim.Time // when child_init finished
	exited    bool     // the process is gone; the slot waits for the parent's reap
	hung      bool     // its threads are gone but it hangs in Python's teardown
	killed    bool     // SIGKILL or SIGTERM: no teardown
	dying     bool     // die_now / quiescing: accept nothing more, finish connections
	hangup    bool     // prefork: SIGHUP or SIGTERM came during child_init, held until it ends
	quiescing int      // event: 1 once dying, 2 once maintenance counted it
	waiting   bool     // in the accept queue (s.acceptors)
	served    int      // connections accepted (prefork requests_this_child)
	connsLeft int      // worker/event: MaxConnectionsPerChild countdown
	pools     int      // transaction pools alive: one per open connection, and the recycled ones
	// recycledPools: worker/event, the pools waiting for a connection,
	// each by the connections it has served, the last recycled last
	// (ap_queue_info_push_pool pushes on a stack, ap_queue_info_pop_pool
	// takes its top).
	recycledPools []int32
	poolServed    int // prefork: the connections its one pool has served

	// event only
	conns     int     // open connections, parked and lingering included
	lingering int     // connections in lingering close
	parked    []*conn // keep-alive connections held by no thread
	sweep     *sim.Timer
	// lingerQ: connections in lingering close, held by the listener, not
	// by a thread (event.c's linger_q), in the order they close; lingerT
	// fires at the first one's end.
	lingerQ      []lingerer
	lingerT      *sim.Timer
	notAccepting bool // listeners disabled by connections_above_limit
	wasBusy      bool // no idle worker since the last keep-alive sweep

	py      *python
	initJob *host.Job
	finJob  *host.Job // on the way out: Python torn down, memory freed
	// wokenByRestart: a graceful restart woke it and the parent's reload
	// waits for its teardown (parent.tearing).
	wokenByRestart bool
}

// A worker is a prefork process's one request slot or a worker/event thread.
type worker struct {
	c      *child
	status Status
	// served: the thread (a prefork child's, its main one) has served a
	// connection and keeps what that touched (host.apache_thread_served).
	served bool
	// inProgress: its request holds host.request_pool_memory until it
	// ends (ap_process_request's r->pool: its blocks go back to the
	// allocator, past MaxMemFree to malloc, when the request is done).
	inProgress bool
	// statusServed: it has run mod_status's handler, which goes deeper
	// (host.apache_thread_status).
	statusServed bool
	conn         *conn
	req          *request
	timer        sim.Timer // keep-alive wait, reading a request, lingering close
	// readStart is when the read of the current request began (its
	// mod_reqtimeout header stage counts from it).
	readStart sim.Time
	job       host.Job  // Apache's own CPU work
	proxy     *proxied  // daemon mode: the request being proxied
	exec      execution // embedded mode: the request's Python

	// callbacks bound once
	respondOK, closeFn, doneFn, staticDone, restrictedDone, proxyFn func()
}

func newChild(s *server, slot, gen int) *child {
	c := &child{s: s, slot: slot, gen: gen, connsLeft: s.cfg.maxConnsPerChild}
	h := &s.sc.Host
	private := float64(h.ApacheChildPrivate)
	if n := threadsOf(s); n > 0 {
		private += float64(h.ApacheListenerPrivate) + float64(n)*float64(h.ApacheThreadPrivate)
	}
	c.proc = s.mem.start(kindChild, private)
	c.workers = make([]*worker, s.cfg.threadsPerChild)
	for i := range c.workers {
		w := &worker{c: c}
		s.sim.InitTimer(&w.timer, nil)
		w.respondOK = func() { w.respond(200) }
		w.closeFn, w.doneFn = w.close, w.done
		w.staticDone = func() { w.respond(200) }
		w.restrictedDone = func() { w.respond(500) }
		w.proxyFn = func() { s.daemons[w.req.group].proxy(w, w.req) }
		w.exec.init(s, w.respondOK)
		c.workers[i] = w
		w.status = Starting // prefork: make_child writes STARTING before fork()
		s.stats.status(Starting, 1)
	}
	if s.cfg.mpm == "event" {
		c.sweep = s.sim.NewTimer(c.sweepParked)
		c.lingerT = s.sim.NewTimer(c.lingerEnd)
	}
	return c
}

// threadsOf is the number of worker threads per child (0 for prefork).
func threadsOf(s *server) int {
	if s.cfg.mpm == "prefork" {
		return 0
	}
	return s.cfg.threadsPerChild
}

// init runs child_init: Apache's own, then mod_wsgi's wsgi_hook_child_init
// (Python initialised here unless the parent did it, then any preload),
// all while the slot still reads STARTING (docs/model.md §4.2).
func (c *child) init() {
	h := c.s.sc.Host
	c.initJob = c.s.cpu.Start(sim.Time(h.ChildInitCPU.Duration)+c.proc.takeOwed(), nil, func() {
		c.initJob = nil
		if !c.s.pythonInChildren {
			c.ready()
			return
		}
		c.py = newPython(c.s, c.proc)
		c.py.init(func() {
			if c.s.sc.WSGI.Preload && c.s.embeddedRoutes() {
				c.py.load(c.ready)
				return
			}
			c.ready()
		})
	})
}

// ready: child_init is done; workers go READY and the child accepts.
func (c *child) ready() {
	if c.exited {
		return
	}
	c.initDone = true
	c.readyAt = c.s.sim.Now()
	if c.hangup { // the signal child_init held: just_die before the slot goes READY
		c.justDie()
		return
	}
	for _, w := range c.workers {
		w.set(Ready)
		c.idle = append(c.idle, w)
	}
	if c.dying { // a restart came during child_init
		c.stopIdle()
		return
	}
	c.s.offer(c)
}

// canAccept reports whether the child's listener would accept now.
func (c *child) canAccept() bool {
	if !c.initDone || c.exited || c.dying || len(c.idle) == 0 {
		return false
	}
	if c.s.cfg.mpm != "event" {
		return true
	}
	// connections_above_limit (event.c): accept only while
	// conns - lingering < ThreadsPerChild + factor × idle workers, with one
	// idle worker less while listening is disabled (hysteresis).
	idle := len(c.idle)
	if c.notAccepting {
		idle--
	}
	open := c.conns - c.lingering
	if open <= 0 || open < c.s.cfg.threadsPerChild+idle*c.s.cfg.workerFactor {
		c.notAccepting = false
		return true
	}
	c.notAccepting = true
	return false
}

// takeIdle takes the worker that has been idle longest. worker and event
// threads wait for a connection on one condition variable of their fdqueue
// (ap_queue_pop_something: apr_thread_cond_wait on queue->not_empty), and
// a push signals it, which wakes the longest waiter: the threads take
// turns, so within ThreadsPerChild requests every thread has served one
// (measured: a child's memory grows with each of its threads' first
// request, docs/model.md §8.2).
func (c *child) takeIdle() *worker {
	w := c.idle[0]
	copy(c.idle, c.idle[1:])
	c.idle = c.idle[:len(c.idle)-1]
	if len(c.idle) == 0 {
		c.wasBusy = true
	}
	return w
}

// accept gives the child a connection from the accept queue.
func (c *child) accept(cn *conn) {
	w := c.takeIdle()
	c.served++
	if c.s.cfg.mpm == "event" {
		c.conns++ // parked and lingering ones included
		// conns_this_child-- on accept; at 0 the child stops gracefully.
		if c.s.cfg.maxConnsPerChild > 0 {
			if c.connsLeft--; c.connsLeft <= 0 {
				defer c.recycle()
			}
		}
	}
	if c.s.cfg.mpm == "prefork" {
		// child_main makes its transaction pool (ptrans) once and clears
		// it after each connection: its allocator keeps what they took.
		c.pools = 1
		c.poolServed++
		c.growPool(c.poolServed)
	} else {
		c.takePool(cn)
	}
	w.serve(cn)
}

// takePool gives an accepted worker or event connection its transaction
// pool: the last recycled one, which kept its allocator's memory, or a new
// one with an allocator of its own (the listener's apr_allocator_create,
// max free MaxMemFree). Serving the connection grows it (poolLaw).
func (c *child) takePool(cn *conn) {
	served := int32(0)
	if n := len(c.recycledPools); n > 0 {
		served = c.recycledPools[n-1]
		c.recycledPools = c.recycledPools[:n-1]
	} else {
		c.pools++
	}
	cn.poolServed = served + 1
	c.growPool(int(cn.poolServed))
}

// growPool grows the child by what a pool's served-th connection adds to
// it (poolLaw).
func (c *child) growPool(served int) {
	if g := c.s.pools.growth(served); g != 0 {
		c.s.mem.grow(c.proc, g)
	}
}

// returnPool takes back a closed worker or event connection's pool:
// ap_queue_info_push_pool recycles it, cleared, while fewer than
// max_recycled_pools wait (ThreadsPerChild × 3/4 with MaxMemFree set, as
// by default: event.c and worker.c, setup_threads_runtime/child_main), and
// past that destroys it with its allocator, whose blocks go back to malloc
// and, measured, to the system (docs/model.md §8.2).
func (c *child) returnPool(cn *conn) {
	served := cn.poolServed
	cn.poolServed = 0
	if len(c.recycledPools) < c.s.cfg.threadsPerChild*3/4 {
		c.recycledPools = append(c.recycledPools, served)
		return
	}
	c.pools--
	c.s.mem.grow(c.proc, -c.s.pools.size(int(served)))
}

// recycle stops a worker/event child that reached MaxConnectionsPerChild.
func (c *child) recycle() {
	if !c.dying {
		c.s.stats.recycled++
		c.graceful()
	}
}

func (w *worker) set(st Status) {
	if w.c.exited {
		w.status = st
		return
	}
	w.c.s.stats.move(w.status, st)
	w.status = st
}

// serve starts on a connection: ap_process_connection.
func (w *worker) serve(cn *conn) {
	if !w.served {
		// A thread's first connection runs it deeper than waiting did:
		// its stack's deeper pages and its allocator caches stay (measured
		// by calibrate's sequential requests, which reach every thread in
		// turn; docs/model.md §8.2).
		w.served = true
		w.c.s.mem.grow(w.c.proc, float64(w.c.s.sc.Host.ApacheThreadServed))
	}
	w.conn = cn
	cn.worker, cn.child = w, w.c
	cn.parked = false
	w.set(BusyRead)
	switch {
	case cn.dummy:
		// The parent's "OPTIONS *" dummy connection: answered at once.
		w.close()
	case cn.pending == nil && cn.clientClosed:
		w.close() // EOF before any request
	default:
		// BUSY_READ until the request is all there (reading.go).
		w.startRead(w.c.s.sim.Now())
	}
}

// read takes the pending request off the connection and handles it.
func (w *worker) read(r *request) {
	s := w.c.s
	w.conn.pending = nil
	w.req = r
	r.read = s.sim.Now()
	w.set(BusyWrite)
	w.inProgress = true
	s.mem.hold(w.c.proc, float64(s.sc.Host.RequestPoolMemory))
	apacheCPU := sim.Time(s.sc.Host.RequestCPU.Duration)
	switch {
	case r.path == statusPath:
		// mod_status answers, not the app; its handler runs the thread
		// deeper into its stack than the others do, and the thread keeps
		// those pages (measured by calibrate's status requests one at a
		// time, which reach every thread in turn).
		if !w.statusServed {
			w.statusServed = true
			s.mem.grow(w.c.proc, float64(s.sc.Host.ApacheThreadStatus))
		}
		// status_handler reads every worker slot of every process.
		s.mem.mapScoreboard(w.c.proc)
		s.cpu.Run(&w.job, apacheCPU+w.c.proc.takeOwed(), nil, w.staticDone)
	case r.static:
		s.cpu.Run(&w.job, apacheCPU+w.c.proc.takeOwed(), nil, w.staticDone)
	case scenarios.Embedded(r.group):
		if s.sc.WSGI.RestrictEmbedded {
			// "Embedded mode of mod_wsgi disabled by runtime configuration"
			s.cpu.Run(&w.job, apacheCPU+w.c.proc.takeOwed(), nil, w.restrictedDone)
			return
		}
		w.exec.start(w.c.py, r, apacheCPU)
	default:
		// wsgi_execute_remote: the child proxies the request to the
		// daemon and relays its answer, and the daemon reads and writes
		// them; calibrate measures the whole beside request_cpu.
		if d := s.sc.Host.RequestCPUDaemon.Duration; d > 0 {
			apacheCPU = sim.Time(d)
		}
		s.cpu.Run(&w.job, apacheCPU+w.c.proc.takeOwed(), nil, w.proxyFn)
	}
}

// statusPath is where mod_status answers, as runtime mode's configuration
// (and Debian's mod_status.conf) has it: Apache's own handler, not the app.
const statusPath = "/server-status"

// dropsConnection is ap_status_drops_connection: these statuses are always
// sent with Connection: close.
func dropsConnection(status int) bool {
	switch status {
	case 400, 408, 411, 413, 414, 500, 501, 503:
		return true
	}
	return false
}

// respond sends the response, then runs the keep-alive decision of
// ap_set_keepalive: keep the connection while KeepAlive is On, the status
// does not drop it, MaxKeepAliveRequests is 0 or not yet used up (so N
// allows N+1 requests), the MPM is not stopping and the client is there.
func (w *worker) respond(status int) {
	s := w.c.s
	r, cn := w.req, w.conn
	w.req = nil
	w.proxy = nil
	if w.inProgress {
		w.inProgress = false
		s.mem.hold(w.c.proc, -float64(s.sc.Host.RequestPoolMemory))
	}
	if cl := cn.client; cl != nil && !cn.clientClosed {
		cl.response(r, status)
	}
	s.releaseRequest(r)
	cfg := &s.cfg
	keep := cfg.keepAlive && !dropsConnection(status) && !w.c.dying && !cn.clientClosed &&
		(cfg.maxKeepAlive == 0 || cfg.maxKeepAlive-cn.keepalives > 0)
	if !keep {
		w.close()
		return
	}
	cn.keepalives++
	if cfg.mpm == "event" {
		w.c.park(w, cn)
		return
	}
	// prefork and worker: this process or thread waits for the next request
	// in BUSY_KEEPALIVE, up to KeepAliveTimeout.
	w.set(BusyKeepalive)
	if cn.pending != nil {
		w.set(BusyRead)
		w.startRead(s.sim.Now())
		return
	}
	w.timer.SetFunc(w.closeFn)
	w.timer.Reset(cfg.keepAliveTimeout)
}

// close closes the connection: a lingering close, for about one round trip
// (host.linger_time) until the client's FIN. prefork and worker linger on
// the connection's thread, in CLOSING (ap_lingering_close); event's thread
// only shuts the connection down and hands it to the listener, which closes
// it when the FIN comes (event.c: process_lingering_close queues it in
// linger_q), so the thread is free at once while the connection — and its
// pool, not yet recycled — stays open.
func (w *worker) close() {
	cn := w.conn
	w.timer.Stop()
	cn.serverClosed = true
	if w.c.s.cfg.mpm == "event" {
		c := w.c
		c.lingering++
		cn.worker = nil
		w.conn = nil
		c.lingerQ = append(c.lingerQ, lingerer{cn, c.s.sim.Now() + sim.Time(c.s.sc.Host.LingerTime.Duration)})
		if !c.lingerT.Pending() {
			c.lingerT.ResetAt(c.lingerQ[0].until)
		}
		if cl := cn.client; cl != nil && !cn.clientClosed {
			cl.serverClosed(cn)
		}
		w.idle()
		return
	}
	w.set(Closing)
	if cl := cn.client; cl != nil && !cn.clientClosed {
		cl.serverClosed(cn)
	}
	w.timer.SetFunc(w.doneFn)
	w.timer.Reset(sim.Time(w.c.s.sc.Host.LingerTime.Duration))
}

// A lingerer is an event connection in lingering close until until.
type lingerer struct {
	cn    *conn
	until sim.Time
}

// lingerEnd closes the event connections whose lingering close is over:
// the listener's close_connection, which recycles the pool.
func (c *child) lingerEnd() {
	now := c.s.sim.Now()
	n := 0
	for n < len(c.lingerQ) && c.lingerQ[n].until <= now {
		cn := c.lingerQ[n].cn
		c.lingerQ[n] = lingerer{}
		c.conns--
		c.lingering--
		c.returnPool(cn)
		c.s.releaseConn(cn)
		n++
	}
	c.lingerQ = c.lingerQ[n:]
	if len(c.lingerQ) > 0 {
		c.lingerT.ResetAt(c.lingerQ[0].until)
	}
	if c.dying && c.drained() {
		c.exit()
	}
}

// drained reports whether a dying child has nothing left to finish: no
// thread holds a connection, none is parked, none lingers (event's
// listener waits for every connection before the process exits).
func (c *child) drained() bool {
	return c.busyWorkers() == 0 && len(c.parked) == 0 && len(c.lingerQ) == 0
}

// done: the connection is over; the worker goes back to its loop.
func (w *worker) done() {
	c, s := w.c, w.c.s
	cn := w.conn
	cn.worker = nil
	w.conn = nil
	if s.cfg.mpm == "worker" {
		c.returnPool(cn) // ap_queue_info_set_idle
	}
	s.releaseConn(cn)
	if s.cfg.mpm == "prefork" {
		// child_main after a connection: the pod check (an idle-kill byte),
		// then die_now or a new generation, then at the top of the loop
		// MaxConnectionsPerChild.
		switch {
		case s.podBytes > 0:
			s.podBytes--
			c.exit()
		case c.dying:
			c.exit()
		case s.cfg.maxConnsPerChild > 0 && c.served >= s.cfg.maxConnsPerChild:
			s.stats.recycled++
			c.exit()
		default:
			w.set(Ready)
			c.idle = append(c.idle, w)
			s.offer(c)
		}
		return
	}
	if s.cfg.mpm == "worker" && s.cfg.maxConnsPerChild > 0 && !c.dying {
		// requests_this_child-- after each connection; the listener stops
		// the child before its next accept once it reaches 0.
		if c.connsLeft--; c.connsLeft <= 0 {
			c.recycle()
		}
	}
	w.idle()
}

// idle returns a worker thread to the idle pool, or ends it if the child is
// stopping.
func (w *worker) idle() {
	c := w.c
	if c.dying {
		w.set(Dead)
		if c.drained() {
			c.exit()
		}
		return
	}
	w.set(Ready)
	c.idle = append(c.idle, w)
	c.s.offer(c)
}

// busyWorkers counts workers holding a connection.
func (c *child) busyWorkers() int {
	n := 0
	for _, w := range c.workers {
		if w.conn != nil {
			n++
		}
	}
	return n
}

// park puts a kept-alive connection in the event listener's keep-alive
// queue: the thread goes back to the idle pool and holds nothing.
func (c *child) park(w *worker, cn *conn) {
	cn.worker = nil
	w.conn = nil
	if cn.pending != nil { // the next request is already there
		w.conn = cn
		cn.worker = w
		w.set(BusyRead)
		w.startRead(c.s.sim.Now())
		return
	}
	cn.parked = true
	cn.parkedUntil = c.s.sim.Now() + c.s.cfg.keepAliveTimeout
	c.parked = append(c.parked, cn)
	c.s.stats.parked.Add(c.s.sim.Now(), 1)
	if !c.sweep.Pending() {
		c.sweep.ResetAt(cn.parkedUntil)
	}
	w.idle()
}

// unpark removes cn from the keep-alive queue.
func (c *child) unpark(cn *conn) {
	for i, p := range c.parked {
		if p == cn {
			copy(c.parked[i:], c.parked[i+1:])
			c.parked[len(c.parked)-1] = nil
			c.parked = c.parked[:len(c.parked)-1]
			c.s.stats.parked.Add(c.s.sim.Now(), -1)
			break
		}
	}
	cn.parked = false
}

// closeParked closes a parked connection from the listener.
func (c *child) closeParked(cn *conn) {
	c.unpark(cn)
	c.conns--
	c.returnPool(cn)
	cn.serverClosed = true
	if cl := cn.client; cl != nil && !cn.clientClosed {
		cl.serverClosed(cn)
	}
	c.s.releaseConn(cn)
	if c.dying && c.drained() {
		c.exit()
		return
	}
	c.s.offer(c)
}

// sweepParked is the listener's keep-alive timeout processing when the
// queue's next expiry passes: if the workers were busy since the last pass
// (or the child is dying) every parked connection is closed ("kill'em all"),
// otherwise only the expired ones.
func (c *child) sweepParked() {
	now := c.s.sim.Now()
	all := c.wasBusy || c.dying
	c.wasBusy = len(c.idle) == 0
	for i := 0; i < len(c.parked); {
		cn := c.parked[i]
		if all || cn.parkedUntil <= now {
			c.closeParked(cn)
			if c.exited {
				return
			}
			continue
		}
		i++
	}
	if len(c.parked) > 0 {
		next := c.parked[0].parkedUntil
		for _, cn := range c.parked {
			next = min(next, cn.parkedUntil)
		}
		c.sweep.ResetAt(next)
	}
}

// graceful stops the child the graceful way: stop accepting, let idle
// workers go, finish the connections in progress (worker/event pod
// GRACEFUL byte, MaxConnectionsPerChild, a graceful restart).
func (c *child) graceful() {
	if c.dying || c.exited {
		return
	}
	c.dying = true
	c.quiescing = 1
	if !c.initDone {
		return // ready() will notice
	}
	c.stopIdle()
}

// stopIdle ends the idle workers of a dying child and closes its parked
// connections; the child exits when nothing is left.
func (c *child) stopIdle() {
	for _, w := range c.idle {
		if c.s.cfg.mpm == "prefork" {
			break // prefork's one worker is the process: handled below
		}
		w.set(Dead)
	}
	c.idle = c.idle[:0]
	for len(c.parked) > 0 && !c.exited {
		c.closeParked(c.parked[0])
	}
	if !c.exited && c.drained() {
		c.exit()
	}
}

// exit ends the process. Its memory is freed; its slot keeps the last
// status until the parent reaps it (ap_wait_or_timeout; docs/model.md §2.1).
//
// Unless it was killed, a worker or event child first tears Python down.
// Measured with mod_wsgi 4.9.4 and Python 3.11 (runtime mode, children
// recycled by MaxConnectionsPerChild): a threaded process whose app lives
// in a sub-interpreter (an application group other than %{GLOBAL}) never
// gets through that teardown — it stays, with its memory, and nothing
// reaps it — while with only the main interpreter it exits ("Python has
// shutdown"), as single-threaded prefork children always do.
func (c *child) exit() {
	if c.exited || c.hung || (c.finJob != nil && c.finJob.Running()) {
		return // gone, hung, or on its way out
	}
	if !c.killed && c.s.cfg.mpm != "prefork" && c.py != nil && c.py.subInterpreter {
		c.hang()
		return
	}
	if !c.killed && c.py != nil && c.finJob == nil {
		// wsgi_python_child_cleanup: Py_Finalize, on the way out.
		c.py.stop()
		c.finJob = c.s.cpu.Start(finalizeCPU(c.s, c.proc, c.py), c.py.gil, c.exit)
		return
	}
	if !c.killed && c.finJob == nil {
		// Without Python the way out is still not instant: the kernel
		// frees the process's memory before the parent can reap it. So a
		// child told to stop at a maintenance tick is not reaped by the
		// waitpid that follows that tick, and the next tick still sees it
		// (docs/model.md §3.6).
		c.finJob = c.s.cpu.Start(exitFreeCPU(c.s, c.proc), nil, c.exit)
		return
	}
	for _, w := range c.workers {
		c.s.stats.status(w.status, -1)
		w.exec.setImporting(false)
	}
	c.exited = true
	if c.wokenByRestart {
		c.wokenByRestart = false
		c.s.parent.tornDown()
	}
	c.s.mem.stop(c.proc)
	if c.sweep != nil {
		c.sweep.Stop()
	}
	c.dropLingering()
	if c.py != nil {
		c.py.stop()
	}
	c.s.parent.childExited(c)
}

// deferTeardown takes back the teardown exit just started: the process
// waits for a core (parent.woke). resumeTeardown starts it again, unless
// something ended the process, or started its teardown, meanwhile.
func (c *child) deferTeardown() {
	if c.finJob != nil && c.s.cpu.Cancel(c.finJob) {
		c.finJob = nil
	}
}

func (c *child) resumeTeardown() {
	if !c.exited && c.finJob == nil {
		c.exit()
	}
}

// hang leaves the process stuck in Python's teardown: no thread serves,
// its memory stays, and the parent never reaps it. Under event it keeps its
// scoreboard slot (counted among the processes shutting down); worker forks
// a new process over the slot (see threadedMaintenance).
func (c *child) hang() {
	c.hung = true
	if c.sweep != nil {
		c.sweep.Stop()
	}
	c.s.stats.hung++ // Apache logs nothing: the process just stays
}

// kill ends the process at once (the OOM killer, SIGKILL, a prefork
// child's just_die): connections in progress are reset, parked ones closed.
func (c *child) kill() {
	if c.exited {
		return
	}
	c.killed = true
	if c.hung {
		c.hung = false
		c.s.stats.hung--
	}
	if c.finJob != nil {
		c.s.cpu.Cancel(c.finJob)
	}
	c.abort()
	c.exit()
}

// abort stops everything the child is doing and resets its connections.
func (c *child) abort() {
	if c.initJob != nil {
		c.s.cpu.Cancel(c.initJob)
	}
	for _, w := range c.workers {
		w.timer.Stop()
		c.s.cpu.Cancel(&w.job)
		w.exec.abandon()
		if w.proxy != nil {
			w.proxy.abandon()
		}
		if cn := w.conn; cn != nil {
			cn.serverClosed = true
			if cl := cn.client; cl != nil && !cn.clientClosed {
				cl.reset(cn)
			}
		}
		// The process is gone: drop what its workers held.
		w.inProgress = false
		if w.req != nil {
			c.s.releaseRequest(w.req)
			w.req = nil
		}
		if w.conn != nil {
			c.s.releaseConn(w.conn)
			w.conn = nil
		}
	}
	for _, cn := range c.parked {
		cn.serverClosed = true
		if cl := cn.client; cl != nil && !cn.clientClosed {
			cl.serverClosed(cn)
		}
		c.s.releaseConn(cn)
	}
	c.s.stats.parked.Add(c.s.sim.Now(), -float64(len(c.parked)))
	c.parked = nil
	c.dropLingering()
}

// dropLingering lets go of the connections in lingering close of a process
// that is gone.
func (c *child) dropLingering() {
	if c.lingerT != nil {
		c.lingerT.Stop()
	}
	for _, l := range c.lingerQ {
		c.conns--
		c.lingering--
		c.s.releaseConn(l.cn)
	}
	c.lingerQ = nil
}
