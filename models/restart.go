package models

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
)

// This file is what httpd and mod_wsgi do on apachectl graceful (SIGUSR1),
// restart (SIGHUP) and graceful-stop (SIGWINCH): docs/model.md §2.3, §2.4,
// §2.7 and §6.7.
//
// The parent's states: in its main loop (looping), between a restart signal
// and the new generation's main loop (restarting: waiting for the old
// children, for the old daemons, re-reading the configuration), waiting for
// its children after a graceful stop (stopping), and gone (exited).
type parentState uint8

const (
	looping parentState = iota
	restarting
	stopping
	exited
)

// signal delivers a restart or stop signal to the parent. httpd's handlers
// (unixd.c: sig_restart, sig_term) only set flags; the main loop checks them
// at the top of each pass. The signal interrupts the loop's 1 s sleep
// (select in apr_sleep), ap_wait_or_timeout returns no child, and that pass
// runs perform_idle_server_maintenance before the loop sees the flag. A
// signal that arrives while the parent is not in its loop waits for it: the
// new generation's loop then ends before its first pass.
func (p *parent) signal(action string) {
	switch p.state {
	case exited:
		return
	case looping:
	case stopping:
		return // the graceful-stop loop checks only shutdown_pending, which is already set
	default:
		// sig_term wins over sig_restart, an ungraceful restart over a
		// graceful one.
		switch {
		case p.pending == "graceful_stop":
		case action == "graceful_stop", action == "restart", p.pending == "":
			p.pending = action
		}
		return
	}
	p.tick.Stop()
	p.pass()
	p.act(action)
}

// act runs the MPM's branch for a flag the loop found set.
func (p *parent) act(action string) {
	switch action {
	case "graceful_restart":
		p.restart(true)
	case "restart":
		p.restart(false)
	case "graceful_stop":
		p.gracefulStop()
	}
}

// restart is the end of <mpm>_run after its main loop saw restart_pending:
// a new generation, then either the graceful path (every child told to
// finish what it is doing and go) or the hard one (every child told to go
// now, then ap_reclaim_child_processes waits until they have), then main()
// clears pconf and re-reads the configuration (reload).
func (p *parent) restart(graceful bool) {
	s := p.s
	p.releaseBehind()
	p.state = restarting
	p.keepsCore = false
	// The odds that the processes this restart's signals wake take the
	// parent's core (woke).
	p.preemptOdds = wakeOdds(s.sc.Host.SchedWakePreempt, s.sc.Host.SchedWakeTogether, s.schedRand)
	p.graceful = graceful
	p.gen++
	if graceful {
		s.logf(s.msg.module, "notice", p.proc.pid, "%s", s.msg.graceful)
		told := 0
		p.toSignal = p.toSignal[:0]
		for _, c := range s.slots {
			if c == nil || c.exited {
				continue
			}
			told++
			// prefork marks every slot GRACEFUL and sends SIGUSR1
			// (stop_listening: die_now), waking READY children with a dummy
			// connection; worker and event write a GRACEFUL byte per child
			// to the pod.
			p.toSignal = append(p.toSignal, func() {
				if c.exited {
					return
				}
				if s.cfg.mpm == "prefork" && c.initDone && c.workers[0].status == Ready {
					c.workers[0].set(Graceful)
				}
				c.graceful()
				if c.finJob != nil && !c.exited && !p.woke(&c.wokenByRestart) {
					c.deferTeardown()
					p.behind = append(p.behind, c)
				}
			})
		}
		extra := sim.Time(told) * sim.Time(s.sc.Host.GracefulChildCPU.Duration)
		// A child the signal wakes can preempt the parent that woke it
		// (the scheduler runs a freshly woken task before the one that
		// has been running): then the parent signals the next only once
		// the woken one has torn Python down, and reloads after the last.
		// Measured on one 2-core VM (idle prefork, 5 children, graceful):
		// every child's "Python has shutdown" before the parent's AH00163,
		// 6–11 ms apart; with one core busy the new generation came 97 ms
		// after the signal, 20 ms after the last of five teardowns of ~15
		// ms each. On another the parent kept its core: AH00163 6 ms after
		// AH00171, the five teardowns ended together 37–46 ms after it,
		// and the first reap found none (host.sched_wake_preempt, measured
		// by `simulate calibrate`; woke).
		p.afterTeardowns = func() { p.reload(extra) }
		p.signalNext()
		return
	}
	if s.cfg.mpm == "event" {
		s.logf(s.msg.module, "notice", p.proc.pid, "%s", s.msg.hup)
	}
	p.hangupChildren()
	p.reclaim(s.cfg.mpm != "prefork", func() {
		if s.cfg.mpm != "event" {
			s.logf(s.msg.module, "notice", p.proc.pid, "%s", s.msg.hup)
		}
		p.reload(0)
	})
}

