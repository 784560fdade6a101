package results

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Version is forkcast's version, recorded in every summary.
const Version = "0.1.0"

// Sources of a result directory.
const (
	SourceSimulator = "simulator"
	SourceRuntime   = "runtime"
)

// Summary is summary.json.
type Summary struct {
	Forkcast       string           `json:"forkcast"`
	Source         string           `json:"source"` // simulator or runtime
	Scenario       string           `json:"scenario"`
	Variant        string           `json:"variant"`
	Seed           uint64           `json:"seed"`
	Replication    int              `json:"replication,omitempty"` // simulator: which replication of the seed (server-side draws)
	DurationS      float64          `json:"duration_s"`
	IntervalS      float64          `json:"interval_s"`
	Start          string           `json:"start"` // wall-clock instant of t=0, RFC 3339 (fixed for the simulator)
	MPM            string           `json:"mpm"`
	Mode           string           `json:"mode"` // embedded, daemon or mixed
	RAMMB          float64          `json:"ram_mb"`
	SwapMB         float64          `json:"swap_mb"`
	MaxWorkers     int              `json:"max_request_workers"`
	Peak           Peak             `json:"peak"`
	Latency        Latency          `json:"latency"`
	Requests       Requests         `json:"requests"`
	Throughput     float64          `json:"throughput_rps"` // completed requests per second
	Spawns         int64            `json:"spawns"`         // Apache children forked (including at start)
	Kills          int64            `json:"kills"`          // idle Apache children killed by maintenance
	Recycled       int64            `json:"recycled"`       // Apache children that left after MaxConnectionsPerChild
	DaemonStarts   int64            `json:"daemon_starts"`  // mod_wsgi daemon processes started (including at start)
	DaemonRestarts int64            `json:"daemon_restarts"`
	OOMKills       int64            `json:"oom_kills"`
	Imports        int64            `json:"imports"`            // times a process imported the app
	Hung           int64            `json:"hung_processes"`     // processes stuck in Python teardown instead of exiting (threaded children with a sub-interpreter)
	LogCounts      map[string]int64 `json:"log_counts"`         // events.log lines by AH number
	Restarts       []Restart        `json:"restarts,omitempty"` // what each [[event]] cost, in event order
}

// Peak holds the largest values seen during the run.
type Peak struct {
	ApacheChildren  int     `json:"apache_children"`
	DaemonProcesses int     `json:"daemon_processes"`
	Processes       int     `json:"processes"` // every process, the Apache parent included
	PSSMB           float64 `json:"pss_mb"`
	RSSMB           float64 `json:"rss_mb"`
	ListenQueue     int     `json:"listen_queue"`
	DaemonQueue     int     `json:"daemon_queue"`
}

// Latency is the client-side response time of completed requests, in ms.
type Latency struct {
	P50  float64 `json:"p50_ms"`
	P90  float64 `json:"p90_ms"`
	P99  float64 `json:"p99_ms"`
	Max  float64 `json:"max_ms"`
	Mean float64 `json:"mean_ms"`
}

// Requests counts requests by outcome. Offered counts first attempts;
// a request retried after a failure counts once, by its final outcome.
type Requests struct {
	Offered    int64    `json:"offered"`
	Completed  int64    `json:"completed"` // answered with 200
	Failed     int64    `json:"failed"`
	Unfinished int64    `json:"unfinished"` // still in flight when the run ended
	Failures   Failures `json:"failures"`
}

// Failures counts failed requests by cause.
type Failures struct {
	S500          int64 `json:"500"`            // daemon died mid-request, WSGIRestrictEmbedded
	S503          int64 `json:"503"`            // daemon socket backlog full past connect-timeout
	S504          int64 `json:"504"`            // queue-timeout at dequeue, or socket-timeout
	Refused       int64 `json:"refused"`        // connection refused
	Reset         int64 `json:"reset"`          // connection closed without a response (a child killed)
	ClientTimeout int64 `json:"client_timeout"` // the client gave up waiting
}

