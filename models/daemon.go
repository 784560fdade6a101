package models

import (
	"math"

	"github.com/forkcast/forkcast/models/host"
	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
)

// daemonGroup is one WSGIDaemonProcess group: a fixed number of processes
// sharing one UNIX listener socket, created by the parent, whose backlog
// (listen-backlog) queues requests while every thread is busy.
type daemonGroup struct {
	s         *server
	name      string
	cfg       scenarios.DaemonProcess
	gen       int
	procs     []*daemonProc // current generation, by slot
	all       []*daemonProc // every live process, old generations' included
	queue     fifo[*proxied]
	limit     int           // requests the socket queue admits
	acceptors []*daemonProc // processes with an idle thread, waiting for the accept mutex
	sockGen   int           // the Apache generation whose socket exists; -1 between cleanup and start
	orphans   []*proxied    // requests left in a closed generation's socket
	mtime     int           // the group's WSGI script's mtime, bumped by touch_script
}

// proxied is a request an Apache worker is proxying to a daemon group
// (wsgi_execute_remote); the worker stays blocked until it is answered.
type proxied struct {
	g        *daemonGroup
	w        *worker
	r        *request
	start    sim.Time
	slept    sim.Time
	timer    *sim.Timer // connect retry, then socket-timeout
	answered bool
	inDaemon bool // in the socket's queue or on a daemon thread
}

// daemonProc is one daemon process.
type daemonProc struct {
	g        *daemonGroup
	slot     int
	gen      int
	proc     *process
	py       *python
	threads  []*daemonThread
	idle     []*daemonThread
	active   int
	pools    int // request threads it has had busy at once: their pools' memory stays
	requests int // for maximum-requests
	ready    bool
	shutdown bool // 'S': accepting nothing, in-flight requests finish within shutdown-timeout
	exited   bool
	waiting  bool
	graceful bool // restart-interval or SIGUSR1: restart when idle
	// stopAtStart: SIGTERM came while the process was still initialising;
	// mod_wsgi's signal handler only notes it, and wsgi_daemon_main acts on
	// it once Python and any preload are done.
	stopAtStart bool

	monitor    bool // the monitor thread exists only if deadlock-timeout or inactivity-timeout is set
	restartT   *sim.Timer
	graceT     *sim.Timer
	idleT      *sim.Timer
	startupT   *sim.Timer
	requestT   *sim.Timer
	reaper     *sim.Timer
	lastActive sim.Time
	initJob    *host.Job
	finJob     *host.Job // tearing Python down on the way out
	// wokenByRestart: the parent's SIGTERM on a restart woke it, and the
	// parent's wait for it starts after its teardown (parent.tearing).
	wokenByRestart bool
}

type daemonThread struct {
	d        *daemonProc
	p        *proxied
	started  sim.Time
	exec     execution
	injected sim.Time // mod_wsgi 6.0: when RequestTimeout was injected into the request; 0 if not
}

// finished: the request's Python is done (or unwound by an injected
// RequestTimeout: 504); answer Apache and take the next.
func (t *daemonThread) finished() {
	status := 200
	if t.exec.interrupted {
		status = 504
	}
	t.injected = 0
	t.p.answer(status)
	t.d.release(t)
}

func newDaemonGroup(s *server, name string, cfg scenarios.DaemonProcess) *daemonGroup {
	g := &daemonGroup{s: s, name: name, cfg: cfg, procs: make([]*daemonProc, cfg.Processes)}
	// listen(fd, listen-backlog): Linux AF_UNIX admits backlog+1 (measured:
	// listen-backlog=2 queued 3) and caps the backlog at somaxconn.
	g.limit = min(cfg.ListenBacklog, s.sc.Host.Somaxconn) + 1
	return g
}

// startAll forks the group's processes (wsgi_start_daemons).
func (g *daemonGroup) startAll() {
	for i := range g.procs {
		g.spawn(i)
	}
}

// spawn forks the process for slot i (wsgi_start_process): the daemon
// initialises Python, runs the preload scripts, then starts its threads.
func (g *daemonGroup) spawn(i int) {
	s := g.s
	h := s.sc.Host
	d := &daemonProc{g: g, slot: i, gen: g.gen, monitor: g.cfg.DeadlockTimeout.Duration > 0 || g.cfg.InactivityTimeout.Duration > 0}
	g.procs[i] = d
	g.all = append(g.all, d)
	// Worker threads plus the main, monitor and deadlock threads.
	d.proc = s.mem.start(kindDaemon, float64(h.ApacheChildPrivate)+float64(g.cfg.Threads+3)*float64(h.ApacheThreadPrivate))
	d.proc.owner = d
	s.stats.daemonStarts++
	s.stats.addProcesses(s.stats.daemons, 1)
	for j := 0; j < g.cfg.Threads; j++ {
		t := &daemonThread{d: d}
		t.exec.init(s, t.finished)
		d.threads = append(d.threads, t)
	}
	at := s.parent.forkSlot()
	s.stats.forked(kindDaemon, at)
	s.sim.At(at, func() {
		if d.exited {
			return
		}
		d.py = newPython(s, d.proc)
		d.py.script = &g.mtime
		d.py.init(func() {
			if s.sc.WSGI.Preload {
				d.py.load(d.start)
				return
			}
			d.start()
		})
	})
}