// signalNext signals the processes left in toSignal, in turn, until one
// of them is tearing down (tornDown calls it again), then runs
// afterTeardowns.
func (p *parent) signalNext() {
	for p.tearing == 0 && len(p.toSignal) > 0 {
		f := p.toSignal[0]
		p.toSignal = p.toSignal[1:]
		f()
	}
	if p.tearing == 0 && p.afterTeardowns != nil {
		f := p.afterTeardowns
		p.afterTeardowns = nil
		f()
	}
}

// woke notes a process the restart's signal woke, which tears Python
// down (its flag: wokenByRestart), and says whether it took the parent's
// core (with the restart's odds, preemptOdds): then the parent waits for
// its teardown (tearing, tornDown). Otherwise it waits for a core and the
// parent keeps its own (keepsCore): a child waits for the parent's, until
// the parent next sleeps (behind, releaseBehind) — so of a graceful
// restart's idle children, those that took the core are the ones the
// parent's first reap finds gone, as calibrate counts them; a daemon goes
// on the other cores, as the parent sleeps in free_proc_chain at once.
func (p *parent) woke(flag *bool) bool {
	q := p.preemptOdds
	if q >= 1 || (q > 0 && p.s.schedRand.Float64() < q) {
		*flag = true
		p.tearing++
		return true
	}
	p.keepsCore = true
	return false
}

// releaseBehind lets the children that did not take the parent's core tear
// down: the parent sleeps, or goes on to another restart or a stop.
func (p *parent) releaseBehind() {
	for _, c := range p.behind {
		c.resumeTeardown()
	}
	p.behind = p.behind[:0]
}

// wakeOdds draws one restart's odds that each process its signals wake
// takes the parent's core: a beta distribution whose mean is share
// (host.sched_wake_preempt) and whose intra-restart correlation is
// together (host.sched_wake_together): the number of n woken processes
// that take the core then has mean n·share and variance
// n·share·(1−share)·(1 + (n−1)·together) (beta-binomial). together = 1 is
// all or none, one draw per restart; 0 is each process on its own, with
// odds share. Both ends are what machines showed: runtime mode's five idle
// lazy children all took the core, every time, on the first VM, and none
// did, in five runs, on the second; on a third, two of four were replaced
// at once in each of three runs, and calibrate's probe of 16 saw 3, 7
// and 0 take it (docs/model.md §2.3).
func wakeOdds(share, together float64, r *rand.Rand) float64 {
	switch {
	case share <= 0 || share >= 1:
		return share
	case together >= 1:
		if r.Float64() < share {
			return 1
		}
		return 0
	case together <= 0:
		return share
	}
	// A beta of mean m and parameters α = m·k, β = (1−m)·k gives its
	// Bernoulli draws the correlation 1/(1+k).
	k := 1/together - 1
	q := distuv.Beta{Alpha: share * k, Beta: (1 - share) * k, Src: r}.Rand()
	if q != q { // both gammas underflowed (a correlation near 1): all or none
		return wakeOdds(share, 1, r)
	}
	return q
}

// cpuWork runs work of the parent's CPU, then done: processor-shared with
// the jobs, or, while it keeps its core against the processes its signals
// woke (keepsCore), on a core of its own, which the jobs do not share
// (host.CPU.HoldCore). Swapping's slowdown does not apply to the latter.
func (p *parent) cpuWork(work sim.Time, done func()) {
	s := p.s
	if !p.keepsCore {
		s.cpu.Start(work, nil, done)
		return
	}
	s.cpu.HoldCore()
	s.sim.After(work, func() {
		s.cpu.ReleaseCore()
		done()
	})
}

// tornDown counts a woken process's teardown done: the parent goes on.
func (p *parent) tornDown() {
	p.tearing--
	if p.tearing == 0 {
		p.signalNext()
	}
}

