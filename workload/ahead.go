package workload

import "github.com/forkcast/forkcast/sim"

// Ahead plays a pacer's arrivals in order, drawing them on a goroutine of
// its own a few thousand ahead of the reader: a simulation, which runs on
// one core, gets its arrival instants from another. A pacer's next arrival
// depends only on the last one and on its own stream, so drawing them
// early changes none of them.
//
// The reader calls Next until it returns false, or Stop once it needs no
// more.
type Ahead struct {
	full  chan []sim.Time // batches drawn, in order; closed after the last
	empty chan []sim.Time // batches read, to draw into again
	quit  chan struct{}
	batch []sim.Time // being read
	i     int        // the next arrival's index in batch
}

// The pacer draws aheadBatches batches of aheadBatch arrivals (32 KiB)
// before it waits for the reader to finish one.
const (
	aheadBatch   = 4096
	aheadBatches = 3
)

// NewAhead starts drawing p's arrivals: Next(0), then each from the last.
func NewAhead(p Pacer) *Ahead {
	a := &Ahead{
		full:  make(chan []sim.Time, aheadBatches),
		empty: make(chan []sim.Time, aheadBatches),
		quit:  make(chan struct{}),
	}
	for range aheadBatches {
		a.empty <- make([]sim.Time, 0, aheadBatch)
	}
	go a.draw(p)
	return a
}

func (a *Ahead) draw(p Pacer) {
	defer close(a.full)
	t, ok := p.Next(0)
	for ok {
		var b []sim.Time
		select {
		case <-a.quit:
			return
		case b = <-a.empty:
		}
		for b = b[:0]; ok && len(b) < cap(b); t, ok = p.Next(t) {
			b = append(b, t)
		}
		a.full <- b // never blocks: there are only aheadBatches batches
	}
}

// Next returns the next arrival instant, or false when the pacer has no
// more.
func (a *Ahead) Next() (sim.Time, bool) {
	if a.i == len(a.batch) {
		if a.batch != nil {
			a.empty <- a.batch // never blocks, as above
		}
		b, ok := <-a.full
		if !ok {
			a.batch, a.i = nil, 0
			return 0, false
		}
		a.batch, a.i = b, 0
	}
	t := a.batch[a.i]
	a.i++
	return t, true
}

// Stop ends the drawing before the pacer's last arrival. It may be called
// more than once, and after Next returned false.
func (a *Ahead) Stop() {
	select {
	case <-a.quit:
	default:
		close(a.quit)
	}
}
