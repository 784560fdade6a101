package host

import (
	"math"

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
// in CPU-seconds per second; slowdown is 1 unless memory is swapping.
// Rates change whenever a job starts, ends or the slowdown changes, so each
// change settles the work done since the previous one and reschedules the
// single timer for the next completion.
//
// Jobs that run at the same rate form a rate class: the lone threads and
// every group running one job under a cap of at least 1 (all at
// C/D/slowdown), the groups running two jobs under a cap of 1 (at half
// that), and so on — a class for each (min(n, Cap), n) in use, a handful.
// Work is kept by class in dense arrays: a change computes each class's
// rate once, and a job costs a subtraction and a comparison, with no
// pointer to follow and no division. The arithmetic is the same, operation
// for operation, as charging each job its own rate: D is summed job by job
// in the jobs' order (when some group runs more jobs than its cap, D is a
// sum of fractions whose rounding depends on that order), each job's
// remaining work is decreased by rate × elapsed at every change, and the
// next completion is the least remaining/rate, found as each class's least
// remaining work divided by its rate. That is why a change costs O(n) and
// not O(log n): a virtual clock per class (remaining = tag − clock) rounds
// differently — tried, it moved completions by a nanosecond here and there,
// which changed 3 of 59 scenario outputs — and results must not depend on
// how the sharing is computed.
type CPU struct {
	sim      *sim.Sim
	cores    float64
	slowdown float64
	jobs     []*Job    // running jobs, in the order D is summed
	rem      []float64 // rem[i]: CPU-ns jobs[i] still needs
	cls      []int32   // cls[i]: jobs[i]'s rate class
	classes  []class
	active   []int32 // classes with running jobs
	free     []int32 // unused classes
	capped   int     // active classes of groups running more jobs than their cap
	last     sim.Time
	timer    *sim.Timer
	busy     *sim.Gauge // cores in use
	work     float64    // CPU-ns delivered in total
	groups   int        // groups with a job in progress
	seq      uint64
	finished []finishedJob // scratch for complete
}

// class is the jobs running at one rate: those of groups running n jobs
// under a cap that lets m of them run (m = min(n, Cap)), at share × m / n.
// Lone threads are m = n = 1.
type class struct {
	m, n    float64
	jobs    int     // running jobs in the class
	at      int     // index in CPU.active while it has jobs
	contrib float64 // each job's term of D: m/n
	rate    float64 // CPU-ns per ns, since the last change
	w       float64 // scratch: the work each job got since the last change
	least   float64 // scratch: the least remaining work
}

// Group is a set of jobs sharing a cap, such as one Python process's GIL.
type Group struct {
	Cap  float64
	jobs []*Job // running
}

// NewGIL returns a group for one Python process: its threads share one core.
func NewGIL() *Group { return &Group{Cap: 1} }

// finishedJob is a job whose work is done and the run of it that finished.
type finishedJob struct {
	job *Job
	seq uint64
}

// Job is CPU work in progress. A Job's owner may keep one Job value and run
// it again and again with Run, which costs no allocation; Start allocates one.
type Job struct {
	group *Group
	index int // in CPU.jobs; -1 once finished or cancelled
	in    int // in group.jobs
	seq   uint64
	done  func()
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
func (c *CPU) Running() int { return len(c.jobs) }

// Runnable returns the number of tasks the kernel's run queues hold: every
// job in no group, and each group with a job in progress once (a Python
// process's threads that wait for the GIL sleep on it, not in the run
// queue).
func (c *CPU) Runnable() int {
	lone := len(c.jobs)
	for _, j := range c.jobs {
		if j.group != nil {
			lone--
		}
	}
	return lone + c.groups
}

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
	*j = Job{group: g, index: len(c.jobs), seq: c.seq, done: done}
	var k int32
	if g != nil {
		if len(g.jobs) == 0 {
			c.groups++
		}
		j.in = len(g.jobs)
		g.jobs = append(g.jobs, j)
		k = c.regroup(g)
	} else {
		k = c.class(1, 1)
	}
	c.classes[k].jobs++
	c.jobs = append(c.jobs, j)
	c.rem = append(c.rem, float64(work))
	c.cls = append(c.cls, k)
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
	if j.index >= 0 {
		c.settle()
		c.remove(j)
		c.reschedule()
	}
	return true
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

// class returns the class (m, n), made active if it was not.
func (c *CPU) class(m, n float64) int32 {
	for _, k := range c.active {
		if cl := &c.classes[k]; cl.m == m && cl.n == n {
			return k
		}
	}
	var k int32
	if f := len(c.free); f > 0 {
		k = c.free[f-1]
		c.free = c.free[:f-1]
	} else {
		c.classes = append(c.classes, class{})
		k = int32(len(c.classes) - 1)
	}
	c.classes[k] = class{m: m, n: n, at: len(c.active), contrib: m / n}
	c.active = append(c.active, k)
	if m != n {
		c.capped++
	}
	return k
}

// leave takes a job out of class k, which is freed with its last job.
func (c *CPU) leave(k int32) {
	cl := &c.classes[k]
	if cl.jobs--; cl.jobs > 0 {
		return
	}
	if cl.m != cl.n {
		c.capped--
	}
	i, last := cl.at, len(c.active)-1
	c.active[i] = c.active[last]
	c.classes[c.active[i]].at = i
	c.active = c.active[:last]
	c.free = append(c.free, k)
}

// regroup moves g's running jobs, now one more or one fewer, from the
// class of their previous number to that of the new, and returns the
// latter (-1 when none run). It computes m and n as min(n, Cap) and n.
func (c *CPU) regroup(g *Group) int32 {
	n := len(g.jobs)
	k := int32(-1)
	if n > 0 {
		nf, m := float64(n), float64(n)
		if g.Cap < m {
			m = g.Cap
		}
		k = c.class(m, nf)
	}
	for _, j := range g.jobs {
		if j.index < len(c.jobs) && c.jobs[j.index] == j { // the jobs already counted
			c.leave(c.cls[j.index])
			c.cls[j.index] = k
			c.classes[k].jobs++
		}
	}
	return k
}

// remove takes j out of the running jobs: the last job takes its place.
func (c *CPU) remove(j *Job) {
	i, last := j.index, len(c.jobs)-1
	c.leave(c.cls[i])
	c.jobs[i], c.rem[i], c.cls[i] = c.jobs[last], c.rem[last], c.cls[last]
	c.jobs[i].index = i
	c.jobs[last] = nil
	c.jobs, c.rem, c.cls = c.jobs[:last], c.rem[:last], c.cls[:last]
	j.index = -1
	if g := j.group; g != nil {
		l := len(g.jobs) - 1
		g.jobs[j.in] = g.jobs[l]
		g.jobs[j.in].in = j.in
		g.jobs[l] = nil
		g.jobs = g.jobs[:l]
		if l == 0 {
			c.groups--
		}
		c.regroup(g)
	}
}

// settle charges every job with the work done since the last change.
func (c *CPU) settle() {
	now := c.sim.Now()
	dt := float64(now - c.last)
	c.last = now
	if dt <= 0 || len(c.jobs) == 0 {
		return
	}
	if len(c.active) == 1 {
		cl := &c.classes[c.active[0]]
		w := cl.rate * dt
		for i := range c.rem {
			c.rem[i] -= w
		}
		c.work += w * float64(len(c.jobs))
		return
	}
	for _, k := range c.active {
		cl := &c.classes[k]
		cl.w = cl.rate * dt
		c.work += cl.w * float64(cl.jobs)
	}
	cls := c.cls[:len(c.rem)]
	for i := range c.rem {
		c.rem[i] -= c.classes[cls[i]].w
	}
}

// reschedule recomputes rates and the instant of the next completion.
func (c *CPU) reschedule() {
	// D, summed job by job in their order as min(n_g, Cap_g)/n_g for
	// each job of group g: each group counted once in all. Without a group
	// over its cap, every term is 1 and the sum is exact in any order.
	// The same pass finds each class's least remaining work: the next
	// completion is the least remaining/rate, which is each class's least
	// remaining work over its rate (division by a positive rate keeps the
	// order).
	for _, k := range c.active {
		c.classes[k].least = math.Inf(1)
	}
	demand := float64(len(c.jobs))
	cls := c.cls[:len(c.rem)]
	if c.capped > 0 {
		demand = 0
		for i, r := range c.rem {
			cl := &c.classes[cls[i]]
			demand += cl.contrib
			if r < cl.least {
				cl.least = r
			}
		}
	} else {
		for i, r := range c.rem {
			if cl := &c.classes[cls[i]]; r < cl.least {
				cl.least = r
			}
		}
	}
	share := 1.0
	if demand > c.cores {
		share = c.cores / demand
	}
	share /= c.slowdown
	next := math.Inf(1)
	for _, k := range c.active {
		cl := &c.classes[k]
		cl.rate = share * cl.m / cl.n // share itself for lone threads
		if t := cl.least / cl.rate; t < next {
			next = t
		}
	}
	busy := demand
	if busy > c.cores {
		busy = c.cores
	}
	c.busy.Set(c.sim.Now(), busy)
	if len(c.jobs) == 0 {
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
	for i := 0; i < len(c.jobs); {
		if c.rem[i] <= 0.5 {
			j := c.jobs[i]
			finished = append(finished, finishedJob{j, j.seq})
			c.remove(j)
			continue // the slot now holds another job
		}
		i++
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
		if done := j.done; done != nil && j.seq == f.seq && j.index < 0 {
			j.done = nil
			done()
		}
	}
}