// hangupChildren tells every child to go now: prefork's killpg(SIGHUP) runs
// just_die in each child; worker's and event's pod byte RESTART stops a
// child ungracefully.
func (p *parent) hangupChildren() {
	for _, c := range p.s.slots {
		if c == nil || c.exited {
			continue
		}
		if p.s.cfg.mpm == "prefork" {
			c.justDie()
		} else {
			c.ungraceful()
		}
	}
}

// reclaim is ap_reclaim_child_processes (mpm_unix.c): it polls for exited
// children 16 ms, then 64 ms, then 256 ms, then every second after the
// previous check, sending SIGTERM at 3, 5 and 7 s (at once too if
// terminate) and SIGKILL at 9 s to those still there, and gives up at 10 s.
// SIGTERM changes nothing for a child already on its way out: prefork's
// clean_child_exit ignores it, worker's and event's main thread has a dummy
// handler. Then done. Its first pass also calls every other-child callback
// with APR_OC_REASON_RESTART: mod_wsgi deregisters its daemons.
func (p *parent) reclaim(terminate bool, done func()) {
	s := p.s
	start := s.sim.Now()
	deregister := true
	next := 2
	if terminate {
		next = 1
	}
	wait := 16384 * sim.Microsecond
	var iterate func()
	iterate = func() {
		elapsed := s.sim.Now() - start
		action := reclaimNothing
		if reclaimActions[next].at <= elapsed {
			action = reclaimActions[next].action
			next++
		}
		alive := 0
		for _, c := range s.slots {
			if c == nil || c.exited {
				continue
			}
			alive++
			switch action {
			case reclaimTerm:
				s.logf("core", "warn", p.proc.pid, "AH00045: child process %d still did not exit, sending a SIGTERM", c.proc.pid)
			case reclaimKill:
				s.logf("core", "error", p.proc.pid, "AH00046: child process %d still did not exit, sending a SIGKILL", c.proc.pid)
				c.kill()
			case reclaimGiveUp:
				s.logf("core", "error", p.proc.pid, "AH00047: could not make child process %d exit, attempting to continue anyway", c.proc.pid)
			}
		}
		p.reapChildren()
		if deregister {
			deregister = false
			for _, g := range s.groups {
				for _, d := range g.all {
					if !d.exited {
						s.logf("wsgi", "info", p.proc.pid, "mod_wsgi (pid=%d): Process '%s' to be deregistered, as server is restarting or being shutdown.", d.proc.pid, g.name)
					}
				}
			}
		}
		if alive == 0 || action == reclaimGiveUp {
			done()
			return
		}
		if reclaimActions[next].at > 0 {
			s.sim.After(wait, iterate)
			wait = min(4*wait, sim.Second)
			return
		}
		iterate()
	}
	if reclaimActions[next].at > 0 {
		s.sim.After(wait, iterate)
		wait *= 4
		return
	}
	iterate()
}

type reclaimAction uint8

const (
	reclaimNothing reclaimAction = iota
	reclaimTermQuiet
	reclaimTerm
	reclaimKill
	reclaimGiveUp
)

// reclaimActions is ap_reclaim_child_processes' action_table.
var reclaimActions = []struct {
	action reclaimAction
	at     sim.Time
}{
	{reclaimNothing, 0},
	{reclaimTermQuiet, 0},
	{reclaimTerm, 3 * sim.Second},
	{reclaimTerm, 5 * sim.Second},
	{reclaimTerm, 7 * sim.Second},
	{reclaimKill, 9 * sim.Second},
	{reclaimGiveUp, 10 * sim.Second},
}

// reload is main()'s pass between two generations. Clearing pconf runs the
// modules' cleanups — mod_wsgi's first (registered last, in post_config:
// each daemon group's socket closed and unlinked), the modules' unloading
// last — then APR's free_proc_chain SIGTERMs the daemons and waits for
// them; then the configuration is read again, the modules loaded again and
// post_config run (with WSGILazyInitialization Off Python is initialised
// again in the parent, leaking memory); post_config starts the new
// daemons; then the MPM runs again. The parent's CPU for all this is
// host.restart_cpu, half of it before free_proc_chain (an strace of a
// restart shows the module unloading taking about as long as the reading
// that follows); perChildren, what a graceful restart costs the parent
// for the children it told to finish (host.graceful_child_cpu each,
// measured by `simulate calibrate`), comes with the first half.
func (p *parent) reload(perChildren sim.Time) {
	s := p.s
	for _, g := range s.groups {
		g.cleanup()
	}
	half := sim.Time(s.sc.Host.RestartCPU.Duration) / 2
	p.cpuWork(half+perChildren, func() {
		p.freeProcChain(func() {
			work := half
			if !s.sc.WSGI.LazyInitialization {
				s.mem.leakParentHeap(float64(s.sc.Host.PythonRestartLeak))
				work += sim.Time(s.sc.Host.PythonInitCPU.Duration)
			}
			p.cpuWork(work, p.postConfig)
		})
	})
}

