package host

import (
	"math"
	"math/rand/v2"

	"github.com/forkcast/forkcast/sim"
)

// CPU shares Cores among running jobs by processor sharing.
//
// Jobs belong to groups. A group is capped at Cap cores in total: a Python
// process's threads form one group with Cap 1 (they take turns holding the
// GIL); a job in no group is a single thread, capped at one core. When the
// groups' demand D = Σ min(n_g, Cap_g) exceeds the cores C, every group gets
// the same fraction C/D of its demand, shared equally by its n_g jobs:
//
//	rate(job in g) = min(n_g, Cap_g)/n_g × min(1, C/D) / slowdown
//
// in CPU-seconds per second; slowdown is 1 unless memory is swapping. Cores
// taken off the top by Reserve are not shared: C is the cores less them.
// Rates change whenever a job starts, ends or the slowdown changes.
//
// Jobs that run at the same rate form a rate class: the lone threads and
// every group running one job under a cap of at least 1 (all at
// C/D/slowdown), the groups running two jobs under a cap of 1 (at half
// that), and so on — a class for each (m, n) = (min(n_g, Cap_g), n_g) in
// use, a handful. Each class keeps a virtual clock V, the CPU time each of
// its jobs has received since the class began: between two changes it
// advances by rate × elapsed. A job that joins class k with work w left is
// given the finish tag V_k + w, so that at any instant
//
//	remaining work = tag − V_k
//
// whatever the rates were meanwhile. A rate change therefore touches no
// job: it advances each class's clock and recomputes each class's rate, and
// the next completion is the least over classes of (least tag − V_k)/rate_k,
// the least tag being the top of the class's heap of tags. With run queues
// a core (SetMigration) a class is also one queue's, its rate weighted by
// the queue's length (runqueue.go). D is Σ over
// classes of (jobs/n) × m — the number of groups in the class times m —
// or just the number of jobs when no group runs more jobs than its cap. A
// start, finish or cancellation costs O(classes + log n) for n running jobs,
// plus moving the other jobs of its group to the class of the group's new
// size (a Python process's few threads); a slowdown costs O(classes).
//
// The arithmetic is that of charging each job rate × elapsed at every
// change, rounded differently: tag − V has the rounding error of V's
// magnitude, so a class's clock is taken back to 0 (every tag decreased by
// V, which keeps their order) once it passes 2^32 ns, which keeps the error
// of remaining work under 10^-6 ns per change. A job finishes at the first
// nanosecond at which its remaining work is at most half a nanosecond, as
// charging each job its own rate gives to within a nanosecond
// (TestSameAsChargingEachJob).
type CPU struct {
	sim      *sim.Sim
	cores    float64
	reserved float64 // cores taken off the top: background + held, at most cores
	outside  float64 // Reserve's
	held     int     // HoldCore's
	slowdown float64
	classes  []class
	active   []int32 // classes with running jobs, and at most one without (see class)
	free     []int32 // unused classes
	capped   int     // active classes of groups over their cap (m < n)
	running  int     // jobs in progress
	lone     int     // of which in no group
	groups   int     // groups with a job in progress
	last     sim.Time
	timer    *sim.Timer
	busy     *sim.Gauge // cores in use
	work     float64    // CPU-ns delivered in total
	seq      uint64
	finished []finishedJob // scratch for complete

	// Run queues a core (SetMigration; docs/model.md §8.6): off, every
	// job is in the fluid core -1.
	migrate  float64    // tasks moved per ns, for each task on a longest queue, while the queues are unequal
	rng      *rand.Rand // where a task is placed, which one moves
	queues   []runQueue // per core
	tasks    int        // tasks in the queues
	migShape int        // the waits' gamma shape
	migLeft  float64    // what the next move waits for, in mean waits at rate 1
	migRate  float64    // moves per ns since the last change
	migTimer *sim.Timer
	weights  []float64 // scratch for reschedule: a core's share relative to the fluid one
}

