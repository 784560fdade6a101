package models

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/forkcast/forkcast/models/host"
	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
)

// server is one simulated Apache instance with its mod_wsgi daemons, the
// host it runs on and the clients that load it.
type server struct {
	sim     *sim.Sim
	sc      *scenarios.Scenario
	cfg     mpmConfig
	msg     mpmMessages
	streams sim.Streams
	cpu     *host.CPU
	mem     *memory
	pools   poolLaw // a transaction pool's memory by its connections

	parent  *parent
	slots   []*child // process slots; nil when DEAD
	daemons map[string]*daemonGroup
	groups  []*daemonGroup // daemons in name order

	listen    acceptQueue // the kernel accept queue of the Listen socket
	deferred  fifo[*conn] // AcceptFilter data: connections the kernel holds until data comes
	deferT    sim.Timer
	acceptors fifo[*child] // children blocked in accept()
	podBytes  int          // prefork: '!' bytes in the pipe of death
	// listenClosed: a graceful stop closed the Listen socket; connections
	// are refused.
	listenClosed bool

	pythonInChildren bool // mod_wsgi initialises Python in Apache children
	scriptMtime      int  // embedded mode's WSGI script's mtime, bumped by touch_script events

	importRand *rand.Rand // import CPU times, drawn as processes import
	acceptRand *rand.Rand // which daemon process wins the accept mutex
	schedRand  *rand.Rand // the kernel scheduler's waits (docs/model.md §8.4)
	jitterRand *rand.Rand // the load generator's timer lateness (docs/model.md §9.1)
	delayRand  *rand.Rand // responses' delays to the client (host.response_delay; docs/model.md §9.9)
	// clientIO is the last instant a client (not an observer) sent a
	// request or received a response: the load generator has been quiet
	// since (host.response_delay).
	clientIO sim.Time
	pops     []*population // the traffic, by population name
	// loadStart is the scenario's t=0 on the simulation clock: Apache starts
	// at simulation time 0, the load once Apache is ready (ready).
	loadStart sim.Time
	readyPoll *sim.Timer
	tickPhase sim.Time  // from the load's start to the parent's first maintenance tick, in (0, 1 s]
	jiffies   sim.Time  // where simulation time 0 falls in the kernel's 256 ms timer grid (deferRelease)
	firstPoll sim.Time  // from Apache's start to the first check that it is ready
	readyAt   sim.Time  // when runtime mode's warm-up would have found Apache ready
	spare     []*client // clients whose visit is over, to be reused
	requests  slab[request]
	conns     slab[conn]
	nextPID   int

	stats   *stats
	sink    Sink
	sinkErr error
	early   []results.LogLine // log lines before the load started
	loaded  bool              // the load has started: loadStart is set
}

func newServer(sc *scenarios.Scenario) (*server, error) {
	s := &server{
		sim:     sim.New(),
		sc:      sc,
		cfg:     newMPMConfig(sc.Apache),
		streams: sim.NewStreams(sc.Seed),
		daemons: map[string]*daemonGroup{},
		nextPID: 1000,
	}
	var ok bool
	if s.msg, ok = messages[sc.Apache.MPM]; !ok {
		return nil, fmt.Errorf("models: unknown MPM %q", sc.Apache.MPM)
	}
	s.cpu = host.NewCPU(s.sim, sc.Host.CPUs)
	if h := sc.Host; h.SchedMigrate > 0 {
		s.cpu.SetMigration(h.SchedMigrate, max(h.SchedMigrateShape, 1), s.streams.Stream(fmt.Sprintf("cpu/%d", sc.Replication)))
	}
	s.mem = newMemory(s)
	s.pools = newPoolLaw(sc.Host)
	s.stats = newStats(s)
	s.slots = make([]*child, s.cfg.slots)
	s.listen.limit = s.cfg.listenBacklog + 1 // Linux admits backlog+1 (sk_acceptq_is_full is '>')
	s.sim.InitTimer(&s.deferT, s.deferExpired)

	// wsgi_python_required: children initialise Python unless
	// WSGIRestrictEmbedded On, even when every request goes to a daemon.
	s.pythonInChildren = !sc.WSGI.RestrictEmbedded
	for _, name := range sc.WSGI.DaemonNames() {
		g := newDaemonGroup(s, name, *sc.WSGI.DaemonProcesses[name])
		s.daemons[name] = g
		s.groups = append(s.groups, g)
	}
	// Service and import times come from streams of their own, numbered by
	// the replication, so replications vary them over the same workload.
	s.importRand = s.streams.Stream(fmt.Sprintf("imports/%d", sc.Replication))

	s.acceptRand = s.streams.Stream(fmt.Sprintf("accept/%d", sc.Replication))
	// The scheduler's waits and the load generator's timer lateness vary
	// from run to run of the real server whatever the traffic: streams of
	// their own per replication, which variants share.
	s.schedRand = s.streams.Stream(fmt.Sprintf("sched/%d", sc.Replication))
	s.jitterRand = s.streams.Stream(fmt.Sprintf("jitter/%d", sc.Replication))
	s.delayRand = s.streams.Stream(fmt.Sprintf("response-delay/%d", sc.Replication))
	// The time from the load's start to the parent's first maintenance
	// tick: the scenario's, or the replication's point of a sequence that
	// spreads the replications over the second (spreadPhase), its offset
	// drawn from a stream of its own (so variants, which share the seed,
	// share it too).
	s.tickPhase = sim.Time(sc.TickPhase.Duration)
	// The kernel's jiffies count from its boot, in no step with Apache:
	// where its timer wheel's 256 ms buckets fall (AcceptFilter data's
	// releases, deferRelease) varies from run to run.
	s.jiffies = sim.Time(s.streams.Stream(fmt.Sprintf("jiffies/%d", sc.Replication)).Int64N(int64(deferGrid)))
	s.firstPoll = readyPollPeriod
	switch tick := s.streams.Stream(fmt.Sprintf("tick/%d", sc.Replication)); {
	case sc.TickPhase.Random:
		s.tickPhase = spreadPhase(s.streams.Stream("tick").Uint64(), sc.Replication)
	case sc.TickPhase.Startup:
		// Runtime mode's 20 ms polls are not in step with Apache's
		// start: the first comes anywhere in the period.
		s.firstPoll = sim.Time(1 + tick.Int64N(int64(readyPollPeriod)))
	}
	var err error
	if s.pops, err = newPopulations(s); err != nil {
		return nil, err
	}

	s.parent = newParent(s)
	return s, nil
}

