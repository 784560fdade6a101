package models

import (
	"math"

	"github.com/forkcast/forkcast/sim"
)

// maxSpawnRate is MAX_SPAWN_RATE in all three MPMs.
const maxSpawnRate = 32

// parent is the Apache parent process and its main loop.
type parent struct {
	s         *server
	proc      *process
	gen       int
	rate      int // retained->idle_spawn_rate
	holdOff   int // hold_off_on_exponential_spawning
	remaining int // remaining_children_to_start after a graceful restart
	state     parentState
	graceful  bool   // the restart in progress is graceful
	pending   string // a signal that came while the parent was not in its loop
	reported  bool
	within    bool
	tick      *sim.Timer
	forkAt    sim.Time // the parent is busy forking until then
	burst     int      // children forked since the parent last had nothing to fork
	woken     bool     // the sleep is over and the parent waits for a core (wake)
	dead      []*child
	deadDae   []*daemonProc
	// tearing counts the processes a restart woke that took the
	// parent's core and are still tearing Python down; the parent goes on
	// once they are done: with the next in toSignal, then afterTeardowns.
	// preemptOdds: the odds that a process this restart woke takes the
	// parent's core (woke). keepsCore: some process the restart woke did
	// not take it, and the parent keeps its core against them through
	// the reload (cpuWork). behind: the children that did not, whose
	// teardowns wait for the parent's core until it next sleeps
	// (releaseBehind).
	tearing        int
	toSignal       []func()
	afterTeardowns func()
	preemptOdds    float64
	keepsCore      bool
	behind         []*child
	// onTick, when set, sees every maintenance pass (at the simulation
	// clock's instant): how many children it forked and the idle count it
	// acted on (tests use it).
	onTick func(at sim.Time, spawned, idle int)
}

func newParent(s *server) *parent {
	p := &parent{s: s, rate: 1}
	p.tick = s.sim.NewTimer(p.wake)
	return p
}

// start is httpd's start: post_config (mod_wsgi initialises Python in the
// parent when WSGILazyInitialization is Off, and starts the daemon
// groups), then startup_children(StartServers) back to back, then the main
// loop's first 1 s sleep.
func (p *parent) start() {
	s := p.s
	h := s.sc.Host
	p.proc = s.mem.start(kindParent, float64(h.ApacheParentPrivate))
	if !s.sc.WSGI.LazyInitialization {
		s.mem.mapPython(p.proc)
		s.mem.growParentHeap(float64(h.PythonInterpreter))
	}
	for _, g := range s.groups {
		g.startAll()
	}
	p.startupChildren(s.cfg.startServers)
	s.logf(s.msg.module, "notice", p.proc.pid, "%s: Apache/2.4 (Debian) mod_wsgi/4.9.4 Python/3.11 configured -- resuming normal operations", s.msg.start)
	p.sleep()
}

// forkSlot returns when the next fork() returns: forks are back to back and
// each takes fork_time of the parent's CPU. While every core is taken —
// by the CPU's jobs and the children this burst has forked, each runnable
// at once — the parent is preempted after a run of host.sched_run CPU on
// average (exponential, so a fork ends a run with probability
// 1 − exp(−fork_time/sched_run)) and waits for a core before its next fork
// (docs/model.md §8.4).
func (p *parent) forkSlot() sim.Time {
	s := p.s
	now := s.sim.Now()
	if p.forkAt < now {
		p.forkAt = now
		p.burst = 0
	}
	h := s.sc.Host
	p.forkAt += sim.Time(h.ForkTime.Duration)
	p.burst++
	at := p.forkAt
	if h.SchedRun.Duration > 0 {
		r := s.cpu.Runnable() + p.burst
		preempt := -math.Expm1(-h.ForkTime.Seconds() / h.SchedRun.Seconds())
		if r >= s.cpu.Cores() && s.schedRand.Float64() < preempt {
			p.forkAt += s.schedWait(r, h.SchedWait.Duration)
		}
	}
	return at
}

// makeChild forks a child into a DEAD slot. The parent marks the slot
// STARTING before fork(); the child runs child_init once forked.
func (p *parent) makeChild(slot int) {
	s := p.s
	c := newChild(s, slot, p.gen)
	c.proc.owner = c
	s.slots[slot] = c
	s.stats.addProcesses(s.stats.children, 1)
	at := p.forkSlot()
	s.stats.forked(kindChild, at)
	s.sim.At(at, func() {
		// A spawn counts when fork() made the process — its start time,
		// which is when runtime mode counts it — not when the parent
		// decided on it: a burst the scheduler stretches over 100 ms
		// crosses into the next second's row as the real one does.
		s.stats.spawns++
		c.init()
	})
}

// startupChildren forks n children into the lowest DEAD slots.
func (p *parent) startupChildren(n int) {
	for i := 0; i < len(p.s.slots) && n > 0; i++ {
		if p.s.slots[i] == nil && p.activeChildren() < p.s.cfg.activeLimit {
			p.makeChild(i)
			n--
		}
	}
}