// start: the worker threads run; the monitor thread starts its clocks.
func (d *daemonProc) start() {
	if d.exited || d.shutdown {
		return
	}
	s := d.g.s
	d.ready = true
	if d.stopAtStart {
		d.stop()
		return
	}
	d.idle = append(d.idle[:0], d.threads...)
	if d.monitor {
		if ri := d.g.cfg.RestartInterval.Duration; ri > 0 {
			d.restartT = s.sim.After(sim.Time(ri), d.restartIntervalDue)
		}
		if d.g.cfg.RequestTimeout.Duration > 0 {
			d.requestT = s.sim.After(sim.Second, d.checkRequestTimeout)
		}
	}
	d.g.offer(d)
}

func (d *daemonProc) canAccept() bool {
	return d.ready && !d.shutdown && !d.exited && len(d.idle) > 0
}

// offer: d has an idle thread and competes for the group's accept mutex.
func (g *daemonGroup) offer(d *daemonProc) {
	for d.canAccept() {
		if g.queue.len() == 0 {
			if !d.waiting {
				d.waiting = true
				g.acceptors = append(g.acceptors, d)
			}
			return
		}
		p := g.queue.pop()
		g.s.stats.daemonQueue.Add(g.s.sim.Now(), -1)
		d.accept(p)
	}
}

// dispatch hands queued requests to processes waiting to accept.
//
// With several processes waiting, which one's listener thread holds the
// group's accept mutex next is not defined by mod_wsgi (wsgi_daemon_worker
// leaves it to the OS's lock hand-off; fairness unconfirmed, docs/model.md
// §6.1): it is drawn at random. So the processes' request counts, and the
// moments they reach maximum-requests, drift apart as they do on a real
// server rather than staying in lockstep.
func (g *daemonGroup) dispatch() {
	for g.queue.len() > 0 && len(g.acceptors) > 0 {
		i := 0
		if n := len(g.acceptors); n > 1 {
			i = g.s.acceptRand.IntN(n)
		}
		d := g.acceptors[i]
		g.acceptors = append(g.acceptors[:i], g.acceptors[i+1:]...)
		d.waiting = false
		g.offer(d)
	}
}

// proxy is the Apache worker's side (wsgi_connect_daemon): connect to the
// group's socket, retrying every 0.125 s (1 s after 2 s of retries) while
// the backlog is full, up to connect-timeout, then 503.
func (g *daemonGroup) proxy(w *worker, r *request) {
	p := &proxied{g: g, w: w, r: r, start: g.s.sim.Now()}
	holdRequest(r)
	p.timer = g.s.sim.NewTimer(p.connect)
	w.proxy = p
	if w.c.gen != g.sockGen {
		// The child's configuration names a socket a restart has unlinked
		// (WSGISocketRotation On): connect fails with ENOENT, 503 at once.
		p.answer(503)
		return
	}
	p.connect()
}

func (p *proxied) connect() {
	g, s := p.g, p.g.s
	if p.answered {
		p.settle()
		return
	}
	if g.queue.len() < g.limit {
		g.queue.push(p)
		p.inDaemon = true
		s.stats.daemonQueue.Add(s.sim.Now(), 1)
		// socket-timeout (0: Apache's Timeout) bounds the wait for the
		// response headers: 504.
		t := sim.Time(g.cfg.SocketTimeout.Duration)
		if t == 0 {
			t = s.cfg.timeout
		}
		p.timer.SetFunc(func() { p.answer(504) })
		p.timer.Reset(t)
		g.dispatch()
		return
	}
	if s.sim.Now()-p.start >= sim.Time(g.cfg.ConnectTimeout.Duration) {
		p.answer(503) // "Unable to connect to WSGI daemon process ... listener backlog limit was exceeded"
		return
	}
	nap := 125 * sim.Millisecond
	if p.slept >= 2*sim.Second {
		nap = sim.Second
	}
	p.slept += nap
	p.timer.Reset(nap)
}

