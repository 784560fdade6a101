package results

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// LatencyFile is the latency histogram of a result directory, in
// HdrHistogram's interval log format (version 1.3): comment lines, a legend,
// and one line per histogram,
//
//	Tag=run,0.000000,240.000000,59912.000000,HISTFAAA…
//
// holding its tag, start and length in seconds since t=0 (the load's
// start), its maximum in ms, and the histogram itself in HdrHistogram's V2
// compressed, base64 encoding. Values are nanoseconds. "run" is every
// completed request of the run; a reader ignores other tags. HdrHistogram's
// own tools (HistogramLogProcessor, hdrhistogram-go's log reader) read the
// file as it is.
const LatencyFile = "latency.hdr"

// The histogram geometry both sources use (the simulator's sim.Quantiles
// too): 1 µs to 1 h at 3 significant digits, so quantiles are within 0.1%
// and histograms from either source merge exactly.
const (
	HistogramLowest  = int64(time.Microsecond)
	HistogramHighest = int64(time.Hour)
	HistogramDigits  = 3
)

// runTag tags the whole run's histogram in LatencyFile.
const runTag = "run"

// A Histogram is the distribution of completed requests' response times:
// an HdrHistogram of nanoseconds. Its quantiles are exact to the
// histogram's precision (0.1% with forkcast's geometry), unlike anything
// rebuilt from per-interval quantiles.
type Histogram struct{ h *hdrhistogram.Histogram }

// NewHistogram returns an empty histogram with forkcast's geometry.
func NewHistogram() *Histogram {
	return &Histogram{hdrhistogram.New(HistogramLowest, HistogramHighest, HistogramDigits)}
}

// HistogramOf wraps an HdrHistogram of nanoseconds (the simulator's); the
// Histogram takes it over.
func HistogramOf(h *hdrhistogram.Histogram) *Histogram { return &Histogram{h} }

// Record adds one response time, clamped into the geometry's range.
func (h *Histogram) Record(d time.Duration) {
	v := min(max(int64(d), h.h.LowestTrackableValue()), h.h.HighestTrackableValue())
	_ = h.h.RecordValue(v) // cannot fail: v is in range
}

// Count returns the number of response times.
func (h *Histogram) Count() int64 { return h.h.TotalCount() }

// QuantileMS returns the response time at quantile q in [0, 1], in ms; 0
// when empty.
func (h *Histogram) QuantileMS(q float64) float64 {
	if h.Count() == 0 {
		return 0
	}
	return float64(h.h.ValueAtQuantile(q*100)) / 1e6
}

// MaxMS returns the largest response time, in ms (to the histogram's
// precision); 0 when empty.
func (h *Histogram) MaxMS() float64 {
	if h.Count() == 0 {
		return 0
	}
	return float64(h.h.Max()) / 1e6
}

// MeanMS returns the mean response time in ms; 0 when empty.
func (h *Histogram) MeanMS() float64 { return h.h.Mean() / 1e6 }

// A CDFPoint is one step of a distribution: Fraction of the values are at
// most MS.
type CDFPoint struct{ MS, Fraction float64 }

// CDF returns the cumulative distribution: one point per non-empty bucket,
// at the bucket's upper end, in increasing order; nil when empty.
func (h *Histogram) CDF() []CDFPoint {
	total := float64(h.Count())
	if total == 0 {
		return nil
	}
	var out []CDFPoint
	var cum int64
	for _, b := range h.h.Distribution() {
		if b.Count == 0 {
			continue
		}
		cum += b.Count
		out = append(out, CDFPoint{MS: float64(b.To) / 1e6, Fraction: float64(cum) / total})
	}
	return out
}

// Equal reports whether two histograms have the same geometry and counts.
func (h *Histogram) Equal(o *Histogram) bool { return h.h.Equals(o.h) }

// MergeHistograms returns a new histogram holding every value of hs: the
// pooled distribution of replications (or of any runs). It is exact —
// counts are added bucket by bucket — so every histogram must have the
// same geometry, which forkcast's always do; anything else is an error.
func MergeHistograms(hs ...*Histogram) (*Histogram, error) {
	if len(hs) == 0 {
		return nil, errors.New("results: no histograms to merge")
	}
	first := hs[0].h
	out := hdrhistogram.New(first.LowestTrackableValue(), first.HighestTrackableValue(), int(first.SignificantFigures()))
	for i, h := range hs {
		g := h.h
		if g.LowestTrackableValue() != first.LowestTrackableValue() || g.HighestTrackableValue() != first.HighestTrackableValue() ||
			g.SignificantFigures() != first.SignificantFigures() {
			return nil, fmt.Errorf("results: histogram %d covers %d–%d ns at %d digits, histogram 1 %d–%d ns at %d: an exact merge needs one geometry",
				i+1, g.LowestTrackableValue(), g.HighestTrackableValue(), g.SignificantFigures(),
				first.LowestTrackableValue(), first.HighestTrackableValue(), first.SignificantFigures())
		}
		if dropped := out.Merge(g); dropped > 0 {
			return nil, fmt.Errorf("results: merging histogram %d dropped %d values", i+1, dropped)
		}
	}
	return &Histogram{out}, nil
}

