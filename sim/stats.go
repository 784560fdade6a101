package sim

import (
	"math"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Gauge tracks a piecewise-constant quantity over simulated time (a queue
// length, a process count) and reports its time-weighted mean and maximum
// per window and over the whole run, in constant memory.
type Gauge struct {
	value   float64
	last    Time
	start   Time // start of the current window
	area    float64
	max     float64 // maximum in the current window
	allArea float64 // the windows' areas before the current one
	allMax  float64 // the windows' maxima before the current one
	origin  Time
}

// NewGauge returns a gauge that starts at value v at instant t.
func NewGauge(t Time, v float64) *Gauge {
	return &Gauge{value: v, last: t, start: t, origin: t, max: v, allMax: v}
}

// advance brings the window's area up to t. Set, on the hot path of every
// model, touches only the current window; the whole run's area and
// maximum take each window's as it closes (Window) or when asked.
func (g *Gauge) advance(t Time) {
	if t > g.last {
		g.area += g.value * float64(t-g.last)
		g.last = t
	}
}

// Set records that the quantity is v from instant t on.
func (g *Gauge) Set(t Time, v float64) {
	g.advance(t)
	g.value = v
	if v > g.max {
		g.max = v
	}
}

// Add records a change of dv at instant t.
func (g *Gauge) Add(t Time, dv float64) { g.Set(t, g.value+dv) }

// Value returns the current value.
func (g *Gauge) Value() float64 { return g.value }

// Window returns the time-weighted mean and the maximum since the previous
// call (or since creation) up to t, and starts a new window at t.
func (g *Gauge) Window(t Time) (mean, max float64) {
	g.advance(t)
	mean = g.value
	if t > g.start {
		mean = g.area / float64(t-g.start)
	}
	max = g.max
	g.allArea += g.area
	g.allMax = math.Max(g.allMax, g.max)
	g.start, g.area, g.max = t, 0, g.value
	return mean, max
}

// Max returns the largest value seen over the whole run.
func (g *Gauge) Max() float64 { return math.Max(g.allMax, g.max) }

// Mean returns the time-weighted mean over the whole run up to t.
func (g *Gauge) Mean(t Time) float64 {
	g.advance(t)
	if t <= g.origin {
		return g.value
	}
	return (g.allArea + g.area) / float64(t-g.origin)
}

// Quantiles records durations in an HDR histogram: quantiles to a fixed
// relative precision from 1µs to 1h, in memory that does not grow with the
// number of samples. Values outside that range are clamped into it.
type Quantiles struct{ h *hdrhistogram.Histogram }

const (
	quantileMin = int64(Microsecond)
	quantileMax = int64(Hour)
)

// NewQuantiles returns an empty histogram keeping sigfigs significant
// decimal digits (2 gives 1% precision, 3 gives 0.1%).
func NewQuantiles(sigfigs int) *Quantiles {
	return &Quantiles{h: hdrhistogram.New(quantileMin, quantileMax, sigfigs)}
}

// Record adds one duration.
func (q *Quantiles) Record(d Time) {
	v := int64(d)
	if v < quantileMin {
		v = quantileMin
	}
	if v > quantileMax {
		v = quantileMax
	}
	_ = q.h.RecordValue(v) // cannot fail: v is within the histogram's range
}

// Count returns the number of recorded values.
func (q *Quantiles) Count() int64 { return q.h.TotalCount() }

// Quantile returns the value at quantile p in [0, 1], or 0 when empty.
func (q *Quantiles) Quantile(p float64) Time {
	if q.h.TotalCount() == 0 {
		return 0
	}
	return Time(q.h.ValueAtQuantile(p * 100))
}

// Max returns the largest recorded value (to the histogram's precision).
func (q *Quantiles) Max() Time {
	if q.h.TotalCount() == 0 {
		return 0
	}
	return Time(q.h.Max())
}

// Mean returns the mean of the recorded values, or NaN when empty.
func (q *Quantiles) Mean() float64 {
	if q.h.TotalCount() == 0 {
		return math.NaN()
	}
	return q.h.Mean()
}

// Reset empties the histogram.
func (q *Quantiles) Reset() { q.h.Reset() }

// HDR returns a copy of the underlying HdrHistogram (values in ns), for
// writing the distribution out.
func (q *Quantiles) HDR() *hdrhistogram.Histogram { return q.h.Clone() }

// Merge adds every value of o.
func (q *Quantiles) Merge(o *Quantiles) { q.h.Merge(o.h) }
