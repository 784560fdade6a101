package results

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Readers trust nothing in a result directory: every file may have been
// edited by hand, truncated, or written by something else. Each rejects
// what it cannot use with a *FileError naming the file and line, so a
// figure, report or validation never draws or compares garbage.

// Limits on what the readers accept. They are far above anything forkcast
// writes and keep a hostile file from exhausting memory.
const (
	MaxLineBytes     = 1 << 20 // one line of any result file
	MaxSummaryBytes  = 1 << 20 // summary.json
	MaxScenarioBytes = 4 << 20 // scenario.toml
	// MaxValue bounds every number in timeseries.csv and summary.json: far
	// above any real count, size in MB or latency in ms, and far enough below
	// float64's range that sums and scales of values stay finite.
	MaxValue = 1e12
)

// A FileError is a result file that cannot be read: which file, which line
// (0 for the file as a whole), and what is wrong.
type FileError struct {
	Path string // "" when reading from a stream with no name
	Line int
	Msg  string
}

func (e *FileError) Error() string {
	switch {
	case e.Path == "" && e.Line == 0:
		return e.Msg
	case e.Path == "":
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	case e.Line == 0:
		return e.Path + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
}

// inFile gives a stream's *FileError the file's path.
func inFile(path string, err error) error {
	var fe *FileError
	if errors.As(err, &fe) && fe.Path == "" {
		c := *fe
		c.Path = path
		return &c
	}
	if err != nil {
		return &FileError{Path: path, Msg: err.Error()}
	}
	return nil
}

// checkValue accepts a finite number in [0, MaxValue].
func checkValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN is not a number: want a finite number ≥ 0"
	case math.IsInf(v, 0):
		return "infinite: want a finite number ≥ 0"
	case v < 0:
		return "negative: want a number ≥ 0"
	case v > MaxValue:
		return fmt.Sprintf("implausibly large: want at most %g", MaxValue)
	}
	return ""
}

// lineLimit fails a read once a line grows past MaxLineBytes, so a file
// without newlines cannot make a reader buffer all of it.
type lineLimit struct {
	r    io.Reader
	run  int // bytes since the last newline
	line int // 1-based line of the next byte
}

func (l *lineLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, b := range p[:n] {
		if b == '\n' {
			l.run = 0
			l.line++
			continue
		}
		l.run++
		if l.run > MaxLineBytes {
			return 0, &FileError{Line: l.line, Msg: fmt.Sprintf("line longer than %d bytes", MaxLineBytes)}
		}
	}
	return n, err
}

// ScanCSV reads timeseries.csv rows one at a time and calls fn with each,
// so a file of millions of rows is read in constant memory. Columns are
// matched by name: extra columns are ignored, reordered ones still read,
// missing or repeated ones are an error. Every value must be a finite
// number in [0, MaxValue], and time_s must increase from row to row. Errors
// are *FileError with the line; an error from fn stops the scan and is
// returned as it is.
func ScanCSV(r io.Reader, fn func(Row) error) error {
	limit := &lineLimit{r: r, line: 1}
	cr := csv.NewReader(limit)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return &FileError{Msg: "empty file: want a header line naming the columns"}
	}
	if err != nil {
		return csvError(err)
	}
	index := map[string]int{}
	for i, h := range header {
		if _, dup := index[h]; dup {
			return &FileError{Line: 1, Msg: fmt.Sprintf("column %q appears twice", h)}
		}
		index[h] = i
	}
	cols := Columns()
	at := make([]int, len(cols))
	var missing []string
	for i, c := range cols {
		j, ok := index[c]
		if !ok {
			missing = append(missing, c)
		}
		at[i] = j
	}
	if len(missing) > 0 {
		return &FileError{Line: 1, Msg: fmt.Sprintf("missing column %s (a timeseries.csv has %s)",
			quoteList(missing), strings.Join(cols, ","))}
	}
	prev := math.Inf(-1)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return csvError(err)
		}
		line, _ := cr.FieldPos(0)
		var row Row
		for i, p := range row.fields() {
			s := rec[at[i]]
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return &FileError{Line: line, Msg: fmt.Sprintf("column %s: %q is not a number", cols[i], s)}
			}
			if msg := checkValue(v); msg != "" {
				return &FileError{Line: line, Msg: fmt.Sprintf("column %s: %s: %s", cols[i], s, msg)}
			}
			*p = v
		}
		if row.TimeS <= prev {
			return &FileError{Line: line, Msg: fmt.Sprintf("time_s %s is not after the previous row's %s: rows must be in time order",
				FormatFloat(row.TimeS), FormatFloat(prev))}
		}
		prev = row.TimeS
		if err := fn(row); err != nil {
			return err
		}
	}
}