// Total returns the sum over causes.
func (f Failures) Total() int64 {
	return f.S500 + f.S503 + f.S504 + f.Refused + f.Reset + f.ClientTimeout
}

// Row is one line of timeseries.csv: the interval [TimeS, TimeS+interval).
// Process and worker counts and queue lengths are time-weighted means over
// the interval; memory is the mean too; counters are totals in the interval;
// latencies are quantiles of requests completed in the interval (0 if none).
// Worker states are scoreboard states of Apache worker slots (processes for
// prefork, threads for worker and event) in live processes; Importing is the
// part of busy workers importing the app, and Busy excludes it.
type Row struct {
	TimeS           float64 `csv:"time_s"`
	ApacheChildren  float64 `csv:"apache_children"`
	DaemonProcesses float64 `csv:"daemon_processes"`
	Starting        float64 `csv:"starting"`
	Idle            float64 `csv:"idle"`
	Busy            float64 `csv:"busy"`
	Importing       float64 `csv:"importing"`
	KeepAlive       float64 `csv:"keepalive"`
	Closing         float64 `csv:"closing"`
	Parked          float64 `csv:"parked"` // event: keep-alive connections held by no thread
	DaemonBusy      float64 `csv:"daemon_busy"`
	ListenQueue     float64 `csv:"listen_queue"`
	DaemonQueue     float64 `csv:"daemon_queue"`
	PSSMB           float64 `csv:"pss_mb"`
	RSSMB           float64 `csv:"rss_mb"`
	ParentPSSMB     float64 `csv:"parent_pss_mb"`
	ChildrenPSSMB   float64 `csv:"children_pss_mb"`
	DaemonPSSMB     float64 `csv:"daemon_pss_mb"`
	SwapMB          float64 `csv:"swap_mb"`
	CPUUtil         float64 `csv:"cpu_util"` // busy cores / cores
	Arrivals        float64 `csv:"arrivals"` // connections opened by clients
	Completions     float64 `csv:"completions"`
	Failures        float64 `csv:"failures"`
	Spawns          float64 `csv:"spawns"`
	Kills           float64 `csv:"kills"`
	LatencyP50MS    float64 `csv:"latency_p50_ms"`
	LatencyP99MS    float64 `csv:"latency_p99_ms"`
}

// Columns returns timeseries.csv's header, in order.
func Columns() []string {
	t := reflect.TypeOf(Row{})
	cols := make([]string, t.NumField())
	for i := range cols {
		cols[i] = t.Field(i).Tag.Get("csv")
	}
	return cols
}

// Values returns the row's values in Columns order.
func (r Row) Values() []float64 {
	v := reflect.ValueOf(r)
	out := make([]float64, v.NumField())
	for i := range out {
		out[i] = v.Field(i).Float()
	}
	return out
}