// freeProcChain is APR's free_proc_chain for the daemons mod_wsgi noted on
// pconf with APR_KILL_AFTER_TIMEOUT (wsgi_start_process): SIGTERM to each,
// then a check after 46.875 ms, and again after doubling waits, up to 3 s
// in all (TIMEOUT_INTERVAL, TIMEOUT_USECS in apr_pools.c); those still
// there then get SIGKILL. A daemon whose app lives in a sub-interpreter
// hangs in its teardown (§6.6), so with one the parent waits the whole 3 s.
// The daemons the SIGTERM woke can preempt the parent, as a graceful
// restart's children can (restart, woke): its wait starts once the
// teardowns of those that did are done. Measured (strace of an event +
// daemon graceful restart on the VM where they did): the second kill came
// 14 ms after the first, and the wait 14 ms after that.
func (p *parent) freeProcChain(done func()) {
	s := p.s
	var ds []*daemonProc
	for _, g := range s.groups {
		for _, d := range g.all {
			if !d.exited {
				ds = append(ds, d)
			}
		}
	}
	if len(ds) == 0 {
		done()
		return
	}
	for _, d := range ds {
		d.stop()
		if d.finJob != nil && !d.exited {
			p.woke(&d.wokenByRestart)
		}
	}
	const interval, timeout = 46875 * sim.Microsecond, 3 * sim.Second
	wait := interval
	var check func()
	check = func() {
		alive := 0
		for _, d := range ds {
			if !d.exited {
				alive++
			}
		}
		if alive > 0 && wait < timeout {
			s.sim.After(wait, check)
			wait *= 2
			return
		}
		for _, d := range ds {
			if !d.exited {
				d.kill()
			}
		}
		done()
	}
	if p.tearing > 0 {
		p.afterTeardowns = func() {
			p.releaseBehind()
			s.sim.After(wait, check)
		}
		return
	}
	p.releaseBehind() // the parent sleeps in apr_sleep
	s.sim.After(wait, check)
}

// postConfig is the new generation's post_config and MPM run: mod_wsgi's
// wsgi_start_daemons (a new socket per group, named by the generation with
// WSGISocketRotation On, and the group's processes), then <mpm>_run:
// StartServers children at once after a hard restart; after a graceful one,
// StartServers replacements one-for-one as old children are reaped (the
// rest at the first quiet tick) and no doubling of the spawn rate for 10
// spawning ticks (hold_off_on_exponential_spawning). Then the main loop,
// which reaps first.
func (p *parent) postConfig() {
	s := p.s
	for _, g := range s.groups {
		g.start()
	}
	if p.graceful {
		p.remaining = min(s.cfg.startServers, s.cfg.activeLimit)
		p.holdOff = 10
	} else {
		p.startupChildren(s.cfg.startServers)
	}
	s.logf(s.msg.module, "notice", p.proc.pid, "%s: Apache/2.4 (Debian) mod_wsgi/4.9.4 Python/3.11 configured -- resuming normal operations", s.msg.start)
	p.state = looping
	if a := p.pending; a != "" {
		p.pending = ""
		p.act(a)
		return
	}
	p.reap()
	p.sleep()
}