// answer gives the Apache worker its result, once.
func (p *proxied) answer(status int) {
	if p.answered {
		return
	}
	p.answered = true
	p.timer.Stop()
	p.w.respond(status)
	p.settle()
}

// abandon: the Apache worker is gone; a queued request is still served.
func (p *proxied) abandon() {
	p.answered = true
	p.timer.Stop()
	p.settle()
}

// leaveDaemon: the request left the daemon's queue or thread.
func (p *proxied) leaveDaemon() {
	p.inDaemon = false
	p.settle()
}

// settle releases the request once nobody is left to use it: Apache has its
// answer and the daemon side is done with it.
func (p *proxied) settle() {
	if p.answered && !p.inDaemon && p.r != nil {
		p.g.s.releaseRequest(p.r)
		p.r = nil
	}
}

// accept: a daemon thread takes a connection (wsgi_hook_daemon_handler).
func (d *daemonProc) accept(p *proxied) {
	s := d.g.s
	t := d.idle[len(d.idle)-1] // the idle stack is LIFO
	d.idle = d.idle[:len(d.idle)-1]
	d.active++
	s.stats.daemonBusy.Add(s.sim.Now(), 1)
	t.p, t.started = p, s.sim.Now()
	d.lastActive = s.sim.Now()
	cfg := &d.g.cfg
	// queue-timeout is checked only here, at dequeue, against the time
	// Apache read the request: "200 Timeout" and a 504, no app code runs.
	if qt := sim.Time(cfg.QueueTimeout.Duration); qt > 0 && s.sim.Now()-p.r.read > qt {
		p.answer(504)
		d.release(t)
		return
	}
	// A stale script: "200 Rejected", the Apache worker reconnects, and this
	// process shuts itself down (SIGINT); its siblings follow as they are hit.
	if s.sc.WSGI.ScriptReloading && d.py.loaded && d.py.mtime != d.g.mtime {
		t.p = nil
		d.active--
		s.stats.daemonBusy.Add(s.sim.Now(), -1)
		d.idle = append(d.idle, t)
		p.r.connects++
		p.timer.Stop()
		p.inDaemon = false
		d.stop()
		if !p.answered {
			p.start, p.slept = s.sim.Now(), 0
			p.connect()
		}
		p.settle()
		return
	}
	if st := sim.Time(cfg.StartupTimeout.Duration); st > 0 && d.monitor && !d.py.loaded && d.startupT == nil {
		d.startupT = s.sim.After(st, func() {
			if !d.py.loaded {
				d.stop()
			}
		})
	}
	if d.active > d.pools {
		// A daemon thread makes each request's pool (ptrans) under its
		// own thread pool and destroys it after (wsgi_daemon_worker):
		// its allocator keeps the blocks. mod_wsgi's idle stack is LIFO,
		// so the threads that have ever served are as many as were ever
		// busy at once, each keeping daemon_thread_served.
		s.mem.grow(d.proc, float64(d.active-d.pools)*float64(s.sc.Host.DaemonThreadServed))
		d.pools = d.active
	}
	t.exec.start(d.py, p.r, 0)
}

// release: a thread finished a request. maximum-requests counts it; with
// graceful-timeout and other requests active the process keeps serving
// until a completion finds it idle or the grace deadline (re-armed by every
// completion) passes; a graceful process restarts once idle.
func (d *daemonProc) release(t *daemonThread) {
	s := d.g.s
	p := t.p
	t.p = nil
	p.leaveDaemon()
	d.active--
	s.stats.daemonBusy.Add(s.sim.Now(), -1)
	d.requests++
	d.lastActive = s.sim.Now()
	if d.startupT != nil && d.py.loaded {
		d.startupT.Stop()
	}
	if d.exited {
		return
	}
	if d.shutdown {
		if d.active == 0 {
			d.teardown()
		}
		return
	}
	cfg := &d.g.cfg
	if cfg.MaximumRequests > 0 && d.requests >= cfg.MaximumRequests {
		if gt := sim.Time(cfg.GracefulTimeout.Duration); gt > 0 && d.active > 0 {
			d.armGrace(gt)
		} else {
			d.stop()
			return
		}
	}
	if d.graceful && (d.active == 0 || s.sc.WSGI.Version == "6.0" && !d.activeNonStale(s.sim.Now())) {
		d.stop()
		return
	}
	if it := sim.Time(cfg.InactivityTimeout.Duration); it > 0 && d.monitor {
		if d.idleT == nil {
			d.idleT = s.sim.NewTimer(d.inactive)
		}
		d.idleT.Reset(it)
	}
	d.idle = append(d.idle, t)
	d.g.offer(d)
}

