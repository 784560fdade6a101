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
type CPU struct {
	sim      *sim.Sim
	cores    float64
	slowdown float64
	jobs     []*Job
	last     sim.Time
	timer    *sim.Timer
	busy     *sim.Gauge // cores in use
	work     float64    // CPU-ns delivered in total
	groups   int        // groups with a job in progress
	seq      uint64
	finished []finishedJob // scratch for complete
}

// Group is a set of jobs sharing a cap, such as one Python process's GIL.
type Group struct {
	Cap float64
	n   int
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
	remaining float64 // CPU-ns
	rate      float64 // CPU-ns per ns, while running
	group     *Group
	index     int
	seq       uint64
	done      func()
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
	*j = Job{remaining: float64(work), group: g, index: len(c.jobs), seq: c.seq, done: done}
	if g != nil {
		if g.n == 0 {
			c.groups++
		}
		g.n++
	}
	c.jobs = append(c.jobs, j)
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

func (c *CPU) remove(j *Job) {
	last := len(c.jobs) - 1
	c.jobs[j.index] = c.jobs[last]
	c.jobs[j.index].index = j.index
	c.jobs[last] = nil
	c.jobs = c.jobs[:last]
	j.index = -1
	if j.group != nil {
		j.group.n--
		if j.group.n == 0 {
			c.groups--
		}
	}
}

// settle charges every job with the work done since the last change.
func (c *CPU) settle() {
	now := c.sim.Now()
	dt := float64(now - c.last)
	c.last = now
	if dt <= 0 {
		return
	}
	for _, j := range c.jobs {
		w := j.rate * dt
		j.remaining -= w
		c.work += w
	}
}

// reschedule recomputes rates and the instant of the next completion.
func (c *CPU) reschedule() {
	// First pass: each job's group's demand min(n_g, Cap_g), kept in
	// j.rate for the second pass, and the total demand, each group's
	// counted once by spreading it over its jobs.
	demand := 0.0
	for _, j := range c.jobs {
		if g := j.group; g == nil {
			demand++
		} else {
			n, m := float64(g.n), float64(g.n)
			if g.Cap < m {
				m = g.Cap
			}
			j.rate = m
			demand += m / n
		}
	}
	share := 1.0
	if demand > c.cores {
		share = c.cores / demand
	}
	share /= c.slowdown
	next := math.Inf(1)
	for _, j := range c.jobs {
		if j.group == nil {
			j.rate = share
		} else {
			j.rate = share * j.rate / float64(j.group.n)
		}
		if t := j.remaining / j.rate; t < next {
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
		j := c.jobs[i]
		if j.remaining <= 0.5 {
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