// gracefulStop is apachectl graceful-stop (SIGWINCH): the listeners close
// (new connections are refused, those waiting in the accept queue reset),
// every child finishes what it is doing and goes, and the parent checks
// every second until none is left or GracefulShutdownTimeout has passed;
// then it kills what is left (prefork: killpg SIGTERM; worker and event: the
// pod's RESTART byte and ap_reclaim_child_processes) and exits, and pconf's
// destruction stops the daemons as on a restart. Nothing restarts.
func (p *parent) gracefulStop() {
	s := p.s
	p.releaseBehind()
	p.state = stopping
	s.closeListen()
	for _, c := range s.slots {
		if c == nil || c.exited {
			continue
		}
		if s.cfg.mpm == "prefork" && c.initDone && c.workers[0].status == Ready {
			c.workers[0].set(Graceful)
		}
		c.graceful()
	}
	p.reapChildren() // ap_relieve_child_processes
	s.logf(s.msg.module, "notice", p.proc.pid, "%s", s.msg.stop)
	cutoff := sim.Never
	if t := s.sc.Apache.GracefulShutdownTimeout.Duration; t > 0 {
		cutoff = s.sim.Now() + sim.Time(t)
	}
	var check func()
	check = func() {
		p.reapChildren()
		alive := false
		for _, c := range s.slots {
			if c != nil && !c.exited {
				alive = true
				break
			}
		}
		if alive && s.sim.Now() < cutoff {
			s.sim.After(sim.Second, check)
			return
		}
		if s.cfg.mpm == "prefork" {
			// ap_unixd_killpg(getpgrp(), SIGTERM): children and daemons.
			for _, c := range s.slots {
				if c != nil && !c.exited {
					c.justDie()
				}
			}
			for _, g := range s.groups {
				for _, d := range g.all {
					d.stop()
				}
			}
			p.exit()
			return
		}
		p.hangupChildren()
		p.reclaim(true, p.exit)
	}
	s.sim.After(sim.Second, check)
}

// exit is main()'s destroy_and_exit_process after a stop: pconf's
// cleanups and free_proc_chain stop the daemons; then the parent is gone,
// and its memory with it.
func (p *parent) exit() {
	for _, g := range p.s.groups {
		g.cleanup()
	}
	p.freeProcChain(func() {
		p.state = exited
		p.s.mem.stop(p.proc)
	})
}

// reapChildren is waitpid for every exited child, without replacing any
// (reclaim and the graceful-stop loop).
func (p *parent) reapChildren() {
	for _, c := range p.dead {
		if p.s.slots[c.slot] == c {
			p.s.slots[c.slot] = nil
		}
	}
	p.dead = p.dead[:0]
}

// closeListen closes the Listen socket (ap_close_listeners): connections
// still in the kernel's accept queue are reset, later ones refused.
func (s *server) closeListen() {
	s.listenClosed = true
	for _, c := range s.acceptors.drain() {
		c.waiting = false
	}
	for _, cn := range s.listen.drain() {
		cn.serverClosed = true
		if cl := cn.client; cl != nil && !cn.clientClosed {
			cl.reset(cn)
		}
		s.releaseConn(cn) // Apache's hold from the accept queue
	}
	s.stats.listenQueue.Set(s.sim.Now(), 0)
}

// refused: the client's connect() found nothing listening (ECONNREFUSED).
func (c *client) refused(cn *conn) {
	if cn != c.conn {
		return
	}
	c.conn = nil
	if r := c.req; r != nil && cn.pending == r {
		c.pop.deadlines.stop(c)
		c.req = nil
		c.fail(r, causeRefused)
	}
	c.s.releaseConn(cn)
}

// ungraceful is a worker or event child's ST_UNGRACEFUL (the pod's RESTART
// byte): the listener closes, close_worker_sockets shuts every connection
// a worker holds (the client sees it reset), parked connections are
// dropped, and the workers go as soon as their handler returns — a request
// in the app or proxied to a daemon runs on, its answer going nowhere.
// Then the child exits (and tears Python down, §4.8).
func (c *child) ungraceful() {
	if c.exited || c.hung {
		return
	}
	c.dying = true
	if c.quiescing == 0 {
		c.quiescing = 1
	}
	for _, w := range c.workers {
		if cn := w.conn; cn != nil && !cn.serverClosed {
			cn.serverClosed = true
			if cl := cn.client; cl != nil && !cn.clientClosed {
				cl.reset(cn)
			}
		}
	}
	if !c.initDone {
		return // ready() stops it
	}
	c.stopIdle()
}

