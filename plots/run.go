package plots

import (
	"fmt"
	"image"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/forkcast/forkcast/results"
)

// Figures renders every figure of one run, in a fixed order.
func Figures(run results.Run) ([]Figure, error) { return runFigures(run, nil) }

// runBuilders are the figures of one run, in their order.
var runBuilders = []func(view) *figure{
	processesFigure,
	memoryFigure,
	latencyFigure,
	latencyCDFFigure,
	queuesFigure,
	failuresFigure,
}

// runFigures is Figures drawing on images, one per drawing goroutine (see
// renderAll).
func runFigures(run results.Run, images []*image.RGBA) ([]Figure, error) {
	if len(run.Rows) == 0 {
		return nil, fmt.Errorf("plots: %s has no timeseries rows", describe(run.Summary))
	}
	return renderAll(newView(run), runBuilders, images...)
}

// drawers is the number of goroutines renderAll draws n figures on.
func drawers(n int) int { return min(runtime.GOMAXPROCS(0), n) }

// renderAll builds and renders the figures on drawers(len(builders))
// goroutines (a figure is drawn by one goroutine, alone, each on its own
// image: one of images, made ready beforehand, or a new one), and returns
// them in the builders' order, or the first builder's error in that order.
func renderAll(v view, builders []func(view) *figure, images ...*image.RGBA) ([]Figure, error) {
	figs := make([]Figure, len(builders))
	errs := make([]error, len(builders))
	var next atomic.Int32
	var wg sync.WaitGroup
	for g := range drawers(len(builders)) {
		wg.Go(func() {
			var img *image.RGBA
			if g < len(images) {
				img = images[g]
			} else {
				img = newImage()
			}
			for i := int(next.Add(1)) - 1; i < len(builders); i = int(next.Add(1)) - 1 {
				figs[i], errs[i] = builders[i](v).renderOn(img)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return figs, nil
}

// Run writes every figure of one run into dir as NAME.png and NAME.svg
// (processes, memory, latency, latency_cdf, queues, failures), creating dir
// if needed and replacing figures already there.
func Run(dir string, run results.Run) error {
	figs, err := Figures(run)
	if err != nil {
		return err
	}
	return write(dir, figs)
}

// view is what each figure of one run starts from.
type view struct {
	run  results.Run
	s    results.Summary
	ax   timeAxis
	endS float64 // the run's end in seconds
	end  float64 // and in the time axis' unit
}

func newView(run results.Run) view {
	endS := endTime(run.Summary, run.Rows)
	ax := newTimeAxis(endS)
	return view{run: run, s: run.Summary, ax: ax, endS: endS, end: endS / ax.unit}
}

// rows returns the rows a panel drawing qs needs (see thinRows).
func (v view) rows(qs ...quantity) []results.Row { return thinRows(v.s, v.run.Rows, qs...) }

// noneCompleted reports a run in which no request completed: it has no
// response time to show, which its latency panels must say.
func noneCompleted(s results.Summary) bool { return s.Requests.Completed == 0 }

// noneCompletedNote says so, with what became of the requests.
func noneCompletedNote(s results.Summary) string {
	q := s.Requests
	if q.Offered == 0 {
		return "no request was offered: no response time to show"
	}
	return fmt.Sprintf("none of %d requests completed\n(%d failed, %d unfinished): no response time to show",
		q.Offered, q.Failed, q.Unfinished)
}

// describe names a run in one line: scenario / variant — MPM, mode, source.
func describe(s results.Summary) string {
	name := s.Scenario
	if name == "" {
		name = "unnamed scenario"
	}
	if s.Variant != "" {
		name += " / " + s.Variant
	}
	var about []string
	if s.MPM != "" {
		about = append(about, s.MPM+" MPM")
	}
	if s.Mode != "" {
		about = append(about, s.Mode+" mode")
	}
	if s.Source != "" {
		about = append(about, s.Source)
	}
	if len(about) == 0 {
		return name
	}
	return name + " — " + strings.Join(about, ", ")
}

// title is a figure title: what it shows, then the run on a second line
// (on two when it is too long for one).
func title(what string, s results.Summary) string {
	d := describe(s)
	if len([]rune(d)) > 64 {
		d = strings.Replace(d, " — ", "\n", 1)
	}
	return what + "\n" + d
}