// WriteHistogram writes h as LatencyFile's content: the whole run, tagged
// "run", from t=0 for durationS seconds, with start as the log's start time.
// The output is a function of its arguments alone.
func WriteHistogram(w io.Writer, h *Histogram, start time.Time, durationS float64) error {
	bw := bufio.NewWriter(w)
	lw := hdrhistogram.NewHistogramLogWriter(bw)
	startMs := start.UnixMilli()
	c := h.h.Clone()
	c.SetTag(runTag)
	c.SetStartTimeMs(startMs)
	c.SetEndTimeMs(startMs + int64(math.Round(durationS*1000)))
	lw.SetBaseTime(startMs)
	for _, err := range []error{
		lw.OutputComment("[forkcast latency histogram: response times of completed requests, in ns; Tag=run is the whole run]"),
		lw.OutputLogFormatVersion(),
		lw.OutputStartTime(startMs),
		lw.OutputLegend(),
		lw.OutputIntervalHistogram(c),
	} {
		if err != nil {
			return err
		}
	}
	return bw.Flush()
}

func writeHistogramFile(path string, h *Histogram, start time.Time, durationS float64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := WriteHistogram(f, h, start, durationS); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// maxHistogramDigits bounds the precision a reader accepts: a histogram's
// counts array grows tenfold per digit, and 4 digits over 1 ns–2^63 ns is
// still only a few MB.
const maxHistogramDigits = 4

// ReadHistogram reads LatencyFile's content and returns the "run"
// histogram. Comment lines (#…) and the legend are skipped; every
// histogram line must parse, whatever its tag; exactly one must be tagged
// "run". Errors are *FileError with the line.
func ReadHistogram(r io.Reader) (*Histogram, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), MaxLineBytes)
	var run *Histogram
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, `"StartTimestamp"`) {
			continue
		}
		tag, h, err := parseHistogramLine(line)
		if err != nil {
			return nil, &FileError{Line: n, Msg: err.Error()}
		}
		if tag != runTag {
			continue
		}
		if run != nil {
			return nil, &FileError{Line: n, Msg: "a second Tag=run histogram: the file must hold one"}
		}
		run = h
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &FileError{Line: n + 1, Msg: fmt.Sprintf("line longer than %d bytes", MaxLineBytes)}
		}
		return nil, &FileError{Line: n + 1, Msg: err.Error()}
	}
	if run == nil {
		return nil, &FileError{Msg: "no histogram tagged run (want a line \"Tag=run,START,LENGTH,MAX,HISTFAA…\")"}
	}
	return run, nil
}

// parseHistogramLine reads "[Tag=T,]start,length,max,payload".
func parseHistogramLine(line string) (tag string, h *Histogram, err error) {
	if rest, ok := strings.CutPrefix(line, "Tag="); ok {
		var found bool
		tag, line, found = strings.Cut(rest, ",")
		if !found || tag == "" {
			return "", nil, errors.New("a Tag= without a histogram after it")
		}
	}
	f := strings.Split(line, ",")
	if len(f) != 4 {
		return "", nil, fmt.Errorf("want 4 comma-separated fields (start, length, max, histogram), got %d", len(f))
	}
	for i, name := range []string{"start", "length", "max"} {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return "", nil, fmt.Errorf("%s %q is not a number", name, f[i])
		}
		if msg := checkValue(v); msg != "" {
			return "", nil, fmt.Errorf("%s %s: %s", name, f[i], msg)
		}
	}
	if err := checkGeometry(f[3]); err != nil {
		return "", nil, err
	}
	hh, err := hdrhistogram.Decode([]byte(f[3]))
	if err != nil {
		return "", nil, fmt.Errorf("not an HdrHistogram V2 compressed histogram: %v", err)
	}
	return tag, &Histogram{hh}, nil
}

// checkGeometry reads the header of an encoded histogram, before it is
// decoded, and refuses a precision that would make decoding allocate a
// huge counts array.
func checkGeometry(payload string) error {
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return fmt.Errorf("histogram is not base64: %v", err)
	}
	if len(raw) < 8 {
		return errors.New("histogram too short")
	}
	z, err := zlib.NewReader(bytes.NewReader(raw[8:]))
	if err != nil {
		return fmt.Errorf("histogram is not compressed as HdrHistogram's V2 encoding: %v", err)
	}
	defer z.Close()
	var head struct {
		Cookie, PayloadLength, Offset, Digits int32
		Lowest, Highest                       int64
	}
	if err := binary.Read(z, binary.BigEndian, &head); err != nil {
		return fmt.Errorf("histogram header truncated: %v", err)
	}
	if head.Digits < 0 || head.Digits > maxHistogramDigits {
		return fmt.Errorf("histogram of %d significant digits: want 0 to %d", head.Digits, maxHistogramDigits)
	}
	return nil
}
