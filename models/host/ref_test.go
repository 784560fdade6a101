package host

import (
	"math"

	"github.com/forkcast/forkcast/sim"
)

// The processor sharing CPU had before its rate classes and virtual clocks:
// every job charged and compared one by one at every change, O(n), kept
// here as the reference CPU must match to within a nanosecond per
// completion (TestSameAsChargingEachJob).

type refCPU struct {
	sim      *sim.Sim
	cores    float64
	slowdown float64
	jobs     []*refJob
	last     sim.Time
	timer    *sim.Timer
	busy     *sim.Gauge // cores in use
	work     float64    // CPU-ns delivered in total
	seq      uint64
	finished []refFinished // scratch for complete
}

// Group is a set of jobs sharing a cap, such as one Python process's GIL.
type refGroup struct {
	Cap float64
	n   int
}

// finishedJob is a job whose work is done and the run of it that finished.
type refFinished struct {
	job *refJob
	seq uint64
}

// Job is CPU work in progress. A Job's owner may keep one Job value and run
// it again and again with Run, which costs no allocation; Start allocates one.
type refJob struct {
	remaining float64 // CPU-ns
	rate      float64 // CPU-ns per ns, while running
	group     *refGroup
	index     int
	seq       uint64
	done      func()
}

// NewCPU returns cores shared by processor sharing.
func newRefCPU(s *sim.Sim, cores int) *refCPU {
	c := &refCPU{sim: s, cores: float64(cores), slowdown: 1, busy: sim.NewGauge(s.Now(), 0)}
	c.timer = s.NewTimer(c.complete)
	return c
}

// Busy returns the gauge of cores in use.
func (c *refCPU) Busy() *sim.Gauge { return c.busy }

// Delivered returns the CPU time delivered so far.
func (c *refCPU) Delivered() sim.Time { return sim.Time(c.work) }

// Running returns the number of jobs in progress.
func (c *refCPU) Running() int { return len(c.jobs) }

// Start begins work CPU-nanoseconds of work in group g (nil for a lone
// thread) and calls done when it is finished. Zero work completes at once,
// from a timer, so callers never re-enter themselves.
func (c *refCPU) Start(work sim.Time, g *refGroup, done func()) *refJob {
	j := &refJob{}
	c.Run(j, work, g, done)
	return j
}

// Run is Start on the caller's own job j, which must not be running.
func (c *refCPU) Run(j *refJob, work sim.Time, g *refGroup, done func()) {
	if j.Running() {
		panic("host: Run of a job that is running")
	}
	c.settle()
	c.seq++
	*j = refJob{remaining: float64(work), group: g, index: len(c.jobs), seq: c.seq, done: done}
	if g != nil {
		g.n++
	}
	c.jobs = append(c.jobs, j)
	c.reschedule()
}

// Running reports whether the job has been started and its callback has
// not yet been called, nor the job cancelled. The zero Job is not running.
func (j *refJob) Running() bool { return j.done != nil }

// Cancel abandons a job (its process died): its callback will not be
// called, even if its work finished at this instant and the callback is
// still to come. It reports whether the job was running.
func (c *refCPU) Cancel(j *refJob) bool {
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
func (c *refCPU) SetSlowdown(f float64) {
	if f == c.slowdown {
		return
	}
	c.settle()
	c.slowdown = f
	c.reschedule()
}

func (c *refCPU) remove(j *refJob) {
	last := len(c.jobs) - 1
	c.jobs[j.index] = c.jobs[last]
	c.jobs[j.index].index = j.index
	c.jobs[last] = nil
	c.jobs = c.jobs[:last]
	j.index = -1
	if j.group != nil {
		j.group.n--
	}
}

// settle charges every job with the work done since the last change.
func (c *refCPU) settle() {
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
func (c *refCPU) reschedule() {
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
	c.timer.Reset(sim.Time(math.Ceil(next)))
}

// complete finishes every job whose work is done (to within a nanosecond of
// rounding) and then runs their callbacks, in start order.
func (c *refCPU) complete() {
	c.settle()
	finished := c.finished[:0]
	for i := 0; i < len(c.jobs); {
		j := c.jobs[i]
		if j.remaining <= 0.5 {
			finished = append(finished, refFinished{j, j.seq})
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
		finished[i] = refFinished{}
		j := f.job
		if done := j.done; done != nil && j.seq == f.seq && j.index < 0 {
			j.done = nil
			done()
		}
	}
}
