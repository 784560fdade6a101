package sweep

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/forkcast/forkcast/plots"
)

// figureGroup is a figure of metrics that share an axis.
type figureGroup struct {
	name, title, yLabel string
	metrics             []string
	legend              []string // the metrics' names in the legend
	logIfWide           bool     // a log axis when the means span a factor of 20
}

var figureGroups = []figureGroup{
	{"sweep_memory", "Peak memory (total PSS)", "peak PSS (MB)", []string{"peak_pss_mb"}, []string{"peak PSS"}, false},
	{"sweep_processes", "Peak processes (the Apache parent included)", "processes", []string{"peak_processes"}, []string{"peak processes"}, false},
	{"sweep_latency", "Response time of completed requests", "latency (ms)",
		[]string{"latency_p99_ms", "latency_p90_ms", "latency_p50_ms"}, []string{"p99", "p90", "p50"}, true},
	{"sweep_throughput", "Throughput", "completed requests /s", []string{"throughput_rps"}, []string{"throughput"}, false},
	{"sweep_failures", "Failed requests by cause", "share of offered requests",
		[]string{"failed_share", "failed_share_client_timeout", "failed_share_refused", "failed_share_reset",
			"failed_share_408", "failed_share_500", "failed_share_503", "failed_share_504"},
		[]string{"all causes", "client timeout", "refused", "reset", "500", "503", "504"}, false},
	{"sweep_children", "Children forked, app imports, OOM kills", "count",
		[]string{"spawns", "imports", "oom_kills"}, []string{"children forked", "app imports", "OOM kills"}, false},
}

// maxLines is the most lines one figure draws for the values of the
// other keys; beyond it, evenly spaced values are shown.
const maxLines = 8

// Figures draws a sweep's figures: each metric group against the first
// varied key, with its 95% band; with one key a figure shows the group's
// metrics together, with more keys one figure per metric has a line per
// combination of the other keys' values. Then, with two or more points,
// the trade-off of peak memory against p99 latency with its Pareto front.
// Metrics that are 0 at every point are left out (a group keeps one).
func Figures(t *Table) ([]plots.Figure, error) {
	x, xTicks, xLabel := xAxis(t.Vary[0])
	band := "95% CI of the mean"
	what := "band"
	if xTicks != nil {
		what = "bars"
	}
	sub := fmt.Sprintf("\n%s; mean of %d replications, %s: 95%% CI of the mean", t.Scenario, t.Replications, what)
	if t.Replications < 2 {
		band, sub = "", fmt.Sprintf("\n%s; one replication: no interval", t.Scenario)
	}
	var figs []plots.Figure
	for _, g := range figureGroups {
		var metrics, legend []string
		for i, m := range g.metrics {
			if i == 0 || !t.allZero(m) {
				metrics, legend = append(metrics, m), append(legend, g.legend[i])
			}
		}
		if g.name == "sweep_failures" && len(metrics) == 2 {
			// One cause only: it is the total, and would hide its line.
			metrics, legend = metrics[1:], []string{legend[1] + " (every failure)"}
		}
		var specs []plots.SweepFigure
		if len(t.Vary) == 1 {
			sf := plots.SweepFigure{Name: g.name, Title: g.title + sub, XLabel: xLabel, YLabel: g.yLabel, XTicks: xTicks,
				LogX: t.Vary[0].Scale == Log, BandLabel: band}
			for i, m := range metrics {
				sf.Series = append(sf.Series, t.series(m, legend[i], x, nil))
			}
			specs = append(specs, sf)
		} else {
			for i, m := range metrics {
				name, title := g.name, g.title
				if len(metrics) > 1 {
					name, title = "sweep_"+m, g.title+": "+legend[i]
				}
				sf := plots.SweepFigure{Name: name, XLabel: xLabel, YLabel: g.yLabel, XTicks: xTicks,
					LogX: t.Vary[0].Scale == Log, BandLabel: band}
				combos := t.otherCombos()
				shown := spread(len(combos), maxLines)
				for _, c := range shown {
					sf.Series = append(sf.Series, t.series(m, Label(t.Vary[1:], combos[c]), x, combos[c]))
				}
				sf.Title = title + sub
				if len(shown) < len(combos) {
					sf.Title += fmt.Sprintf(" (%d of %d lines)", len(shown), len(combos))
				}
				specs = append(specs, sf)
			}
		}
		for _, sf := range specs {
			sf.LogY = g.logIfWide && wideRange(sf.Series)
			f, err := plots.SweepLines(sf)
			if err != nil {
				return nil, err
			}
			figs = append(figs, f)
		}
	}
	if t.Points >= 2 {
		f, err := t.paretoFigure()
		if err == nil {
			figs = append(figs, f)
		}
	}
	return figs, nil
}

// xAxis places the first key's values: numbers (or durations in seconds)
// on a numeric axis, anything else as categories.
func xAxis(v Vary) (x []float64, ticks []string, label string) {
	if xs, unit, ok := Axis(v.Values); ok && v.Scale != Category {
		if unit != "" {
			return xs, nil, v.Key + " (" + unit + ")"
		}
		return xs, nil, v.Key
	}
	x = make([]float64, len(v.Values))
	for i := range x {
		x[i] = float64(i)
	}
	return x, v.Values, v.Key
}

