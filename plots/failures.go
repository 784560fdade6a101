package plots

import (
	"fmt"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/forkcast/forkcast/results"
)

// failureCauses are the causes of Summary.Requests.Failures, in order.
var failureCauses = []string{"408", "500", "503", "504", "refused", "reset", "client timeout"}

func failureCounts(f results.Failures) plotter.Values {
	return plotter.Values{
		float64(f.S408), float64(f.S500), float64(f.S503), float64(f.S504),
		float64(f.Refused), float64(f.Reset), float64(f.ClientTimeout),
	}
}

// failuresFigure is a bar chart of failed requests by cause.
func failuresFigure(v view) *figure {
	s := v.s
	f := newFigure("failures")
	what := fmt.Sprintf("Failed requests by cause: %d of %d offered", s.Requests.Failed, s.Requests.Offered)
	if s.Requests.Offered > 0 {
		what += fmt.Sprintf(" (%.1f%%)", 100*float64(s.Requests.Failed)/float64(s.Requests.Offered))
	}
	p := newPlot(title(what, s), "cause", "failed requests")
	counts := failureCounts(s.Requests.Failures)
	bars, err := plotter.NewBarChart(counts, 0.6*vg.Inch)
	if err != nil {
		panic(err) // only for NaN counts, which int64s cannot be
	}
	bars.Color = vermilion
	bars.LineStyle.Width = 0
	p.Add(bars, countLabels(counts))
	f.entries = append(f.entries, entry{"failed requests", vermilion, seriesRole})
	if s.Requests.Failed == 0 {
		noteIn(p, fmt.Sprintf("no request failed (%d offered)", s.Requests.Offered))
	}
	p.NominalX(failureCauses...)
	p.X.Min, p.X.Max = -0.6, float64(len(counts))-0.4
	p.Y.Min, p.Y.Max = 0, max(1, maxOf(counts)*1.12)
	f.add(p, 1)
	return f
}

// countLabels writes each count above its bar.
func countLabels(counts plotter.Values) *plotter.Labels {
	xyl := plotter.XYLabels{XYs: make(plotter.XYs, len(counts)), Labels: make([]string, len(counts))}
	for i, c := range counts {
		xyl.XYs[i] = plotter.XY{X: float64(i), Y: c}
		xyl.Labels[i] = results.FormatFloat(c)
	}
	l, err := plotter.NewLabels(xyl)
	if err != nil {
		panic(err)
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Font = sansFont(10)
		l.TextStyle[i].XAlign = draw.XCenter
		l.TextStyle[i].YAlign = draw.YBottom
	}
	l.Offset = vg.Point{Y: vg.Points(3)}
	return l
}
