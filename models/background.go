package models

import (
	"github.com/forkcast/forkcast/models/host"
	"github.com/forkcast/forkcast/sim"
)

// background is CPU that processes outside the server want all through the
// run (host.background_cpu): other work on a shared machine, or other
// processes' CPU during a runtime-mode measurement. It is one job in a
// group capped at that many cores, renewed every second of its CPU, so it
// competes with Apache and Python for the cores by processor sharing like
// any process (docs/model.md §8.1): it gets its cap while cores are free
// and its share of them when they are not.
//
// host.BackgroundProfile is different: CPU runtime mode itself was
// measured to use in each interval (its load generator and sampler). That
// is what they got, saturated cores or not — the kernel wakes them often
// and briefly, and a woken task runs soon — so it is reserved, interval by
// interval, off the top of the cores (host.CPU.Reserve). Shared instead,
// it got 2/41 of its want among 40 busy children and caught up after the
// surge, while the measured runs show it using its 0.1–0.15 cores all
// through it.
type background struct {
	s    *server
	g    host.Group
	job  host.Job
	wake *sim.Timer // the next interval of the profile
}

// start runs the competing CPU, a second's worth at a time.
func (b *background) start() {
	if b.g.Cap > 0 {
		b.s.cpu.Run(&b.job, sim.Time(b.g.Cap*float64(sim.Second)), &b.g, b.start)
	}
}

// reserve sets the profile's cores for the current interval and wakes at
// the next one (before the load: the first interval's, checked every
// second until the load starts).
func (b *background) reserve() {
	h := b.s.sc.Host
	now := b.s.sim.Now()
	i, until := 0, now+sim.Second
	if b.s.loaded {
		iv := sim.Time(b.s.sc.Interval.Duration)
		k := (now - b.s.loadStart) / iv
		i, until = int(k), b.s.loadStart+(k+1)*iv
	}
	i = min(i, len(h.BackgroundProfile)-1)
	b.s.cpu.Reserve(max(0, h.BackgroundProfile[i]))
	b.wake.ResetAt(until)
}