// sleep schedules the end of the loop's 1 s sleep, after any forks.
func (p *parent) sleep() {
	p.releaseBehind()
	at := p.s.sim.Now()
	if p.forkAt > at {
		at = p.forkAt
	}
	p.woken = false
	p.tick.ResetAt(at + sim.Second)
}

// wake is the end of the 1 s sleep: the parent is runnable again, and while
// every core is taken it waits for one among the runnable tasks before it
// runs maintenance (host.sched_wake_wait; docs/model.md §8.4). The wait
// reuses the tick's timer, so whatever stops the tick stops it too.
func (p *parent) wake() {
	s := p.s
	if !p.woken {
		if w := s.schedWait(s.cpu.Runnable(), s.sc.Host.SchedWakeWait.Duration); w > 0 {
			p.woken = true
			p.tick.Reset(w)
			return
		}
	}
	p.woken = false
	p.maintenanceTick()
}

// maintenanceTick is one pass of the main loop after its sleep: start the
// children left after a graceful restart (skipping maintenance), or run
// perform_idle_server_maintenance; then the next loop's non-blocking reaps;
// then sleep again.
func (p *parent) maintenanceTick() {
	p.pass()
	p.reap()
	p.sleep()
}

// pass is what the main loop does when ap_wait_or_timeout returns no child:
// start the children left after a graceful restart, or maintenance.
func (p *parent) pass() {
	if p.remaining > 0 {
		n := p.remaining
		p.remaining = 0
		p.startupChildren(n)
	} else {
		switch p.s.cfg.mpm {
		case "prefork":
			p.preforkMaintenance()
		default:
			p.threadedMaintenance()
		}
	}
}

// childExited notes a child that exited; the parent reaps it at its next
// loop (so maintenance still sees the slot with its last status).
func (p *parent) childExited(c *child) {
	p.s.stats.addProcesses(p.s.stats.children, -1)
	p.dead = append(p.dead, c)
}

func (p *parent) daemonExited(d *daemonProc) { p.deadDae = append(p.deadDae, d) }

// reap is ap_wait_or_timeout's waitpid(WNOHANG) at the top of each loop:
// every exited child's slot becomes DEAD (and is refilled one-for-one while
// a graceful restart's StartServers are still due), and mod_wsgi's
// other-child callback forks a replacement for every dead daemon of the
// current generation.
func (p *parent) reap() {
	s := p.s
	for _, c := range p.dead {
		if s.slots[c.slot] != c {
			continue // reaped already (reclaim), or worker forked over the slot
		}
		s.slots[c.slot] = nil
		if p.remaining > 0 {
			p.makeChild(c.slot)
			p.remaining--
		}
	}
	p.dead = p.dead[:0]
	for _, d := range p.deadDae {
		if d.gen == d.g.gen && d.g.procs[d.slot] == d {
			s.logf("wsgi", "info", p.proc.pid, "mod_wsgi (pid=%d): Process '%s' has died, deregister and restart it.", d.proc.pid, d.g.name)
			d.g.spawn(d.slot)
		}
	}
	p.deadDae = p.deadDae[:0]
}

// activeChildren counts children in slots that are not shutting down.
func (p *parent) activeChildren() int {
	n := 0
	for _, c := range p.s.slots {
		if c != nil && c.quiescing == 0 && !c.dying {
			n++
		}
	}
	return n
}

// spawnLogged grows the rate after a spawning tick: doubling up to 32,
// unless a graceful restart's hold-off is still counting down.
func (p *parent) grow() {
	if p.holdOff > 0 {
		p.holdOff--
	} else if p.rate < maxSpawnRate {
		p.rate *= 2
	}
}

// preforkMaintenance is prefork's perform_idle_server_maintenance
// (prefork.c; docs/model.md §3.2).
func (p *parent) preforkMaintenance() {
	s := p.s
	var free []int
	idle, total := 0, 0
	for i, c := range s.slots {
		if c == nil {
			if len(free) < p.rate {
				free = append(free, i)
			}
			continue
		}
		if c.workers[0].status <= Ready {
			idle++
		}
		total++
	}
	switch {
	case idle > s.cfg.maxSpare:
		p.podSignal()
		p.rate = 1
	case idle < s.cfg.minSpare:
		if len(free) == 0 {
			p.reachedMaxRequestWorkers(idle)
			p.rate = 1
			p.traceTick(0, idle)
			return
		}
		if p.rate >= 8 {
			s.logf(s.msg.module, "info", p.proc.pid, "%s: server seems busy, (you may need to increase StartServers, or Min/MaxSpareServers), spawning %d children, there are %d idle, and %d total children", s.msg.busy, p.rate, idle, total)
		}
		for _, slot := range free {
			p.makeChild(slot)
		}
		p.traceTick(len(free), idle)
		p.grow()
		return
	default:
		p.rate = 1
	}
	p.traceTick(0, idle)
}

func (p *parent) traceTick(spawned, idle int) {
	if p.onTick != nil {
		p.onTick(p.s.sim.Now(), spawned, idle)
	}
}

