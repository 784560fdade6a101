package models

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
	"github.com/forkcast/forkcast/workload"
)

// population plays one of the scenario's client populations
// (workload.Population; docs/model.md §9): an open one's arrivals, a closed
// one's users, a replay's logged requests. Its clients draw from its own
// streams, so adding a population never changes another's traffic.
type population struct {
	s       *server
	p       *workload.Population
	clients sim.Substreams // each client's (or user's) behaviour, by id
	service sim.Substreams // their requests' service times, per replication
	groupOf []string       // the process group serving each of p.Targets.Paths
	costs   []cost         // what each of p.Targets.Paths costs the app
	stop    sim.Time       // on the simulation clock: no request starts at or after it

	// open
	arrivals *workload.Ahead[visit] // since the load's start
	arrival  sim.Timer
	coming   *visit // the arrival the timer is set for (arrivals', until their next Next)
	arrived  uint64

	// replay
	replay   *workload.Replay
	closeLog func() error
	next     workload.ReplayRequest
	replayT  sim.Timer
	byConn   map[uint64]*client
	replayed uint64

	deadlines deadlines // its clients' client_timeout

	// a closed population on a clock (scenarios.Ticker): its ticks'
	// delays, drawn per replication like the server's own draws, in tick
	// order (delays); with Ticker.Holds, the poller's work at each tick
	// (sweep, the tick it is at: sweepK)
	ticker   *scenarios.Ticker
	tickRand *rand.Rand
	delays   tickDelays
	sweep    sim.Timer
	sweepK   int64
}

// cost is what a request for one URL costs the app ([app.urls] by prefix,
// else [app]).
type cost struct {
	cpu, wait scenarios.Dist
	growth    float64
}

func costOf(a scenarios.App, path string) cost {
	c := a.CostFor(path)
	return cost{cpu: c.RequestCPU, wait: c.RequestWait, growth: float64(c.RequestMemoryGrowth)}
}

// newPopulations prepares the scenario's populations. A replay's log is
// opened and checked here, so a bad log is an error before anything runs.
func newPopulations(s *server) ([]*population, error) {
	var out []*population
	for _, p := range append(workload.Populations(s.sc), workload.Observers(s.sc)...) {
		pop := &population{s: s, p: p, clients: p.ClientStreams(),
			service: s.streams.Substreams(fmt.Sprintf("%s/%d", p.StreamName("service"), s.sc.Replication))}
		for _, path := range p.Targets.Paths {
			pop.groupOf = append(pop.groupOf, s.sc.WSGI.GroupFor(path))
			pop.costs = append(pop.costs, costOf(s.sc.App, path))
		}
		s.sim.InitTimer(&pop.deadlines.t, pop.expire)
		if cfg := p.Config; cfg != nil && cfg.Ticker != nil && cfg.Ticker.Period > 0 && p.Kind == "closed" {
			pop.ticker = cfg.Ticker
			pop.tickRand = s.streams.Stream(fmt.Sprintf("%s/%d", p.StreamName("ticker"), s.sc.Replication))
			pop.delays.lo = 1 // the first request goes at the start itself
			s.sim.InitTimer(&pop.sweep, pop.sweepTick)
		}
		switch p.Kind {
		case "open":
			s.sim.InitTimer(&pop.arrival, pop.arrive)
		case "replay":
			r, closeLog, err := p.OpenReplay(s.sc.Source)
			if err != nil {
				return nil, err
			}
			pop.replay, pop.closeLog, pop.byConn = r, closeLog, map[uint64]*client{}
			s.sim.InitTimer(&pop.replayT, pop.replayNext)
		}
		out = append(out, pop)
	}
	return out, nil
}

