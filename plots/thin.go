package plots

import (
	"math"
	"slices"
	"strings"

	"github.com/forkcast/forkcast/results"
)

// Long runs are drawn from a thinned set of rows, never row by row: a
// figure's data area is under 1000 pixels wide, so drawing 86 400 rows of a
// day at 1 s only makes files huge (22 MB of SVG) and slow. Time is cut into pixelColumns
// equal columns, and in each column the rows where each drawn quantity is
// smallest and largest are kept (with the first and last rows), so a spike
// of one interval still shows at its full height and a dip at its full
// depth; every kept row is a real row, so stacked areas stay consistent.
// A column is base·2^k seconds wide (base being the run's interval), the
// smallest such width that fits the run in pixelColumns columns; Load and
// the figures use the same columns, so thinning what Load kept keeps the
// same rows.

// pixelColumns is the number of columns of time a long run is cut into:
// one per pixel and a half of a figure's data area (about 800 pixels wide
// at 150 dpi). With a smallest and a largest row per column, the envelope
// of every line is drawn to the pixel; more columns only slow the PNG
// rasteriser down (a day of noisy 1 s rows renders in 4 s instead of 18).
const pixelColumns = 500

// thinAbove is the most rows a figure draws one by one.
const thinAbove = 2 * pixelColumns

// A quantity is what a figure draws from a row; NaN where a row has none.
type quantity func(results.Row) float64

// The quantities figures thin by. Each panel thins by the ones it draws.
var (
	qWorkers = func(r results.Row) float64 {
		return r.Starting + r.Idle + r.Busy + r.Importing + r.KeepAlive + r.Closing
	}
	qDaemons    = func(r results.Row) float64 { return r.DaemonProcesses }
	qProcesses  = func(r results.Row) float64 { return r.ApacheChildren + r.DaemonProcesses }
	qSpawns     = func(r results.Row) float64 { return r.Spawns }
	qKills      = func(r results.Row) float64 { return r.Kills }
	qPSS        = func(r results.Row) float64 { return r.PSSMB }
	qSplit      = func(r results.Row) float64 { return r.ParentPSSMB + r.ChildrenPSSMB + r.DaemonPSSMB }
	qSwap       = func(r results.Row) float64 { return r.SwapMB }
	qP50        = func(r results.Row) float64 { return r.LatencyP50MS }
	qP99        = func(r results.Row) float64 { return r.LatencyP99MS }
	qP50Done    = func(r results.Row) float64 { return positive(r.LatencyP50MS) }
	qP99Done    = func(r results.Row) float64 { return positive(r.LatencyP99MS) }
	qCompleted  = func(r results.Row) float64 { return r.Completions }
	qFailed     = func(r results.Row) float64 { return r.Failures }
	qListen     = func(r results.Row) float64 { return r.ListenQueue }
	qDaemonWait = func(r results.Row) float64 { return r.DaemonQueue }
	// qTaken is workers not idle: no figure draws it, the report's verdict
	// reads its peak.
	qTaken = func(r results.Row) float64 { return r.Busy + r.Importing + r.KeepAlive + r.Closing }
)

// allQuantities are every quantity a figure or the report's verdict reads
// from Load's rows: Load keeps the extremes of each.
var allQuantities = []quantity{qWorkers, qDaemons, qProcesses, qSpawns, qKills, qPSS, qSplit, qSwap,
	qP50, qP99, qP50Done, qP99Done, qCompleted, qFailed, qListen, qDaemonWait, qTaken}

// positive is v when it is a value (> 0) and NaN otherwise: the latency of
// an interval where nothing completed is not a value.
func positive(v float64) float64 {
	if v > 0 {
		return v
	}
	return math.NaN()
}

// columnWidth is the width in seconds of one column of time for a run
// whose last row starts at last: base·2^k, the smallest with
// pixelColumns·width > last.
func columnWidth(base, last float64) float64 {
	if !(base > 0) {
		base = 1
	}
	w := base
	for pixelColumns*w <= last {
		w *= 2
	}
	return w
}