// spreadPhase returns replication r's time from the load's start to the
// parent's first tick, in (0, 1 s]: the r-th point of the golden-ratio
// sequence frac(u + r/φ) (in 64-bit fixed point: u + r·⌊2^64/φ⌋, the
// offset u drawn once per seed). Each replication's phase is uniform over
// the second, as u is, and any n replications' phases spread over it
// evenly: the gaps between them take at most three lengths (the three-gap
// theorem), none wider than ~1.8/n s, where n independent draws leave one
// about ln(n)/n wide — 20 uniform draws left every validation case (all
// seed 1) without a phase below 0.22 s, so no replication took the paths
// that begin there. Variants share the seed, so they share the phases.
func spreadPhase(u uint64, r int) sim.Time {
	const golden = 0x9e3779b97f4a7c15 // 2^64/φ
	x := u + uint64(r)*golden
	ns, _ := bits.Mul64(x, uint64(sim.Second)) // ⌊x·10^9 / 2^64⌋, in [0, 10^9)
	return sim.Time(ns) + 1
}

func (s *server) pid() int {
	s.nextPID++
	return s.nextPID
}

// at returns the scenario time of simulation instant t (negative before the
// load starts).
func (s *server) at(t sim.Time) sim.Time { return t - s.loadStart }

// schedWait draws how long a task that becomes runnable waits for a core
// while r other tasks are runnable: nothing while a core is free, else
// uniform over (0, 2×mean×q), q = (r − cores + 1)/cores, the tasks queued
// ahead of it per core (docs/model.md §8.4).
func (s *server) schedWait(r int, mean time.Duration) sim.Time {
	c := s.cpu.Cores()
	if mean <= 0 || r < c {
		return 0
	}
	q := float64(r-c+1) / float64(c)
	return sim.Time(2 * s.schedRand.Float64() * float64(mean) * q)
}

// logf records an Apache error-log line at the simulation clock's instant.
func (s *server) logf(module, level string, pid int, format string, a ...any) {
	s.logLine(results.LogLine{At: s.sim.Now().Duration(), Module: module, Level: level, PID: pid, Msg: fmt.Sprintf(format, a...)})
}

// logLine records a log line timed on the simulation clock: the sink gets
// it timed from the load's start, as soon as that is known (lines written
// while Apache started wait for it, and have negative times, as in runtime
// mode). Lines are counted by AH number for the summary.
func (s *server) logLine(l results.LogLine) {
	if i := strings.Index(l.Msg, ":"); i > 0 && strings.HasPrefix(l.Msg, "AH") {
		s.stats.logCounts[l.Msg[:i]]++
	}
	if !s.loaded {
		s.early = append(s.early, l)
		return
	}
	l.At -= s.loadStart.Duration()
	s.emit(s.sink.Log(l))
}

// emit notes the sink's first error and stops the run on it.
func (s *server) emit(err error) {
	if err != nil && s.sinkErr == nil {
		s.sinkErr = err
		s.sim.Stop()
	}
}