// justDie is a prefork child's SIGHUP or SIGTERM handler, just_die: it runs
// clean_child_exit at once, in the signal handler, whatever the child was
// doing, and that destroys the child pool and so tears Python down
// (wsgi_python_child_cleanup takes the GIL with PyEval_AcquireThread).
// Measured (mod_wsgi 4.9.4, Python 3.11): a child whose app is in a
// sub-interpreter and that was running Python on its one thread — a
// request's or an import's CPU, holding the GIL — never gets through that
// and stays until SIGKILL; one waiting with the GIL released, or idle, or
// with the app in the main interpreter, exits once Python is down
// (sometimes by SIGABRT). Connections in progress are reset.
//
// A child still in child_init holds the signal: prefork's child_main
// blocks every signal around ap_run_child_init (apr_setup_signal_thread,
// then child_sigmask restores the mask; httpd 2.4.49 and later), so the
// child first initialises Python and preloads the app, and just_die runs
// when the mask is restored (ready). A child forked in the pass the
// restart signal interrupts would go then anyway: it inherited
// restart_pending, so child_main's loop never starts. Measured (prefork,
// an app preloaded in 0.3 s of CPU, SIGHUP with one of five children
// busy): the child forked at the signal exited 0.41 s after it, and
// AH00173 came at the reclaim's fourth poll, 1.37 s.
func (c *child) justDie() {
	if c.exited || c.hung {
		return
	}
	if !c.initDone {
		c.hangup = true
		return
	}
	if c.py != nil && c.py.subInterpreter && c.py.holdsGIL(c) {
		c.deadlock()
		return
	}
	c.abort()
	c.exit()
}

// deadlock freezes the process in its signal handler: nothing runs, its
// memory and connection stay, until SIGKILL (kill).
func (c *child) deadlock() {
	c.killed = true
	c.hung = true
	c.s.stats.hung++
	if c.initJob != nil {
		c.s.cpu.Cancel(c.initJob)
	}
	for _, w := range c.workers {
		w.timer.Stop()
		c.s.cpu.Cancel(&w.job)
		w.exec.abandon()
	}
	if c.py != nil {
		c.py.stop()
	}
	if c.sweep != nil {
		c.sweep.Stop()
	}
}

// holdsGIL reports whether a thread of child c is running Python with the
// GIL: an import step's CPU, or a request's.
func (py *python) holdsGIL(c *child) bool {
	if py.job != nil {
		return true
	}
	for _, w := range c.workers {
		if w.exec.py == py && w.exec.job.Running() {
			return true
		}
	}
	return false
}

// cleanup is mod_wsgi's wsgi_cleanup_process when pconf is cleared: the
// parent closes and unlinks the group's socket. Its daemons are then
// stopped (freeProcChain) and never respawned; an Apache child of the old
// generation that still connects finds no socket (ENOENT) and answers 503
// (wsgi_connect_daemon). Requests queued in the old socket stay until the
// last old daemon has gone, then read a truncated response: 500.
func (g *daemonGroup) cleanup() {
	if g.sockGen < 0 {
		return
	}
	g.sockGen = -1
	g.gen++                                           // the old generation's daemons are no longer respawned
	g.orphans = append(g.orphans, g.queue.drain()...) // still counted in the daemon queue
	g.acceptors = g.acceptors[:0]
	for _, d := range g.all {
		d.waiting = false
	}
	g.flushOrphans()
}

// start is the new generation's wsgi_start_daemons for this group: a new
// socket and all its processes.
func (g *daemonGroup) start() {
	g.sockGen = g.s.parent.gen
	g.startAll()
}

// flushOrphans answers 500 to requests left in an old socket once no old
// daemon holds it.
func (g *daemonGroup) flushOrphans() {
	if len(g.orphans) == 0 {
		return
	}
	for _, d := range g.all {
		if !d.exited && d.gen != g.gen {
			return
		}
	}
	g.s.stats.daemonQueue.Add(g.s.sim.Now(), -float64(len(g.orphans)))
	for _, p := range g.orphans {
		p.answer(500) // "Truncated or oversized response headers received from daemon process"
		p.leaveDaemon()
	}
	g.orphans = g.orphans[:0]
}

// touch is a touch_script event: the script's mtime changes for group
// ("" every script: embedded mode's and every daemon group's).
func (s *server) touch(ev scenarios.Event) {
	if ev.Group == "" {
		s.scriptMtime++
	}
	for _, g := range s.groups {
		if ev.Group == "" || ev.Group == g.name {
			g.mtime++
		}
	}
}