// ReadCSV reads every row of a timeseries.csv (see ScanCSV).
func ReadCSV(r io.Reader) ([]Row, error) {
	var rows []Row
	err := ScanCSV(r, func(row Row) error {
		rows = append(rows, row)
		return nil
	})
	return rows, err
}

// CheckRow reports the first value of row that a reader would reject.
func CheckRow(row Row) error {
	for i, p := range row.fields() {
		if msg := checkValue(*p); msg != "" {
			return fmt.Errorf("column %s: %v: %s", Columns()[i], *p, msg)
		}
	}
	return nil
}

func csvError(err error) error {
	var fe *FileError
	if errors.As(err, &fe) {
		return fe
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &FileError{Line: pe.Line, Msg: pe.Err.Error()}
	}
	return &FileError{Msg: err.Error()}
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// ReadSummary parses and checks a summary.json: valid JSON holding one
// object; numbers finite, not negative and at most MaxValue; source
// "simulator" or "runtime"; a positive interval; request counts that add
// up (completed + failed + unfinished = offered, the failure causes sum to
// failed); names without control characters. Unknown keys are ignored, so
// a newer forkcast's summary still reads. Errors are *FileError with the
// line of the offending key.
func ReadSummary(data []byte) (Summary, error) {
	var s Summary
	if len(data) > MaxSummaryBytes {
		return s, &FileError{Msg: fmt.Sprintf("larger than %d bytes: not a forkcast summary", MaxSummaryBytes)}
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, jsonError(data, err)
	}
	for _, p := range summaryProblems(s) {
		return s, &FileError{Line: keyLine(data, p.key), Msg: strings.Join(p.key, ".") + ": " + p.msg}
	}
	return s, nil
}

type problem struct {
	key []string
	msg string
}

func summaryProblems(s Summary) []problem {
	var out []problem
	bad := func(msg string, key ...string) { out = append(out, problem{key, msg}) }
	num := func(v float64, key ...string) {
		if msg := checkValue(v); msg != "" {
			bad(fmt.Sprintf("%v: %s", v, msg), key...)
		}
	}
	count := func(v int64, key ...string) {
		if v < 0 {
			bad(fmt.Sprintf("%d: negative: want a count ≥ 0", v), key...)
		} else if float64(v) > MaxValue {
			bad(fmt.Sprintf("%d: implausibly large: want at most %g", v, MaxValue), key...)
		}
	}
	text := func(v string, key ...string) {
		if len(v) > 256 {
			bad("longer than 256 bytes", key...)
		}
		for _, r := range v {
			if unicode.IsControl(r) || r == unicode.ReplacementChar {
				bad(fmt.Sprintf("%q: contains a control character or invalid UTF-8", v), key...)
				break
			}
		}
	}
	oneOf := func(v string, allowed []string, key ...string) {
		for _, a := range allowed {
			if v == a {
				return
			}
		}
		bad(fmt.Sprintf("%q: want one of %s", v, quoteList(allowed)), key...)
	}

	if s.Forkcast == "" {
		bad("missing: a forkcast summary names the version that wrote it", "forkcast")
	}
	text(s.Forkcast, "forkcast")
	oneOf(s.Source, []string{SourceSimulator, SourceRuntime}, "source")
	text(s.Scenario, "scenario")
	text(s.Variant, "variant")
	oneOf(s.MPM, []string{"", "prefork", "worker", "event"}, "mpm")
	oneOf(s.Mode, []string{"", "embedded", "daemon", "mixed"}, "mode")
	if s.Start != "" {
		if _, err := time.Parse(time.RFC3339Nano, s.Start); err != nil {
			bad(fmt.Sprintf("%q: want an RFC 3339 instant such as 2000-01-01T00:00:00Z", s.Start), "start")
		}
	}
	count(int64(s.Replication), "replication")
	num(s.DurationS, "duration_s")
	num(s.IntervalS, "interval_s")
	if s.IntervalS == 0 {
		bad("0: want the positive length of a timeseries.csv row in seconds", "interval_s")
	}
	num(s.RAMMB, "ram_mb")
	num(s.SwapMB, "swap_mb")
	count(int64(s.MaxWorkers), "max_request_workers")
	p := s.Peak
	count(int64(p.ApacheChildren), "peak", "apache_children")
	count(int64(p.DaemonProcesses), "peak", "daemon_processes")
	count(int64(p.Processes), "peak", "processes")
	num(p.PSSMB, "peak", "pss_mb")
	num(p.RSSMB, "peak", "rss_mb")
	count(int64(p.ListenQueue), "peak", "listen_queue")
	count(int64(p.DaemonQueue), "peak", "daemon_queue")
	l := s.Latency
	num(l.P50, "latency", "p50_ms")
	num(l.P90, "latency", "p90_ms")
	num(l.P99, "latency", "p99_ms")
	num(l.Max, "latency", "max_ms")
	num(l.Mean, "latency", "mean_ms")
	q := s.Requests
	count(q.Offered, "requests", "offered")
	count(q.Completed, "requests", "completed")
	count(q.Failed, "requests", "failed")
	count(q.Unfinished, "requests", "unfinished")
	f := q.Failures
	for _, c := range []struct {
		v    int64
		name string
	}{{f.S500, "500"}, {f.S503, "503"}, {f.S504, "504"}, {f.Refused, "refused"}, {f.Reset, "reset"}, {f.ClientTimeout, "client_timeout"}} {
		count(c.v, "requests", "failures", c.name)
	}
	if len(out) == 0 { // the sums are only meaningful for sane counts
		if q.Completed+q.Failed+q.Unfinished != q.Offered {
			bad(fmt.Sprintf("%d offered, but completed %d + failed %d + unfinished %d = %d",
				q.Offered, q.Completed, q.Failed, q.Unfinished, q.Completed+q.Failed+q.Unfinished), "requests", "offered")
		}
		if f.Total() != q.Failed {
			bad(fmt.Sprintf("%d failed, but the causes in requests.failures sum to %d", q.Failed, f.Total()), "requests", "failed")
		}
	}
	num(s.Throughput, "throughput_rps")
	count(s.Spawns, "spawns")
	count(s.Kills, "kills")
	count(s.Recycled, "recycled")
	count(s.DaemonStarts, "daemon_starts")
	count(s.DaemonRestarts, "daemon_restarts")
	count(s.OOMKills, "oom_kills")
	count(s.Imports, "imports")
	count(s.Hung, "hung_processes")
	for k, v := range s.LogCounts {
		text(k, "log_counts")
		count(v, "log_counts", k)
	}
	return out
}

// jsonError locates a JSON decoding error by line.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &FileError{Line: lineAt(data, se.Offset), Msg: "not valid JSON: " + se.Error()}
	case errors.As(err, &te):
		key := te.Field
		if key == "" {
			key = "the document"
		}
		return &FileError{Line: lineAt(data, te.Offset), Msg: fmt.Sprintf("%s: a JSON %s where a %s belongs", key, te.Value, te.Type)}
	}
	return &FileError{Msg: "not a forkcast summary: " + err.Error()}
}

