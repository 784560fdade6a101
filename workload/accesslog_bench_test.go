package workload

import (
	"bufio"
	"bytes"
	"io"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The corpus the benchmarks read, over and over: 10 000 synthetic
// combined lines (about 230 bytes each, like a browser's).
var benchCorpus = func() []byte {
	var b []byte
	for i := range 10_000 {
		b = combinedLine(i*37, b)
	}
	return b
}()

// loopReader reads a corpus again and again.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	if l.off == len(l.data) {
		l.off = 0
	}
	n := copy(p, l.data[l.off:])
	l.off += n
	return n, nil
}

// BenchmarkLogReaderCombined reads b.N combined lines with LogReader.
func BenchmarkLogReaderCombined(b *testing.B) {
	rd := NewLogReader(&loopReader{data: benchCorpus}, "bench.log", mustFormat(b, "combined"))
	b.SetBytes(int64(len(benchCorpus) / 10_000))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := rd.Next(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	if rd.Bad() != 0 {
		b.Fatal(rd.Malformed())
	}
}

// BenchmarkLogReaderCombinedRegexp is the baseline: the reader one writes
// first, with a regular expression, time.Parse and strconv.
func BenchmarkLogReaderCombinedRegexp(b *testing.B) {
	rd := newRegexpReader(&loopReader{data: benchCorpus})
	b.SetBytes(int64(len(benchCorpus) / 10_000))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := rd.Next(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

var combinedRegexp = regexp.MustCompile(`^(\S+) (\S+) (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"$`)

type regexpReader struct{ sc *bufio.Scanner }

func newRegexpReader(r io.Reader) *regexpReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	return &regexpReader{sc: sc}
}

func (r *regexpReader) Next() (LogEntry, error) {
	for r.sc.Scan() {
		m := combinedRegexp.FindSubmatch(r.sc.Bytes())
		if m == nil {
			continue
		}
		at, err := time.Parse("02/Jan/2006:15:04:05 -0700", string(m[4]))
		if err != nil {
			continue
		}
		e := LogEntry{At: at, Host: string(m[1]), Served: -1, KeepAlive: -1}
		if parts := strings.SplitN(string(m[5]), " ", 3); len(parts) == 3 {
			e.Method, e.Path, e.Protocol = parts[0], parts[1], parts[2]
		}
		e.Status, _ = strconv.Atoi(string(m[6]))
		if !bytes.Equal(m[7], []byte("-")) {
			e.Bytes, _ = strconv.ParseInt(string(m[7]), 10, 64)
		}
		return e, nil
	}
	if err := r.sc.Err(); err != nil {
		return LogEntry{}, err
	}
	return LogEntry{}, io.EOF
}

// The baseline reads what LogReader reads, so the benchmarks compare like
// with like.
func TestRegexpBaselineAgrees(t *testing.T) {
	a := NewLogReader(bytes.NewReader(benchCorpus), "bench.log", mustFormat(t, "combined"))
	b := newRegexpReader(bytes.NewReader(benchCorpus))
	for i := range 10_000 {
		x, err1 := a.Next()
		y, err2 := b.Next()
		if err1 != nil || err2 != nil {
			t.Fatalf("line %d: %v %v", i+1, err1, err2)
		}
		x.Line = 0
		if !x.At.Equal(y.At) {
			t.Fatalf("line %d: %v, %v", i+1, x.At, y.At)
		}
		y.At = x.At
		if x != y {
			t.Fatalf("line %d: %+v, %+v", i+1, x, y)
		}
	}
}

// BenchmarkReplayCombined replays 100 000 combined lines (1000 s of log)
// per op, at rate 1.5: reading, reordering, drawing and spreading.
func BenchmarkReplayCombined(b *testing.B) {
	var corpus []byte
	for i := range 100_000 {
		corpus = combinedLine(i, corpus)
	}
	f := mustFormat(b, "combined")
	b.SetBytes(int64(len(corpus)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		rp, err := NewReplay(bytes.NewReader(corpus), "bench.log", f, ReplayOptions{Rate: 1.5}, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			b.Fatal(err)
		}
		for _, ok := rp.Next(); ok; _, ok = rp.Next() {
		}
		if rp.Err() != nil || rp.Stats().Entries != 100_000 {
			b.Fatal(rp.Err(), rp.Stats())
		}
	}
	b.ReportMetric(float64(b.N)*100_000/b.Elapsed().Seconds(), "lines/s")
}