// runQueue is one core's tasks: the lone jobs and the Python processes' groups
// (NewGIL) placed on it.
type runQueue struct {
	tasks []task
}

// task is what the kernel schedules: a lone job, or a Python process's
// group (NewGIL), whose threads take turns.
type task struct {
	j *Job
	g *Group
}

// rebaseAt is the virtual clock at which a class takes its clock and its
// jobs' tags back by as much: 2^32 ns, where a float64's spacing is 2^-20 ns.
const rebaseAt = 1 << 32

// class is the jobs running at one rate: those of groups running n jobs
// under a cap that lets m of them run (m = min(n, Cap)), at share × m / n.
// Lone threads are m = n = 1.
type class struct {
	core  int32 // the run queue its jobs are on; -1: shared by every core
	m, n  float64
	at    int     // index in CPU.active while it has jobs
	rate  float64 // CPU-ns per ns, since the last change
	clock float64 // CPU-ns each of its jobs received since the class began
	tags  []tag   // its jobs, a binary heap by finish tag, least first
}

// tag is a job's place in its class's heap: its work is done when the
// class's clock reaches at.
type tag struct {
	at  float64
	job *Job
}

// Group is a set of jobs sharing a cap, such as one Python process's GIL.
type Group struct {
	Cap  float64
	jobs []*Job // running
	one  bool   // one process, one task for the kernel (NewGIL); else shared by every core
	rq   int32  // 1 + its run queue's core while it has jobs (one, run queues on); 0: none
	qpos int32  // in the run queue
}

// NewGIL returns a group for one Python process: its threads share one core.
func NewGIL() *Group { return &Group{Cap: 1, one: true} }

// finishedJob is a job whose work is done and the run of it that finished.
type finishedJob struct {
	job *Job
	seq uint64
}

// Job is CPU work in progress. A Job's owner may keep one Job value and run
// it again and again with Run, which costs no allocation; Start allocates one.
type Job struct {
	group *Group
	cls   int32 // its class; -1 once finished or cancelled
	pos   int32 // in the class's heap
	in    int   // in group.jobs
	seq   uint64
	done  func()
	rq    int32 // 1 + its run queue's core while it runs in no group (run queues on); 0: none
	qpos  int32 // in the run queue
}

// NewCPU returns cores shared by processor sharing.
func NewCPU(s *sim.Sim, cores int) *CPU {
	c := &CPU{sim: s, cores: float64(cores), slowdown: 1, busy: sim.NewGauge(s.Now(), 0)}
	c.timer = s.NewTimer(c.complete)
	return c
}

// Busy returns the gauge of cores in use.
func (c *CPU) Busy() *sim.Gauge { return c.busy }

// Delivered returns the CPU time delivered so far.
func (c *CPU) Delivered() sim.Time { return sim.Time(c.work) }

// Running returns the number of jobs in progress.
func (c *CPU) Running() int { return c.running }

// Runnable returns the number of tasks the kernel's run queues hold: every
// job in no group, and each group with a job in progress once (a Python
// process's threads that wait for the GIL sleep on it, not in the run
// queue).
func (c *CPU) Runnable() int { return c.lone + c.groups }

// Cores returns the number of cores.
func (c *CPU) Cores() int { return int(c.cores) }

// Start begins work CPU-nanoseconds of work in group g (nil for a lone
// thread) and calls done when it is finished. Zero work completes at once,
// from a timer, so callers never re-enter themselves.
func (c *CPU) Start(work sim.Time, g *Group, done func()) *Job {
	j := &Job{}
	c.Run(j, work, g, done)
	return j
}

