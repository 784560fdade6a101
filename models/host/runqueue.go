package host

import (
	"math/rand/v2"

	"github.com/forkcast/forkcast/sim"
)

// SetMigration gives each core its own run queue, as Linux keeps them, in
// place of one processor shared by every task (docs/model.md §8.6).
//
// A task — a job in no group, or a Python process's group (NewGIL) — is
// placed on the queue with the fewest tasks when it
// becomes runnable (ties among queues that already hold one drawn at
// random; an idle core is an idle core). While more tasks run than there
// are cores, each queue's tasks share its core equally: with 3 tasks on 2
// cores one runs alone at a whole core and two at half of one each, where
// processor sharing gives all three two thirds. The queues never differ by
// more than one task: when a task leaves and its queue is two short of
// the longest, one task moves over at once (the kernel's balancing when a
// core goes idle). While they differ by one, the balancer moves a task
// drawn at random from a longest queue to a shortest one now and then: at
// perSecond for each task on a longest queue, the waits between moves
// gamma-distributed with the integer shape given (1: a Poisson process;
// the real balancer's moves come fairly regularly), so that over many
// moves the shares even out to processor sharing's while over a few
// hundred milliseconds they do not. Both come from `simulate calibrate`'s
// probe, which follows CPU-bound processes between the cores.
//
// A core HoldCore takes is a queue closed to tasks until ReleaseCore: its
// tasks go to the others at once (fit). Other groups (the CPU other
// processes want, several processes' worth) and Reserve's cores stay
// shared by every core. Call before any job runs; rng draws the
// placements and moves.
func (c *CPU) SetMigration(perSecond float64, shape int, rng *rand.Rand) {
	if c.running > 0 {
		panic("host: SetMigration with jobs running")
	}
	n := int(c.cores)
	if perSecond <= 0 || n < 2 {
		return
	}
	c.migrate = perSecond / float64(sim.Second)
	c.migShape = max(shape, 1)
	c.rng = rng
	c.queues = make([]runQueue, n)
	c.weights = make([]float64, n)
	c.migTimer = c.sim.NewTimer(c.moveOne)
	c.migLeft = c.draw()
}

// enqueue places t on a shortest run queue (run queues on).
func (c *CPU) enqueue(t task) {
	c.queue(t, c.shortest())
}

// open returns the queues of the cores tasks may run on: all but those
// HoldCore took (at least one).
func (c *CPU) open() []runQueue {
	return c.queues[:len(c.queues)-min(c.held, len(c.queues)-1)]
}

// shortest returns a shortest open queue: the first idle one, or one of
// the shortest drawn at random when every open core has a task.
func (c *CPU) shortest() int {
	open := c.open()
	best, ties := 0, 0
	for i := range open {
		switch k, b := len(open[i].tasks), len(open[best].tasks); {
		case k < b:
			best, ties = i, 1
		case k == b:
			ties++
		}
	}
	if ties > 1 && len(open[best].tasks) > 0 {
		r := c.rng.IntN(ties)
		for i := range open {
			if len(open[i].tasks) == len(open[best].tasks) {
				if r == 0 {
					return i
				}
				r--
			}
		}
	}
	return best
}

// queue appends t to queue q.
func (c *CPU) queue(t task, q int) {
	rq := &c.queues[q]
	pos := int32(len(rq.tasks))
	if t.j != nil {
		t.j.rq, t.j.qpos = int32(q)+1, pos
	} else {
		t.g.rq, t.g.qpos = int32(q)+1, pos
	}
	rq.tasks = append(rq.tasks, t)
	c.tasks++
}

// unqueue takes t out of its queue and returns the queue.
func (c *CPU) unqueue(t task) int {
	var q, pos int32
	if t.j != nil {
		q, pos = t.j.rq-1, t.j.qpos
		t.j.rq = 0
	} else {
		q, pos = t.g.rq-1, t.g.qpos
		t.g.rq = 0
	}
	rq := &c.queues[q]
	last := len(rq.tasks) - 1
	if int(pos) < last {
		moved := rq.tasks[last]
		rq.tasks[pos] = moved
		if moved.j != nil {
			moved.j.qpos = pos
		} else {
			moved.g.qpos = pos
		}
	}
	rq.tasks[last] = task{}
	rq.tasks = rq.tasks[:last]
	c.tasks--
	return int(q)
}

