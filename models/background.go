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
// not.
type background struct {
	s   *server
	g   host.Group
	job host.Job
}

// start runs the next second's worth of the background's CPU.
func (b *background) start() {
	b.s.cpu.Run(&b.job, sim.Time(b.g.Cap*float64(sim.Second)), &b.g, b.start)
}