// Run is Start on the caller's own job j, which must not be running.
func (c *CPU) Run(j *Job, work sim.Time, g *Group, done func()) {
	if j.Running() {
		panic("host: Run of a job that is running")
	}
	c.settle()
	c.seq++
	*j = Job{group: g, cls: -1, seq: c.seq, done: done}
	c.running++
	var k int32
	if g != nil {
		if len(g.jobs) == 0 {
			c.groups++
			if g.one && c.queues != nil {
				c.enqueue(task{g: g})
			}
		}
		j.in = len(g.jobs)
		g.jobs = append(g.jobs, j)
		k = c.regroup(g) // moves the others; j is in no class yet
	} else {
		c.lone++
		if c.queues != nil {
			c.enqueue(task{j: j})
		}
		k = c.class(j.rq-1, 1, 1)
	}
	c.push(k, j, c.classes[k].clock+float64(work))
	c.reschedule()
}

// Running reports whether the job has been started and its callback has
// not yet been called, nor the job cancelled. The zero Job is not running.
func (j *Job) Running() bool { return j.done != nil }

// Cancel abandons a job (its process died): its callback will not be
// called, even if its work finished at this instant and the callback is
// still to come. It reports whether the job was running.
func (c *CPU) Cancel(j *Job) bool {
	if j == nil || !j.Running() {
		return false
	}
	j.done = nil
	if j.cls >= 0 {
		c.settle()
		c.pull(j)
		c.leave(j)
		if j.group != nil {
			c.regroup(j.group)
		}
		c.reschedule()
	}
	return true
}

// Reserve takes r cores off the top for work outside the jobs, which
// gets them whatever the jobs want: CPU another process was measured to
// use (the jobs share the rest). r is at least 0, and with HoldCore's
// cores at most cores; it counts in Busy and Delivered.
func (c *CPU) Reserve(r float64) {
	c.outside = max(r, 0)
	c.reserve()
}

// HoldCore takes one core off the top for a task that keeps it against
// the jobs, which share the rest, until ReleaseCore: the Apache parent
// through a restart's reload when the processes it woke wait for another
// core (docs/model.md §2.3). Its work is timed by the caller. It counts in
// Busy and Delivered.
func (c *CPU) HoldCore() {
	c.held++
	c.reserve()
}

// ReleaseCore gives back a core HoldCore took.
func (c *CPU) ReleaseCore() {
	if c.held == 0 {
		panic("host: ReleaseCore without HoldCore")
	}
	c.held--
	c.reserve()
}

func (c *CPU) reserve() {
	r := min(c.outside+float64(c.held), c.cores)
	if r == c.reserved {
		return
	}
	c.settle()
	c.reserved = r
	if c.queues != nil {
		c.fit()
	}
	c.reschedule()
}

// SetSlowdown makes every job run f times slower (f >= 1), e.g. while swapping.
func (c *CPU) SetSlowdown(f float64) {
	if f == c.slowdown {
		return
	}
	c.settle()
	c.slowdown = f
	c.reschedule()
}

// class returns the class (m, n) on run queue core (-1: every core's),
// made active if it was not. A class
// that empties is freed at once, unless it is the only active class: that
// one stays, with its clock, until another class is needed. On a lightly
// loaded host, where a job usually runs alone, this spares freeing and
// making its class each time, and every other pass over the classes meets
// at most one without jobs.
func (c *CPU) class(core int32, m, n float64) int32 {
	for _, k := range c.active {
		if cl := &c.classes[k]; cl.m == m && cl.n == n && cl.core == core {
			return k
		}
	}
	if len(c.active) == 1 && len(c.classes[c.active[0]].tags) == 0 {
		c.release(c.active[0])
	}
	var k int32
	if f := len(c.free); f > 0 {
		k = c.free[f-1]
		c.free = c.free[:f-1]
	} else {
		c.classes = append(c.classes, class{})
		k = int32(len(c.classes) - 1)
	}
	c.classes[k] = class{core: core, m: m, n: n, at: len(c.active), tags: c.classes[k].tags[:0]}
	c.active = append(c.active, k)
	if m != n {
		c.capped++
	}
	return k
}

