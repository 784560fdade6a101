package plots

import (
	"image"
	"sync"

	"github.com/forkcast/forkcast/results"
)

// A Follower prepares a run's figures while the run is simulated, on a
// goroutine of its own (a simulation keeps one core busy; the other is
// free): it thins the rows as they are written, which Load would do by
// reading timeseries.csv back once the run is over, and it readies the
// images the figures are drawn on. Give it every row the run writes, in
// order; once the result directory is complete, Run draws the figures
// Run(dir, Load(dir)) would, from the same rows.
type Follower struct {
	intervalS float64
	rows      chan []results.Row // batches of followBatch rows, the last shorter
	batch     []results.Row      // rows not yet handed over
	done      chan struct{}      // closed once the last row is thinned
	red       *reducer
	images    []*image.RGBA
	stop      sync.Once
}

// Follow starts following a run whose rows are intervalS seconds apart
// (its summary's interval_s).
func Follow(intervalS float64) *Follower {
	f := &Follower{
		intervalS: intervalS,
		rows:      make(chan []results.Row, 4),
		done:      make(chan struct{}),
		red:       newReducer(intervalS),
	}
	go f.follow()
	return f
}

func (f *Follower) follow() {
	defer close(f.done)
	for range drawers(len(runBuilders)) {
		f.images = append(f.images, touchedImage())
	}
	for batch := range f.rows {
		for _, r := range batch {
			f.red.add(r.Written()) // as Load reads it back
		}
	}
}

// touchedImage is newImage with every page of its pixels written once:
// the kernel maps a fresh page at its first write, ~15 µs a page on the
// project's 2-core VM, ~12 ms for an image.
func touchedImage() *image.RGBA {
	img := newImage()
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	return img
}

// followBatch is how many rows Row hands the following goroutine at once.
// Each handover may wake that goroutine, which costs the simulation's core
// ~25 µs on the project's 2-core VM: row by row, an hour's 3600 rows made
// the simulation ~90 ms slower than without figures; in batches, ~15
// wake-ups. The rows of the last batch wait for the run's end, a
// millisecond of thinning.
const followBatch = 256

// Row takes the run's next row, as it is written to timeseries.csv.
func (f *Follower) Row(r results.Row) {
	f.batch = append(f.batch, r)
	if len(f.batch) == followBatch {
		f.rows <- f.batch
		f.batch = make([]results.Row, 0, followBatch)
	}
}

// Stop ends the following; the run's figures will not be drawn. It may be
// called more than once, and after Run.
func (f *Follower) Stop() {
	f.stop.Do(func() {
		if len(f.batch) > 0 {
			f.rows <- f.batch
		}
		close(f.rows)
	})
	<-f.done
}

// Run draws the figures of the run written in dir, as Run(dir, run) does.
func (f *Follower) Run(dir string) error {
	f.Stop()
	run, err := load(dir, f.red, nil)
	if err == nil && run.Summary.IntervalS != f.intervalS {
		run, err = Load(dir) // not the run followed: read its rows
	}
	if err != nil {
		return err
	}
	figs, err := runFigures(run, f.images)
	if err != nil {
		return err
	}
	return write(dir, figs)
}