func (d *daemonProc) armGrace(gt sim.Time) {
	if !d.monitor {
		return // no monitor thread: the deadline is never checked
	}
	if d.graceT == nil {
		d.graceT = d.g.s.sim.NewTimer(d.stop)
	}
	d.graceT.Reset(gt)
}

func (d *daemonProc) restartIntervalDue() {
	if d.shutdown || d.exited {
		return
	}
	if d.active == 0 {
		d.stop()
		return
	}
	d.graceful = true
	if gt := sim.Time(d.g.cfg.GracefulTimeout.Duration); gt > 0 {
		d.armGrace(gt)
	}
}

// inactive: inactivity-timeout passed with no request active.
func (d *daemonProc) inactive() {
	if d.active == 0 {
		d.stop()
	}
}

// checkRequestTimeout is the monitor thread's request-timeout check, every
// second (wsgi_monitor_thread forces a 1 s period when request-timeout is
// set). Its rule depends on mod_wsgi's version (wsgi.version):
//
//   - 4.9 and 5.0: restart when the elapsed time of busy threads, averaged
//     over all threads (idle ones count 0), exceeds request-timeout;
//   - 6.0: each busy thread on its own, once its request has run longer
//     than request-timeout × (1 + ln(threads)) (wsgi_request_fire_threshold
//     in wsgi_daemon.c): with interrupt-timeout 0 the process escalates at
//     once; otherwise RequestTimeout is injected into that thread (one per
//     pass) and the process escalates only if the request is still running
//     interrupt-timeout later. Escalating is a graceful stop while requests
//     younger than request-timeout + interrupt-timeout run and
//     graceful-timeout is set, else a restart.
func (d *daemonProc) checkRequestTimeout() {
	if d.shutdown || d.exited {
		return
	}
	s := d.g.s
	cfg := &d.g.cfg
	now := s.sim.Now()
	limit := sim.Time(cfg.RequestTimeout.Duration)
	if s.sc.WSGI.Version != "6.0" {
		sum := sim.Time(0)
		for _, t := range d.threads {
			if t.p != nil {
				sum += now - t.started
			}
		}
		if len(d.threads) > 0 && sum/sim.Time(len(d.threads)) > limit {
			d.stop()
			return
		}
		d.requestT.Reset(sim.Second)
		return
	}
	fire := sim.FromSeconds(limit.Seconds() * (1 + math.Log(float64(len(d.threads)))))
	grace := sim.Time(cfg.InterruptTimeout.Duration)
	escalate := false
	for _, t := range d.threads {
		if t.p == nil || now-t.started <= fire {
			continue
		}
		if grace == 0 || (t.injected > 0 && now-t.injected > grace) {
			escalate = true
			break
		}
		if t.injected == 0 {
			t.injected = now
			t.exec.interrupt()
			break
		}
	}
	if escalate && !d.graceful {
		if gt := sim.Time(cfg.GracefulTimeout.Duration); gt > 0 && d.activeNonStale(now) {
			d.graceful = true
			d.armGrace(gt)
		} else {
			d.stop()
			return
		}
	}
	d.requestT.Reset(sim.Second)
}

// activeNonStale is mod_wsgi 6.0's wsgi_has_active_non_stale_request_locked:
// whether a thread runs a request younger than request-timeout +
// interrupt-timeout. An older one will not unwind by itself, so a graceful
// stop does not wait for it.
func (d *daemonProc) activeNonStale(now sim.Time) bool {
	cutoff := sim.Time(d.g.cfg.RequestTimeout.Duration + d.g.cfg.InterruptTimeout.Duration)
	for _, t := range d.threads {
		if t.p != nil && (cutoff == 0 || now-t.started <= cutoff) {
			return true
		}
	}
	return false
}

// stop is the 'S' shutdown (wsgi_daemon_main): accept nothing more, start
// the reaper thread (exit after shutdown-timeout; none if it is 0), join the
// threads running a request, then destroy the interpreters and exit. A
// request still running when the reaper fires is cut off: Apache sees
// truncated headers (500).
func (d *daemonProc) stop() {
	if d.shutdown || d.exited {
		return
	}
	if !d.ready {
		d.stopAtStart = true
		return
	}
	s := d.g.s
	d.shutdown = true
	s.stats.daemonRestarts++
	s.logf("wsgi", "info", d.proc.pid, "mod_wsgi (pid=%d): Shutdown requested '%s'.", d.proc.pid, d.g.name)
	if st := sim.Time(d.g.cfg.ShutdownTimeout.Duration); st > 0 {
		d.reaper = s.sim.After(st, d.exit)
	}
	if d.active == 0 {
		d.teardown()
	}
}