// series is metric m at each value of the first key, the other keys fixed
// at others (nil with one key).
func (t *Table) series(m, label string, x []float64, others []string) plots.SweepSeries {
	s := plots.SweepSeries{Label: label, X: x}
	n := len(t.Vary[0].Values)
	s.Mean, s.Lo, s.Hi = make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		row := t.Get(t.pointIndex(i, others), m)
		s.Mean[i], s.Lo[i], s.Hi[i] = value(row.Mean), value(row.CILo), value(row.CIHi)
	}
	if t.Replications < 2 {
		s.Lo, s.Hi = nil, nil
	}
	return s
}

// pointIndex is the index of the point with the first key's i-th value and
// the other keys' values others.
func (t *Table) pointIndex(i int, others []string) int {
	idx := i
	for k, v := range t.Vary[1:] {
		idx = idx*len(v.Values) + indexOf(v.Values, others[k])
	}
	return idx
}

// otherCombos lists the combinations of the values of every key but the
// first, in grid order.
func (t *Table) otherCombos() [][]string {
	d := Design{Vary: t.Vary[1:]}
	return d.Grid()
}

func (t *Table) allZero(metric string) bool {
	for p := range t.Points {
		if v := t.Get(p, metric).Mean; v != nil && *v != 0 {
			return false
		}
	}
	return true
}

// paretoFigure is peak PSS against p99 latency at every point, with the
// front: the points no other point beats on both (lower is better).
func (t *Table) paretoFigure() (plots.Figure, error) {
	xs, ys := make([]float64, t.Points), make([]float64, t.Points)
	for p := range t.Points {
		xs[p], ys[p] = value(t.Get(p, "peak_pss_mb").Mean), value(t.Get(p, "latency_p99_ms").Mean)
	}
	front := map[int]bool{}
	for _, p := range ParetoFront(xs, ys) {
		front[p] = true
	}
	pts := make([]plots.ParetoPoint, t.Points)
	var positive []float64
	for p := range t.Points {
		pss, p99 := t.Get(p, "peak_pss_mb"), t.Get(p, "latency_p99_ms")
		pts[p] = plots.ParetoPoint{X: xs[p], Y: ys[p], XLo: value(pss.CILo), XHi: value(pss.CIHi),
			YLo: value(p99.CILo), YHi: value(p99.CIHi), Label: strings.Join(pss.Settings, ", "), Front: front[p]}
		if ys[p] > 0 {
			positive = append(positive, ys[p])
		}
	}
	sort.Float64s(positive)
	logY := len(positive) > 1 && positive[len(positive)-1]/positive[0] >= 20
	keys := make([]string, len(t.Vary))
	for k, v := range t.Vary {
		keys[k] = shortKey(v.Key)
	}
	title := fmt.Sprintf("Peak memory against p99 latency; lower is better, red: the Pareto front\n%s, means of %d replications\npoints labelled %s",
		t.Scenario, t.Replications, strings.Join(keys, ", "))
	return plots.Pareto("sweep_pareto", title, "peak PSS (MB)", "latency p99 (ms)", logY, pts)
}

// ParetoFront returns the indices, by increasing x, of the points that no
// other point beats on both x and y (lower is better in both; a point
// equal to another on both is kept once, the first). Points with a NaN
// coordinate are left out.
func ParetoFront(xs, ys []float64) []int {
	var idx []int
	for i := range xs {
		if !math.IsNaN(xs[i]) && !math.IsNaN(ys[i]) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool {
		i, j := idx[a], idx[b]
		if xs[i] != xs[j] {
			return xs[i] < xs[j]
		}
		return ys[i] < ys[j]
	})
	var front []int
	best := math.Inf(1)
	for _, i := range idx {
		if ys[i] < best {
			front = append(front, i)
			best = ys[i]
		}
	}
	return front
}

// wideRange reports whether the series' positive means span a factor of 20
// or more: they read better on a log axis.
func wideRange(ss []plots.SweepSeries) bool {
	lo, hi := math.Inf(1), 0.0
	for _, s := range ss {
		for _, v := range s.Mean {
			if v > 0 {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	return hi > 0 && hi/lo >= 20
}

// spread picks k of n indices evenly, the first and last included.
func spread(n, k int) []int {
	if n <= k {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := make([]int, k)
	for i := range out {
		out[i] = int(math.Round(float64(i) * float64(n-1) / float64(k-1)))
	}
	return out
}

func value(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

func indexOf(vals []string, v string) int {
	for i, x := range vals {
		if x == v {
			return i
		}
	}
	return -1
}

// shortKey is a key's last part: apache.max_request_workers is
// max_request_workers.
func shortKey(k string) string {
	if i := strings.LastIndexByte(k, '.'); i >= 0 && !strings.ContainsAny(k[i:], `"']`) {
		return k[i+1:]
	}
	return k
}