// release frees class k, which has no job left.
func (c *CPU) release(k int32) {
	cl := &c.classes[k]
	if cl.m != cl.n {
		c.capped--
	}
	i, last := cl.at, len(c.active)-1
	c.active[i] = c.active[last]
	c.classes[c.active[i]].at = i
	c.active = c.active[:last]
	c.free = append(c.free, k)
}

// regroup moves g's jobs that are in a class to the class of the group's
// number of jobs, n, and returns the latter (-1 when none run). It
// computes m and n as min(n, Cap) and n.
func (c *CPU) regroup(g *Group) int32 {
	n := len(g.jobs)
	if n == 0 {
		return -1
	}
	nf, m := float64(n), float64(n)
	if g.Cap < m {
		m = g.Cap
	}
	k := c.class(g.rq-1, m, nf)
	for _, j := range g.jobs {
		if old := j.cls; old >= 0 && old != k {
			left := c.pull(j) - c.classes[old].clock
			c.push(k, j, c.classes[k].clock+left)
		}
	}
	return k
}

// leave counts j, out of its class, out of the running jobs and its group.
func (c *CPU) leave(j *Job) {
	c.running--
	g := j.group
	if g == nil {
		c.lone--
		if j.rq != 0 {
			c.dequeue(task{j: j})
		}
		return
	}
	l := len(g.jobs) - 1
	g.jobs[j.in] = g.jobs[l]
	g.jobs[j.in].in = j.in
	g.jobs[l] = nil
	g.jobs = g.jobs[:l]
	if l == 0 {
		c.groups--
		if g.rq != 0 {
			c.dequeue(task{g: g})
		}
	}
}

// push puts j into class k's heap with the finish tag at.
func (c *CPU) push(k int32, j *Job, at float64) {
	cl := &c.classes[k]
	j.cls = k
	i := len(cl.tags)
	cl.tags = append(cl.tags, tag{})
	cl.up(i, tag{at, j})
}

// pull takes j out of its class's heap, freeing the class with its last
// job unless it is the only active class, and returns j's finish tag.
func (c *CPU) pull(j *Job) float64 {
	k := j.cls
	cl := &c.classes[k]
	i := int(j.pos)
	at := cl.tags[i].at
	last := len(cl.tags) - 1
	moved := cl.tags[last]
	cl.tags[last] = tag{}
	cl.tags = cl.tags[:last]
	j.cls = -1
	if i < last {
		if i > 0 && moved.at < cl.tags[(i-1)/2].at {
			cl.up(i, moved)
		} else {
			cl.down(i, moved)
		}
	}
	if last == 0 && len(c.active) > 1 {
		c.release(k)
	}
	return at
}

// up places t at heap index i or above it.
func (cl *class) up(i int, t tag) {
	h := cl.tags
	for i > 0 {
		p := (i - 1) / 2
		if h[p].at <= t.at {
			break
		}
		h[i] = h[p]
		h[i].job.pos = int32(i)
		i = p
	}
	h[i] = t
	t.job.pos = int32(i)
}

// down places t at heap index i or below it.
func (cl *class) down(i int, t tag) {
	h := cl.tags
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		if r := l + 1; r < n && h[r].at < h[l].at {
			l = r
		}
		if t.at <= h[l].at {
			break
		}
		h[i] = h[l]
		h[i].job.pos = int32(i)
		i = l
	}
	h[i] = t
	t.job.pos = int32(i)
}

// settle advances each class's clock by the work each of its jobs got
// since the last change.
func (c *CPU) settle() {
	now := c.sim.Now()
	dt := float64(now - c.last)
	c.last = now
	if dt <= 0 {
		return
	}
	c.work += c.reserved * dt
	if c.migRate > 0 {
		c.migLeft -= c.migRate * dt
	}
	for _, k := range c.active {
		cl := &c.classes[k]
		w := cl.rate * dt
		cl.clock += w
		c.work += w * float64(len(cl.tags))
		if cl.clock >= rebaseAt {
			for i := range cl.tags {
				cl.tags[i].at -= cl.clock
			}
			cl.clock = 0
		}
	}
}