// lineAt is the 1-based line of byte offset off.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

// keyLine finds the line of a (nested) key in a JSON document, looking
// for each key after the previous one; 0 when not found.
func keyLine(data []byte, key []string) int {
	off := 0
	for _, k := range key {
		quoted, _ := json.Marshal(k)
		i := bytes.Index(data[off:], append(quoted, ':'))
		if i < 0 {
			if i = bytes.Index(data[off:], quoted); i < 0 {
				return 0
			}
		}
		off += i
	}
	return lineAt(data, int64(off))
}

// logLineRe is one events.log line as LogLine.Format writes it.
var logLineRe = regexp.MustCompile(`^\[([A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d\.\d{6} \d{4})\] \[([^:\]\s]+):([^\]\s]+)\] \[pid (\d{1,10})\] ?(.*)$`)

const logTimeLayout = "Mon Jan 02 15:04:05.000000 2006"

// ScanLog reads events.log lines, as LogLine.Format writes them with t=0
// at start, and calls fn with each. A line in another format is a
// *FileError with its line number.
func ScanLog(r io.Reader, start time.Time, fn func(LogLine) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), MaxLineBytes)
	n := 0
	for sc.Scan() {
		n++
		text := sc.Text()
		m := logLineRe.FindStringSubmatch(text)
		if m == nil {
			return &FileError{Line: n, Msg: fmt.Sprintf("not an events.log line (want \"[Sat Jan 01 00:00:01.000000 2000] [module:level] [pid N] message\"): %.80q", text)}
		}
		at, err := time.Parse(logTimeLayout, m[1])
		if err != nil {
			return &FileError{Line: n, Msg: fmt.Sprintf("timestamp %q: %v", m[1], err)}
		}
		pid, _ := strconv.Atoi(m[4])
		if err := fn(LogLine{At: at.Sub(start), Module: m[2], Level: m[3], PID: pid, Msg: m[5]}); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return &FileError{Line: n + 1, Msg: fmt.Sprintf("line longer than %d bytes", MaxLineBytes)}
		}
		return &FileError{Line: n + 1, Msg: err.Error()}
	}
	return nil
}