// start begins the population at the load's start.
func (pop *population) start() {
	s := pop.s
	pop.stop = s.loadStart + sim.Time(pop.p.Stop)
	switch pop.p.Kind {
	case "open":
		pop.arrivals = workload.NewAhead(pop.p.Pacer(), newVisits(pop).draw)
		pop.schedule()
	case "closed":
		at := s.loadStart + sim.Time(pop.p.Start)
		for u := 1; u <= pop.p.Users; u++ {
			c := pop.newClient(uint64(u))
			c.user = true
			s.sim.At(at, c.start)
		}
		if pop.ticker != nil && pop.ticker.Holds {
			pop.sweepK = 1
			pop.sweep.ResetAt(at + sim.Time(pop.ticker.Period))
		}
	case "replay":
		pop.scheduleReplay()
	}
}

// stopped reports whether the population no longer starts requests.
func (pop *population) stopped() bool { return pop.s.sim.Now() >= pop.stop }

// arrive opens a new client connection of an open population, then
// schedules the next arrival.
func (pop *population) arrive() {
	pop.arrived++
	pop.s.startLate(pop.newVisitor(pop.coming))
	pop.schedule()
}

// schedule sets the arrival timer for the next arrival, if any.
func (pop *population) schedule() {
	if v, ok := pop.arrivals.Next(); ok {
		pop.coming = v
		pop.arrival.ResetAt(pop.s.loadStart + v.at)
	}
}

// visit is an open population's arrival: its instant since the load's start,
// and its client's first draws (workload's order: RequestsPerConnection,
// then the first request, drawn as newRequest draws it), made ahead on the
// arrivals' goroutine from the client's own streams.
type visit struct {
	at       sim.Time
	requests int
	first    drawn
	pcg, svc rand.PCG // the client's streams after those draws
}

// visits draws visits on the arrivals' goroutine. It reads only what the
// simulation never writes (copies of its population's streams, targets
// and costs), and its generators, which it writes at every draw, are
// padded off the cache lines of anything else: two cores writing one
// line take turns at it (measured: the drawing three times slower, the
// simulation up to a fifth slower, in about half the runs).
type visits struct {
	_         [64]byte
	pcg, svc  rand.PCG
	rng, srv  rand.Rand // drawing from pcg and svc
	clients   sim.Substreams
	service   sim.Substreams
	client    *scenarios.Client
	targets   *workload.Targets
	costs     []cost
	cpuSecond float64
	_         [64]byte
}

func newVisits(pop *population) *visits {
	v := &visits{clients: pop.clients, service: pop.service, client: pop.p.Client, targets: &pop.p.Targets,
		costs: pop.costs, cpuSecond: pop.s.sc.Host.CPUSecond}
	v.rng, v.srv = *rand.New(&v.pcg), *rand.New(&v.svc)
	return v
}

// draw draws the n-th arrival (from 1) at at.
func (v *visits) draw(n uint64, at sim.Time) visit {
	v.pcg, v.svc = v.clients.PCG(n), v.service.PCG(n)
	requests := workload.RequestsPerConnection(v.client, &v.rng)
	first := drawRequest(v.targets, v.costs, v.cpuSecond, &v.rng, &v.srv)
	return visit{at: at, requests: requests, first: first, pcg: v.pcg, svc: v.svc}
}

// end stops drawing an open population's arrivals.
func (pop *population) end() {
	if pop.arrivals != nil {
		pop.arrivals.Stop()
	}
}

// scheduleReplay waits for the log's next request.
func (pop *population) scheduleReplay() {
	r, ok := pop.replay.Next()
	if !ok {
		pop.closeLog()
		return
	}
	at := pop.s.loadStart + sim.Time(pop.p.Start) + sim.Time(r.At)
	if at >= pop.stop {
		pop.closeLog()
		return
	}
	pop.next = r
	pop.replayT.ResetAt(at)
}