// Column returns the values of the named column over rows.
func Column(rows []Row, name string) ([]float64, error) {
	cols := Columns()
	for i, c := range cols {
		if c == name {
			out := make([]float64, len(rows))
			for j, r := range rows {
				out[j] = reflect.ValueOf(r).Field(i).Float()
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("results: no column %q (have %s)", name, strings.Join(cols, ", "))
}

// LogLine is one events.log line, in Apache's error-log format:
//
//	[Sat Jan 01 00:00:01.000000 2000] [mpm_prefork:info] [pid 1] AH00162: server seems busy, ...
type LogLine struct {
	At     time.Duration // since t=0
	Module string        // mpm_prefork, wsgi, core, ...
	Level  string        // error, warn, notice, info
	PID    int
	Msg    string // including the AH number when Apache has one
}

// Format renders the line with t=0 at start.
func (l LogLine) Format(start time.Time) string {
	ts := start.Add(l.At).UTC().Format("Mon Jan 02 15:04:05.000000 2006")
	return fmt.Sprintf("[%s] [%s:%s] [pid %d] %s", ts, l.Module, l.Level, l.PID, l.Msg)
}

// SimulatorEpoch is t=0 of every simulated run, so logs are reproducible.
var SimulatorEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Run is everything a result directory holds.
type Run struct {
	Summary  Summary
	Rows     []Row
	Log      []LogLine
	Scenario []byte // the resolved scenario as TOML (scenario.toml), if known
}

// WriteDir writes run as a new result directory dir (see Publish): it
// appears complete or not at all, and an existing dir is an *OutputError.
func WriteDir(dir string, run Run) error {
	return Publish(dir, run.Summary.Source, false, func(tmp string) error { return WriteFiles(tmp, run) })
}

// ReplaceDir is WriteDir that may replace an existing dir, once the new one
// is complete, if that dir is a forkcast output holding only its own files.
func ReplaceDir(dir string, run Run) error {
	return Publish(dir, run.Summary.Source, true, func(tmp string) error { return WriteFiles(tmp, run) })
}

// WriteFiles writes run's files into the existing directory dir, for a
// result directory nested inside a larger output being published.
func WriteFiles(dir string, run Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return writeFiles(dir, run)
}

func writeFiles(dir string, run Run) error {
	js, err := json.MarshalIndent(run.Summary, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "summary.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "timeseries.csv"))
	if err != nil {
		return err
	}
	if err := WriteCSV(f, run.Rows); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	start, err := time.Parse(time.RFC3339Nano, run.Summary.Start)
	if err != nil {
		start = SimulatorEpoch
	}
	var b strings.Builder
	for _, l := range run.Log {
		b.WriteString(l.Format(start))
		b.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "events.log"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	if run.Scenario != nil {
		return os.WriteFile(filepath.Join(dir, "scenario.toml"), run.Scenario, 0o644)
	}
	return nil
}

// WriteCSV writes rows with a header. Numbers are written with up to four
// decimals so output is byte-identical across platforms.
func WriteCSV(w io.Writer, rows []Row) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(strings.Join(Columns(), ","))
	bw.WriteByte('\n')
	for _, r := range rows {
		for i, v := range r.Values() {
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.WriteString(FormatFloat(v))
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// FormatFloat writes v with at most four decimals and no trailing zeros.
func FormatFloat(v float64) string {
	s := strconv.FormatFloat(v, 'f', 4, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// ReadDir reads a result directory written by WriteDir.
func ReadDir(dir string) (Run, error) {
	var run Run
	js, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		return run, err
	}
	if err := json.Unmarshal(js, &run.Summary); err != nil {
		return run, fmt.Errorf("%s/summary.json: %w", dir, err)
	}
	f, err := os.Open(filepath.Join(dir, "timeseries.csv"))
	if err != nil {
		return run, err
	}
	defer f.Close()
	run.Rows, err = ReadCSV(f)
	if err != nil {
		return run, fmt.Errorf("%s/timeseries.csv: %w", dir, err)
	}
	if sc, err := os.ReadFile(filepath.Join(dir, "scenario.toml")); err == nil {
		run.Scenario = sc
	}
	return run, nil
}

// ReadCSV reads rows written by WriteCSV. Columns are matched by name, so
// files with extra or reordered columns still read.
func ReadCSV(r io.Reader) ([]Row, error) {
	cr := csv.NewReader(r)
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, errors.New("empty file")
	}
	index := map[string]int{}
	for i, h := range recs[0] {
		index[h] = i
	}
	cols := Columns()
	for _, c := range cols {
		if _, ok := index[c]; !ok {
			return nil, fmt.Errorf("missing column %q", c)
		}
	}
	rows := make([]Row, 0, len(recs)-1)
	for n, rec := range recs[1:] {
		var row Row
		v := reflect.ValueOf(&row).Elem()
		for i, c := range cols {
			x, err := strconv.ParseFloat(rec[index[c]], 64)
			if err != nil {
				return nil, fmt.Errorf("line %d, column %s: %w", n+2, c, err)
			}
			v.Field(i).SetFloat(x)
		}
		rows = append(rows, row)
	}
	return rows, nil
}