// thinIndex returns the indices of the points to draw of series over
// increasing times t (seconds): all of them when there are at most
// thinAbove, otherwise the first, the last, and in each column of time
// the points where each series is smallest and largest (the earliest on
// ties) and its first NaN, so a gap in a series stays a gap.
func thinIndex(t []float64, base float64, series ...[]float64) []int {
	n := len(t)
	if n <= thinAbove {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	w := columnWidth(base, t[n-1])
	keep := make([]bool, n)
	keep[0], keep[n-1] = true, true
	lo := make([]int, len(series))
	hi := make([]int, len(series))
	gap := make([]int, len(series))
	reset := func() {
		for k := range series {
			if lo[k] >= 0 {
				keep[lo[k]], keep[hi[k]] = true, true
			}
			if gap[k] >= 0 {
				keep[gap[k]] = true
			}
			lo[k], hi[k], gap[k] = -1, -1, -1
		}
	}
	for k := range series {
		lo[k], gap[k] = -1, -1
	}
	col := math.MinInt
	for i, ti := range t {
		if c := int(math.Floor(ti / w)); c != col {
			reset()
			col = c
		}
		for k, s := range series {
			v := s[i]
			if math.IsNaN(v) {
				if gap[k] < 0 {
					gap[k] = i
				}
				continue
			}
			if lo[k] < 0 || v < s[lo[k]] {
				lo[k] = i
			}
			if hi[k] < 0 || v > s[hi[k]] {
				hi[k] = i
			}
		}
	}
	reset()
	var out []int
	for i, k := range keep {
		if k {
			out = append(out, i)
		}
	}
	return out
}

// thinRows returns the rows of a run a panel drawing the given quantities
// needs (see thinIndex).
func thinRows(s results.Summary, rows []results.Row, qs ...quantity) []results.Row {
	if len(rows) <= thinAbove {
		return rows
	}
	t := make([]float64, len(rows))
	series := make([][]float64, len(qs))
	for k := range qs {
		series[k] = make([]float64, len(rows))
	}
	for i, r := range rows {
		t[i] = r.TimeS
		for k, q := range qs {
			series[k][i] = q(r)
		}
	}
	idx := thinIndex(t, s.IntervalS, series...)
	out := make([]results.Row, len(idx))
	for i, j := range idx {
		out[i] = rows[j]
	}
	return out
}

// Load reads a result directory for drawing, in memory that does not grow
// with the run's length: timeseries.csv is streamed and only the rows the
// figures need are kept (all of them for runs of up to thinAbove rows,
// otherwise the extremes of every drawn quantity per column of time: the
// peaks and dips of any of them are exact, sums and means over rows are
// not), and of events.log only the lines the figures draw (the kernel's
// OOM kills).
// Bad files are reported as results.ReadDir reports them.
func Load(dir string) (results.Run, error) {
	s, err := results.ReadSummaryFile(dir)
	if err != nil {
		return results.Run{}, err
	}
	red := newReducer(s.IntervalS)
	return load(dir, red, func(r results.Row) error { red.add(r); return nil })
}

// load is Load with red thinning the rows: from timeseries.csv, read
// through rows, or, if rows is nil, as they were written (a Follower).
func load(dir string, red *reducer, rows func(results.Row) error) (results.Run, error) {
	var oom []results.LogLine
	run, err := results.ScanDir(dir, rows,
		func(l results.LogLine) error {
			if isOOMKill(l) {
				oom = append(oom, l)
			}
			return nil
		})
	run.Rows, run.Log = red.result(), oom
	return run, err
}

// isOOMKill reports whether a log line is the kernel's OOM killer killing
// a process (the simulator writes these; see models' oomKill).
func isOOMKill(l results.LogLine) bool {
	return l.Module == "kernel" && strings.HasPrefix(l.Msg, "Out of memory")
}

// reducer thins rows as they stream in (see Load).
type reducer struct {
	base  float64
	all   []results.Row // every row, until there are more than thinAbove
	width float64       // column width once thinning; 0 before
	cols  []timeColumn
	first results.Row
	last  results.Row
	n     int
}

// timeColumn holds the rows where each quantity is smallest (lo) and largest
// (hi) within one column of time, by index into rows.
type timeColumn struct {
	rows     []results.Row
	lo, hi   []int
	loV, hiV []float64
}

func newReducer(base float64) *reducer { return &reducer{base: base} }

func (r *reducer) add(row results.Row) {
	if r.n == 0 {
		r.first = row
	}
	r.n++
	r.last = row
	if r.width == 0 {
		r.all = append(r.all, row)
		if len(r.all) <= thinAbove {
			return
		}
		r.width = columnWidth(r.base, 0)
		r.cols = make([]timeColumn, pixelColumns)
		buffered := r.all
		r.all = nil
		for _, b := range buffered {
			r.place(b)
		}
		return
	}
	r.place(row)
}

func (r *reducer) place(row results.Row) {
	c := int(row.TimeS / r.width)
	for c >= pixelColumns {
		r.double()
		c = int(row.TimeS / r.width)
	}
	r.cols[c].add(row)
}

// double halves the number of columns in use by merging neighbours.
func (r *reducer) double() {
	next := make([]timeColumn, pixelColumns)
	for i := range pixelColumns / 2 {
		for _, c := range []timeColumn{r.cols[2*i], r.cols[2*i+1]} {
			for _, row := range c.rows {
				next[i].add(row)
			}
		}
		next[i].compact()
	}
	r.cols = next
	r.width *= 2
}

func (c *timeColumn) add(row results.Row) {
	if c.lo == nil {
		n := len(allQuantities)
		c.lo, c.hi = make([]int, n), make([]int, n)
		c.loV, c.hiV = make([]float64, n), make([]float64, n)
		for k := range n {
			c.lo[k], c.hi[k] = -1, -1
		}
	}
	idx := len(c.rows)
	used := false
	for k, q := range allQuantities {
		v := q(row)
		if math.IsNaN(v) {
			continue
		}
		if c.lo[k] < 0 || v < c.loV[k] {
			c.lo[k], c.loV[k], used = idx, v, true
		}
		if c.hi[k] < 0 || v > c.hiV[k] {
			c.hi[k], c.hiV[k], used = idx, v, true
		}
	}
	if used {
		c.rows = append(c.rows, row)
		if len(c.rows) > 4*len(allQuantities) {
			c.compact()
		}
	}
}

// compact drops the rows no quantity's extreme points at any more.
func (c *timeColumn) compact() {
	if len(c.rows) == 0 {
		return
	}
	used := c.marks(nil)
	moved := make([]int, len(c.rows))
	var rows []results.Row
	for i, r := range c.rows {
		if used[i] {
			moved[i] = len(rows)
			rows = append(rows, r)
		}
	}
	for k := range c.lo {
		if c.lo[k] >= 0 {
			c.lo[k], c.hi[k] = moved[c.lo[k]], moved[c.hi[k]]
		}
	}
	c.rows = rows
}

// marks returns, in used (reused), whether some quantity's extreme points
// at each of the column's rows.
func (c *timeColumn) marks(used []bool) []bool {
	used = slices.Grow(used[:0], len(c.rows))[:len(c.rows)]
	clear(used)
	for k := range c.lo {
		if c.lo[k] >= 0 {
			used[c.lo[k]], used[c.hi[k]] = true, true
		}
	}
	return used
}

// result returns the rows kept, in time order: the columns' rows that
// some quantity's extreme points at, copied once into one slice.
func (r *reducer) result() []results.Row {
	if r.width == 0 {
		return r.all
	}
	n := 2
	var used []bool
	for i := range r.cols {
		used = r.cols[i].marks(used)
		for _, u := range used {
			if u {
				n++
			}
		}
	}
	out := make([]results.Row, 1, n)
	out[0] = r.first
	for i := range r.cols {
		c := &r.cols[i]
		used = c.marks(used)
		for j, row := range c.rows {
			if used[j] && row.TimeS > out[len(out)-1].TimeS {
				out = append(out, row)
			}
		}
	}
	if r.last.TimeS > out[len(out)-1].TimeS {
		out = append(out, r.last)
	}
	return out
}