// dequeue takes a queued task that stops running out of its queue and
// levels the queues.
func (c *CPU) dequeue(t task) {
	c.unqueue(t)
	c.level()
}

// level moves tasks from a longest open queue to a shortest until they
// are within one task of each other: at once, as the kernel's balancing
// does when a core goes idle or short.
func (c *CPU) level() {
	open := c.open()
	for {
		long, short := 0, 0
		for i := range open {
			if len(open[i].tasks) > len(open[long].tasks) {
				long = i
			}
			if len(open[i].tasks) < len(open[short].tasks) {
				short = i
			}
		}
		if len(open[long].tasks)-len(open[short].tasks) < 2 {
			return
		}
		c.move(open[long].tasks[c.rng.IntN(len(open[long].tasks))], short)
	}
}

// fit keeps the tasks on the open queues after HoldCore or ReleaseCore:
// a held core's tasks go to the shortest open queues, and the open ones
// are levelled.
func (c *CPU) fit() {
	for i := len(c.open()); i < len(c.queues); i++ {
		for rq := &c.queues[i]; len(rq.tasks) > 0; {
			c.move(rq.tasks[len(rq.tasks)-1], c.shortest())
		}
	}
	c.level()
}

// move puts task t on queue q, its jobs in q's classes.
func (c *CPU) move(t task, q int) {
	c.unqueue(t)
	c.queue(t, q)
	if g := t.g; g != nil {
		c.regroup(g)
		return
	}
	j := t.j
	if old := j.cls; old >= 0 {
		k := c.class(int32(q), 1, 1)
		left := c.pull(j) - c.classes[old].clock
		c.push(k, j, c.classes[k].clock+left)
	}
}

// scheduleMove sets the balancer's next move from the rate now: perSecond
// for each task on a longest queue while the queues differ.
func (c *CPU) scheduleMove() {
	c.migRate = 0
	if long, short, onLong := c.lengths(); long > short {
		c.migRate = c.migrate * float64(onLong)
	}
	if c.migRate == 0 {
		c.migTimer.Stop()
		return
	}
	wait := max(c.migLeft, 0) / c.migRate
	if wait >= float64(sim.Never-c.sim.Now()) {
		c.migTimer.Stop()
		return
	}
	c.migTimer.Reset(sim.Time(wait) + 1)
}

// lengths returns the longest and the shortest open queue's number of
// tasks, and the tasks on the longest queues.
func (c *CPU) lengths() (long, short, onLong int) {
	open := c.open()
	short = len(open[0].tasks)
	for i := range open {
		long = max(long, len(open[i].tasks))
		short = min(short, len(open[i].tasks))
	}
	for i := range open {
		if len(open[i].tasks) == long {
			onLong += long
		}
	}
	return long, short, onLong
}

// draw returns the wait for the next move in units of the balancer's mean
// wait: gamma-distributed with shape migShape, mean 1 (a sum of migShape
// exponentials).
func (c *CPU) draw() float64 {
	v := 0.0
	for range c.migShape {
		v += c.rng.ExpFloat64()
	}
	return v / float64(c.migShape)
}

// moveOne is the balancer's move: a task drawn from the longest queues
// goes to a shortest one.
func (c *CPU) moveOne() {
	c.settle()
	open := c.open()
	long, short, onLong := c.lengths()
	if long == short { // not reached: every change reschedules the move
		c.reschedule()
		return
	}
	r := c.rng.IntN(onLong)
	var t task
	for i := range open {
		if len(open[i].tasks) == long {
			if r < long {
				t = open[i].tasks[r]
				break
			}
			r -= long
		}
	}
	for i := range open {
		if len(open[i].tasks) == short {
			c.move(t, i)
			break
		}
	}
	c.migLeft = c.draw()
	c.reschedule()
}