// readyPollPeriod is how often runtime mode checks that Apache is ready
// before it starts the load (runtime.waitReady and warmUp poll every 20 ms).
const readyPollPeriod = 20 * sim.Millisecond

// run starts Apache, starts the load once Apache is ready, and plays the
// scenario to its end.
func (s *server) run() {
	if c := s.sc.Host.BackgroundCPU; c > 0 || len(s.sc.Host.BackgroundProfile) > 0 {
		b := &background{s: s, g: host.Group{Cap: min(c, float64(s.sc.Host.CPUs))}}
		b.start()
		if len(s.sc.Host.BackgroundProfile) > 0 {
			b.wake = s.sim.NewTimer(b.reserve)
			b.reserve()
		}
	}
	s.parent.start()
	s.readyPoll = s.sim.NewTimer(s.pollReady)
	s.readyPoll.Reset(s.firstPoll)
	defer func() { // however the run ends: stopped, or a bug's panic too
		for _, pop := range s.pops {
			pop.end()
		}
	}()
	s.sim.Run(sim.Never)
	s.stats.finish()
}

// pollReady checks, as runtime mode does before it starts the load, that
// Apache answers (a child is READY), that every daemon process has been
// forked, and that every preload has imported the app; then the load — the
// scenario's t=0 — starts.
func (s *server) pollReady() {
	if !s.ready() {
		s.readyPoll.Reset(readyPollPeriod)
		return
	}
	s.readyAt = s.sim.Now()
	// Where the parent's 1 s timer stands when a surge arrives is, in
	// production, anywhere in the second: the load starts at the first
	// instant from now at which the parent's next maintenance tick is
	// tickPhase away (nothing happens in an idle server meanwhile). With
	// "startup" it starts now, as runtime mode then does: the phase is
	// then what the start-up made it, the same in every replication.
	if next, ok := s.parent.tick.When(); ok && !s.sc.TickPhase.Startup {
		at := next - s.tickPhase
		for at < s.sim.Now() {
			at += sim.Second
		}
		if at > s.sim.Now() {
			s.readyPoll.SetFunc(s.startLoad)
			s.readyPoll.ResetAt(at)
			return
		}
	}
	s.startLoad()
}

// startLoad starts the load: the scenario's t=0.
func (s *server) startLoad() {
	s.loadStart = s.sim.Now()
	s.loaded = true
	s.mem.loadStarts()
	for _, l := range s.early {
		l.At -= s.loadStart.Duration()
		s.emit(s.sink.Log(l))
	}
	s.early = nil
	end := s.loadStart + sim.Time(s.sc.Duration.Duration)
	for _, pop := range s.pops {
		pop.start()
	}
	for _, ev := range s.sc.Events {
		ev := ev
		s.sim.At(s.loadStart+sim.Time(ev.At.Duration), func() { s.event(ev) })
	}
	s.stats.start(s.loadStart, end)
	s.sim.At(end, s.sim.Halt)
}

// ready reports whether runtime mode would start the load now.
func (s *server) ready() bool {
	answering, preloaded := false, 0
	for _, c := range s.slots {
		if c != nil && c.initDone && !c.exited {
			answering = true
			if c.py != nil && c.py.loaded {
				preloaded++
			}
		}
	}
	if !answering {
		return false
	}
	if s.sc.WSGI.Preload && s.embeddedRoutes() && preloaded < s.cfg.startServers {
		return false
	}
	for _, g := range s.groups {
		for _, d := range g.procs {
			if d == nil || (s.sc.WSGI.Preload && !d.ready) {
				return false
			}
		}
	}
	return true
}

// event applies a scenario event: apachectl graceful, restart or
// graceful-stop signals the parent; touch_script changes a script's mtime,
// which the next request each process serves sees (wsgi_reload_required
// compares the module's __mtime__).
func (s *server) event(ev scenarios.Event) {
	s.stats.restartEvent(ev)
	if ev.Action == "touch_script" {
		s.touch(ev)
		return
	}
	s.parent.signal(ev.Action)
}

// newConn returns a new connection of client c carrying request r.
func (s *server) newConn(c *client, r *request) *conn {
	cn := s.conns.new()
	cn.client, cn.pending, cn.refs = c, r, 1 // held by c
	if r != nil {
		holdRequest(r)
	}
	return cn
}

// startLate starts c's visit a little after now, as a real load
// generator's timer wakes a little after each arrival's instant
// (host.arrival_jitter; docs/model.md §9.1); at once when the jitter is 0.
// The wait is on the client's own timer: no allocation per arrival.
func (s *server) startLate(c *client) {
	if j := s.sc.Host.ArrivalJitter.Duration; j > 0 {
		c.wait(sim.Time(s.jitterRand.ExpFloat64()*float64(j)), arriving)
		return
	}
	c.start()
}