// teardown destroys the interpreters once no request runs. Measured with
// mod_wsgi 4.9.4 and Python 3.11 (runtime mode; docs/model.md §6.6): a
// process whose app lives in a sub-interpreter (application group other
// than %{GLOBAL}) hangs in this teardown until the reaper exits it,
// shutdown-timeout after the shutdown began (5.0 s with the default); with
// only the main interpreter it exits within milliseconds.
func (d *daemonProc) teardown() {
	if d.py != nil && d.py.subInterpreter {
		return // the reaper ends it, if there is one
	}
	if d.py == nil || d.finJob != nil {
		d.exit()
		return
	}
	d.py.stop()
	d.finJob = d.g.s.cpu.Start(finalizeCPU(d.g.s, d.proc, d.py), d.py.gil, d.exit)
}

// finalizeCPU is what a process with Python spends on its way out
// (docs/model.md §4.8): wsgi_python_child_cleanup destroys the
// interpreters — the app's sub-interpreter, if it has one
// (host.sub_interpreter_fini_cpu), and the main one with Py_Finalize
// (host.python_fini_cpu), the app's modules torn down (App.ExtraFiniCPU)
// — and the process's private memory is freed, by Python's deallocations
// and then the kernel's unmapping at exit: host.exit_free_cpu per MiB.
// `simulate calibrate` measured each: children preloading a script with
// and without 64 MiB of ballast, in %{GLOBAL} and in a sub-interpreter,
// ended by a restart.
func finalizeCPU(s *server, p *process, py *python) sim.Time {
	h := s.sc.Host
	d := h.PythonFiniCPU.Duration
	if py.loaded {
		d += s.sc.App.ExtraFiniCPU
		if py.subInterpreter {
			d += h.SubInterpreterFiniCPU.Duration
		}
	}
	return sim.Time(d) + exitFreeCPU(s, p)
}

// exitFreeCPU is the CPU the kernel spends freeing process p's private
// memory when it exits (host.exit_free_cpu per MiB).
func exitFreeCPU(s *server, p *process) sim.Time {
	private := p.private + p.cow - s.mem.shared(p, s.sim.Now()) + p.leak
	return sim.Time(float64(s.sc.Host.ExitFreeCPU.Duration) * private / mib)
}

// exit ends the process; the parent respawns it at its next loop.
func (d *daemonProc) exit() {
	if d.exited {
		return
	}
	s := d.g.s
	d.exited = true
	d.ready = false
	for _, tm := range []*sim.Timer{d.restartT, d.graceT, d.idleT, d.startupT, d.requestT, d.reaper} {
		if tm != nil {
			tm.Stop()
		}
	}
	if d.initJob != nil {
		s.cpu.Cancel(d.initJob)
	}
	if d.finJob != nil && d.finJob.Running() {
		s.cpu.Cancel(d.finJob)
	}
	for _, t := range d.threads {
		t.exec.abandon()
		if t.p != nil {
			s.stats.daemonBusy.Add(s.sim.Now(), -1)
			t.p.answer(500) // "Truncated or oversized response headers received from daemon process"
			t.p.leaveDaemon()
			t.p = nil
		}
	}
	if d.py != nil {
		d.py.stop()
	}
	s.mem.stop(d.proc)
	s.stats.addProcesses(s.stats.daemons, -1)
	if d.wokenByRestart {
		d.wokenByRestart = false
		s.parent.tornDown()
	}
	for i, o := range d.g.all {
		if o == d {
			d.g.all = append(d.g.all[:i], d.g.all[i+1:]...)
			break
		}
	}
	d.g.flushOrphans()
	s.parent.daemonExited(d)
}

// kill is SIGKILL (the OOM killer).
func (d *daemonProc) kill() { d.exit() }

// fifo is a first-in first-out queue.
type fifo[T any] struct {
	items []T
	head  int
}

func (q *fifo[T]) len() int { return len(q.items) - q.head }

func (q *fifo[T]) push(v T) { q.items = append(q.items, v) }

func (q *fifo[T]) peek() T { return q.items[q.head] }

func (q *fifo[T]) pop() T {
	var zero T
	v := q.items[q.head]
	q.items[q.head] = zero
	q.head++
	if q.head > 64 && q.head*2 >= len(q.items) {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items = q.items[:n]
		q.head = 0
	}
	return v
}

// drain removes and returns everything queued.
func (q *fifo[T]) drain() []T {
	out := append([]T(nil), q.items[q.head:]...)
	clear(q.items)
	q.items, q.head = q.items[:0], 0
	return out
}