// reschedule recomputes rates and the instant of the next completion.
func (c *CPU) reschedule() {
	// D: without a group over its cap, every job counts 1 and D is the
	// number of jobs; otherwise each class counts m per group, and a class
	// of n-job groups holds jobs/n of them (an exact division).
	demand := float64(c.running)
	if c.capped > 0 {
		demand = 0
		for _, k := range c.active {
			cl := &c.classes[k]
			demand += float64(len(cl.tags)) / cl.n * cl.m
		}
	}
	avail := c.cores - c.reserved
	share := 1.0
	if demand > avail {
		share = avail / demand
	}
	share /= c.slowdown
	spread := false
	if c.queues != nil {
		if open := c.open(); c.tasks > len(open) && demand > avail {
			// Every open queue holds a task: a task's share of its core
			// is 1/k of it for the queue's k tasks, against tasks/cores
			// on average.
			spread = true
			per := float64(c.tasks) / float64(len(open))
			for i := range open {
				c.weights[i] = per / float64(len(open[i].tasks))
			}
		}
	}
	next := math.Inf(1)
	for _, k := range c.active {
		cl := &c.classes[k]
		cl.rate = share * cl.m / cl.n // share itself for lone threads
		if spread && cl.core >= 0 {
			cl.rate *= c.weights[cl.core]
		}
		if len(cl.tags) == 0 {
			continue
		}
		if t := (cl.tags[0].at - cl.clock) / cl.rate; t < next {
			next = t
		}
	}
	busy := min(demand, avail) + c.reserved
	c.busy.Set(c.sim.Now(), busy)
	if c.queues != nil {
		c.scheduleMove()
	}
	if c.running == 0 {
		c.timer.Stop()
		return
	}
	if next < 0 {
		next = 0
	}
	// A completion beyond the end of time (a huge job at a tiny rate)
	// saturates: the job never finishes within the run.
	if next >= float64(sim.Never) {
		c.timer.Reset(sim.Never)
		return
	}
	c.timer.Reset(sim.Time(math.Ceil(next)))
}

// complete finishes every job whose work is done (to within a nanosecond of
// rounding) and then runs their callbacks, in start order.
func (c *CPU) complete() {
	c.settle()
	finished := c.finished[:0]
	for i := 0; i < len(c.active); {
		k := c.active[i]
		cl := &c.classes[k]
		for len(cl.tags) > 0 && cl.tags[0].at-cl.clock <= 0.5 {
			j := cl.tags[0].job
			finished = append(finished, finishedJob{j, j.seq})
			c.pull(j) // may free the class
		}
		if i < len(c.active) && c.active[i] == k {
			i++
		} // else the class was freed and the last active one took its place
	}
	// Every finished job leaves before the groups' others change class,
	// so each group moves once, to the class of its remaining jobs.
	for _, f := range finished {
		c.leave(f.job)
	}
	for _, f := range finished {
		if g := f.job.group; g != nil {
			c.regroup(g)
		}
	}
	c.reschedule()
	// Run callbacks in start order; usually one job finishes at a time. A
	// callback may cancel a job finished alongside it, or cancel and run
	// it again: that run's callback is not this one's.
	for i := 1; i < len(finished); i++ {
		for k := i; k > 0 && finished[k].seq < finished[k-1].seq; k-- {
			finished[k], finished[k-1] = finished[k-1], finished[k]
		}
	}
	c.finished = finished[:0]
	for i, f := range finished {
		finished[i] = finishedJob{}
		j := f.job
		if done := j.done; done != nil && j.seq == f.seq && j.cls < 0 {
			j.done = nil
			done()
		}
	}
}