// threadedMaintenance is worker's and event's perform_idle_server_maintenance
// (worker.c, event.c; docs/model.md §3.3, §3.4): idle threads are counted
// server-wide; a process counts ThreadsPerChild idle threads from fork.
func (p *parent) threadedMaintenance() {
	s := p.s
	event := s.cfg.mpm == "event"
	var free []int
	idle, activeThreads, totalProcs, activeProcs := 0, 0, 0, 0
	for i, c := range s.slots {
		// worker forks over the slot of a process shutting down whose
		// threads are all gone ("squatting", worker_note_child_lost_slot);
		// here that is a process hung in Python's teardown.
		if c == nil || (!event && c.hung) {
			if len(free) < p.rate {
				free = append(free, i)
			}
			continue
		}
		if event && c.quiescing == 1 {
			c.quiescing = 2
		}
		totalProcs++
		if c.quiescing == 0 && !c.dying {
			activeProcs++
		}
		for _, w := range c.workers {
			if w.status <= Ready && !c.dying && !(event && c.notAccepting) && c.gen == p.gen {
				idle++
			}
			if w.status >= Ready && w.status < Graceful {
				activeThreads++
			}
		}
	}
	if !event {
		activeProcs = totalProcs
	}
	switch {
	case idle > s.cfg.maxSpare:
		// event kills only when no process is still exiting, or ServerLimit
		// leaves room for one more exiting process.
		if !event || activeProcs == totalProcs || len(s.slots)-totalProcs > s.cfg.activeLimit {
			p.podxSignal()
		}
		p.rate = 1
	case idle < s.cfg.minSpare:
		atCap := activeThreads >= s.cfg.maxRequestWorkers
		if !event && len(free) > 0 {
			atCap = false // worker checks free slots first
		}
		if atCap {
			p.reachedMaxRequestWorkers(idle)
			p.rate = 1
			p.traceTick(0, idle)
			return
		}
		if len(free) == 0 {
			s.logf(s.msg.module, "error", p.proc.pid, "%s: scoreboard is full, not at MaxRequestWorkers.Increase ServerLimit.", s.msg.full)
			p.rate = 1
			p.traceTick(0, idle)
			return
		}
		n := min(len(free), p.rate)
		if event && n+activeProcs > s.cfg.activeLimit {
			if activeProcs < s.cfg.activeLimit {
				n = s.cfg.activeLimit - activeProcs
			} else {
				n = 0
				p.rate = 1
				p.holdOff++ // cancelled by grow() below: no doubling
			}
		}
		if p.rate >= 8 {
			if event {
				s.logf(s.msg.module, "info", p.proc.pid, "%s: server seems busy, (you may need to increase StartServers, ThreadsPerChild or Min/MaxSpareThreads), spawning %d children, there are around %d idle threads, %d active children, and %d children that are shutting down", s.msg.busy, n, idle, activeProcs, totalProcs-activeProcs)
			} else {
				s.logf(s.msg.module, "info", p.proc.pid, "%s: server seems busy, (you may need to increase StartServers, ThreadsPerChild or Min/MaxSpareThreads), spawning %d children, there are around %d idle threads, and %d total children", s.msg.busy, n, idle, totalProcs)
			}
		}
		for _, slot := range free[:n] {
			p.makeChild(slot)
		}
		p.traceTick(n, idle)
		p.grow()
		return
	default:
		p.rate = 1
	}
	p.traceTick(0, idle)
}

// reachedMaxRequestWorkers logs the cap once per httpd lifetime
// (retained->maxclients_reported is never reset).
func (p *parent) reachedMaxRequestWorkers(idle int) {
	s := p.s
	if s.cfg.mpm != "prefork" && idle > 0 {
		if !p.within {
			p.within = true
			s.logf(s.msg.module, "error", p.proc.pid, "%s: server is within MinSpareThreads of MaxRequestWorkers, consider raising the MaxRequestWorkers setting", s.msg.within)
		}
		return
	}
	if !p.reported {
		p.reported = true
		s.logf(s.msg.module, "error", p.proc.pid, "%s: server reached MaxRequestWorkers setting, consider raising the MaxRequestWorkers setting", s.msg.reached)
	}
}

// podSignal is prefork's ap_mpm_pod_signal: a '!' in the pipe of death and
// a dummy "OPTIONS *" connection; the next child to finish any connection
// takes the byte and exits.
func (p *parent) podSignal() {
	s := p.s
	s.podBytes++
	s.stats.kills++
	s.connect(&conn{dummy: true})
}

// podxSignal is worker's and event's ap_mpm_podx_signal(GRACEFUL): one byte
// read by whichever child's main thread the kernel wakes, busy or not, among
// children past child_init; here the one that has waited longest.
func (p *parent) podxSignal() {
	s := p.s
	var victim *child
	for _, c := range s.slots {
		if c == nil || !c.initDone || c.dying || c.exited || c.gen != p.gen {
			continue
		}
		if victim == nil || c.readyAt < victim.readyAt {
			victim = c
		}
	}
	if victim != nil {
		s.stats.kills++
		victim.graceful()
	}
}
