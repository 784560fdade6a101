package workload

import "github.com/forkcast/forkcast/sim"

// Ahead plays a pacer's arrivals in order, each as an A that draw makes of
// it, drawing them on a goroutine of its own a few thousand ahead of the
// reader: a simulation, which runs on one core, gets its arrivals from
// another. A pacer's next arrival depends only on the last one and on its
// own stream, so drawing them early changes none of them; draw must
// likewise depend only on the arrival (its number, from 1, and its
// instant) and on streams of its own.
//
// The reader calls Next until it returns false, or Stop once it needs no
// more.
type Ahead[A any] struct {
	full  chan []A // batches drawn, in order; closed after the last
	empty chan []A // batches read, to draw into again
	quit  chan struct{}
	batch []A // being read
	i     int // the next arrival's index in batch
}

// The pacer draws aheadBatches batches of aheadBatch arrivals before it
// waits for the reader to finish one.
const (
	aheadBatch   = 4096
	aheadBatches = 3
)

// NewAhead starts drawing p's arrivals: Next(0), then each from the last.
func NewAhead[A any](p Pacer, draw func(n uint64, at sim.Time) A) *Ahead[A] {
	a := &Ahead[A]{
		full:  make(chan []A, aheadBatches),
		empty: make(chan []A, aheadBatches),
		quit:  make(chan struct{}),
	}
	for range aheadBatches {
		a.empty <- make([]A, 0, aheadBatch)
	}
	go a.draw(p, draw)
	return a
}

func (a *Ahead[A]) draw(p Pacer, draw func(uint64, sim.Time) A) {
	defer close(a.full)
	n := uint64(0)
	t, ok := p.Next(0)
	for ok {
		var b []A
		select {
		case <-a.quit:
			return
		case b = <-a.empty:
		}
		for b = b[:0]; ok && len(b) < cap(b); t, ok = p.Next(t) {
			n++
			b = append(b, draw(n, t))
		}
		a.full <- b // never blocks: there are only aheadBatches batches
	}
}

// Next returns the next arrival, or false when the pacer has no more. The
// arrival is read in place, not copied: it is the reader's until its next
// call of Next, which may hand its batch back to be drawn into again.
func (a *Ahead[A]) Next() (*A, bool) {
	if a.i == len(a.batch) {
		if a.batch != nil {
			a.empty <- a.batch // never blocks, as above
		}
		b, ok := <-a.full
		if !ok {
			a.batch, a.i = nil, 0
			return nil, false
		}
		a.batch, a.i = b, 0
	}
	a.i++
	return &a.batch[a.i-1], true
}

// Stop ends the drawing before the pacer's last arrival. It may be called
// more than once, and after Next returned false.
func (a *Ahead[A]) Stop() {
	select {
	case <-a.quit:
	default:
		close(a.quit)
	}
}
