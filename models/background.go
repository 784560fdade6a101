package models

import (
	"github.com/forkcast/forkcast/models/host"
	"github.com/forkcast/forkcast/sim"
)

// background is CPU that processes outside the server want all through the
// run (host.background_cpu): runtime mode's own load generator and sampler
// when the prediction is of a runtime-mode measurement, or other work on a
// shared machine. It is one job in a group capped at that many cores,
// renewed every second of its CPU, so it competes with Apache and Python
// for the cores by processor sharing like any process (docs/model.md §8.1):
// it gets its cap while cores are free and its share of them when they are
// not. With host.BackgroundProfile the cap follows it interval by
// interval: each job is the CPU up to the next interval's start at the
// interval's cap, so it ends there while cores are free.
type background struct {
	s    *server
	g    host.Group
	job  host.Job
	wake *sim.Timer // an interval with nothing to run ends
}

// start runs the background's CPU up to the next renewal: a second's
// worth, or, with a profile, the rest of the current interval's.
func (b *background) start() {
	h := b.s.sc.Host
	if len(h.BackgroundProfile) == 0 {
		b.s.cpu.Run(&b.job, sim.Time(b.g.Cap*float64(sim.Second)), &b.g, b.start)
		return
	}
	now := b.s.sim.Now()
	i, until := 0, now+sim.Second // before the load: the first interval's, a second at a time
	if b.s.loaded {
		iv := sim.Time(b.s.sc.Interval.Duration)
		k := (now - b.s.loadStart) / iv
		i, until = int(k), b.s.loadStart+(k+1)*iv
	}
	i = min(i, len(h.BackgroundProfile)-1)
	c := min(float64(h.CPUs), h.BackgroundCPU+max(0, h.BackgroundProfile[i]))
	work := sim.Time(c * float64(until-now))
	if work <= 0 {
		b.wake.ResetAt(until)
		return
	}
	b.g.Cap = c
	b.s.cpu.Run(&b.job, work, &b.g, b.start)
}