// StartTime is t=0 of a run as a wall-clock instant: Summary.Start, or
// SimulatorEpoch when the summary has none.
func (s Summary) StartTime() time.Time {
	if t, err := time.Parse(time.RFC3339Nano, s.Start); err == nil {
		return t
	}
	return SimulatorEpoch
}

// Files of a result directory.
const (
	SummaryFile    = "summary.json"
	TimeseriesFile = "timeseries.csv"
	EventsFile     = "events.log"
	ScenarioFile   = "scenario.toml"
)

// ScanDir reads a result directory, streaming timeseries.csv's rows to
// rows and events.log's lines to logs instead of keeping them (either may
// be nil to skip that file): summary.json is required and checked
// (ReadSummary), timeseries.csv required (unless skipped), events.log,
// scenario.toml and latency.hdr optional. The returned Run has no Rows and
// no Log. Bad content is a *FileError naming the file and line.
func ScanDir(dir string, rows func(Row) error, logs func(LogLine) error) (Run, error) {
	var run Run
	var err error
	if run.Summary, err = ReadSummaryFile(dir); err != nil {
		return run, err
	}
	if rows != nil {
		if err := scanFile(filepath.Join(dir, TimeseriesFile), true, func(r io.Reader) error {
			return ScanCSV(r, rows)
		}); err != nil {
			return run, err
		}
	}
	if logs != nil {
		start := run.Summary.StartTime()
		if err := scanFile(filepath.Join(dir, EventsFile), false, func(r io.Reader) error {
			return ScanLog(r, start, logs)
		}); err != nil {
			return run, err
		}
	}
	path := filepath.Join(dir, ScenarioFile)
	if sc, err := readLimited(path, MaxScenarioBytes); err == nil {
		run.Scenario = sc
	} else if !errors.Is(err, os.ErrNotExist) {
		return run, err
	}
	path = filepath.Join(dir, LatencyFile)
	err = scanFile(path, false, func(r io.Reader) error {
		h, err := ReadHistogram(r)
		if err != nil {
			return err
		}
		if n, want := h.Count(), run.Summary.Requests.Completed; n != want {
			return &FileError{Msg: fmt.Sprintf("holds %d response times, but %s says %d requests completed", n, SummaryFile, want)}
		}
		run.Latencies = h
		return nil
	})
	return run, err
}

// ReadSummaryFile reads and checks dir's summary.json (see ReadSummary).
func ReadSummaryFile(dir string) (Summary, error) {
	path := filepath.Join(dir, SummaryFile)
	js, err := readLimited(path, MaxSummaryBytes)
	if err != nil {
		return Summary{}, err
	}
	s, err := ReadSummary(js)
	if err != nil {
		return s, inFile(path, err)
	}
	return s, nil
}

// scanFile opens path and passes it to scan, giving scan's errors the
// path. A missing optional file is no error.
func scanFile(path string, required bool, scan func(io.Reader) error) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) && !required {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	return inFile(path, scan(bufio.NewReaderSize(f, 256*1024)))
}

// readLimited reads a file of at most limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &FileError{Path: path, Msg: fmt.Sprintf("larger than %d bytes: not a forkcast result file", limit)}
	}
	return data, nil
}