// replayNext gives the log's request to the client of its logged
// connection (a new one for a new connection), then waits for the next.
func (pop *population) replayNext() {
	r := pop.next
	c := pop.byConn[r.Conn]
	if c == nil {
		pop.replayed++
		c = pop.newClient(pop.replayed)
		c.replayConn = r.Conn
		pop.byConn[r.Conn] = c
		pop.s.stats.arrive()
	}
	c.replayQueue = append(c.replayQueue, r)
	if r.LastOnConn {
		delete(pop.byConn, r.Conn)
		c.replayLast, c.replayKeep = true, r.KeptAlive
	}
	if c.req == nil { // not waiting for an answer nor retrying: send it now
		c.replaySend()
	}
	pop.scheduleReplay()
}

// nextTick returns when user c of a population on a clock, answered now,
// sends its next request: at the first tick after the one it last sent at
// whose send, its delay after the tick, is not past. A tick it waited
// through sent nothing, as the poller's loop sends nothing while a request
// is outstanding.
func (pop *population) nextTick(c *client) sim.Time {
	now := pop.s.sim.Now()
	start, period := pop.s.loadStart+sim.Time(pop.p.Start), sim.Time(pop.ticker.Period)
	current := int64((now - start) / period)
	pop.delays.forget(current) // no one asks for an earlier tick's again
	for k := max(current, c.tick+1); ; k++ {
		if at := start + sim.Time(k)*period + pop.delay(k); at >= now {
			c.tick = k
			return at
		}
	}
}

// sweepTick is the poller's work at tick sweepK of its clock
// (Ticker.Holds): runtime mode's sampler sweeps /proc at every tick, a
// goroutine holding a core from the tick for the tick's delay — the
// measured wait before the tick's status request, which nextTick sends
// after it. Its CPU is thus where the sampler spends it, on the ticks,
// rather than spread over the interval with the rest of runtime mode's
// (validate.AsMeasured leaves it out of host.background_profile): an
// event on the clock, a restart's signal at 15.1 s, meets it.
func (pop *population) sweepTick() {
	s, k := pop.s, pop.sweepK
	if d := pop.delay(k); d > 0 {
		s.cpu.HoldCore()
		s.sim.After(d, s.cpu.ReleaseCore)
	}
	pop.delays.forget(k)
	pop.sweepK++
	at := s.loadStart + sim.Time(pop.p.Start) + sim.Time(pop.sweepK)*sim.Time(pop.ticker.Period)
	if at < pop.stop {
		pop.sweep.ResetAt(at)
	}
}

// delay returns the delay after tick k of the population's clock, every
// Long ticks the long one's, drawing the delays in tick order up to k:
// the poller's work (sweepTick) and its user's next send (nextTick) see
// the same draws, whichever asks first.
func (pop *population) delay(k int64) sim.Time {
	t, td := pop.ticker, &pop.delays
	for n := td.lo + int64(len(td.d)); n <= k; n++ {
		dec := t.Delay
		if t.Long > 0 && n%int64(t.Long) == 0 {
			dec = t.LongDelay
		}
		td.d = append(td.d, drawDecile(dec, pop.tickRand))
	}
	return td.d[k-td.lo]
}

// tickDelays are a clock's delays drawn so far and not yet forgotten: d[i]
// is tick lo+i's.
type tickDelays struct {
	lo int64
	d  []sim.Time
}

// forget drops the delays of the ticks before k that were drawn.
func (td *tickDelays) forget(k int64) {
	n := min(max(k-td.lo, 0), int64(len(td.d)))
	if n == 0 {
		return
	}
	td.lo += n
	td.d = append(td.d[:0], td.d[n:]...)
}

// drawDecile draws from a distribution given by its deciles (0%, 10%, …,
// 100%), linearly between them; 0 without any.
func drawDecile(d []time.Duration, r *rand.Rand) sim.Time {
	if len(d) < 2 {
		if len(d) == 1 {
			return sim.Time(d[0])
		}
		return 0
	}
	u := r.Float64() * float64(len(d)-1)
	i := min(int(u), len(d)-2)
	f := u - float64(i)
	return sim.Time(float64(d[i]) + f*float64(d[i+1]-d[i]))
}
