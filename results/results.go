package results

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
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
	// Measurement is how a runtime run was measured; nil for the simulator.
	Measurement *Measurement `json:"measurement,omitempty"`
}

// Measurement is what runtime mode knows of the conditions of its run.
type Measurement struct {
	ModWSGI string `json:"mod_wsgi_version"` // the version string of the mod_wsgi.so that ran
	// TimerLateness is how late the load generator's timer woke for each
	// arrival, past the arrival's instant: mean and 99th percentile, ms.
	TimerLateMeanMS float64 `json:"timer_late_mean_ms"`
	TimerLateP99MS  float64 `json:"timer_late_p99_ms"`
	// Cores is how many cores the measuring machine had.
	Cores int `json:"cores,omitempty"`
	// ForeignCPU is the CPU that processes outside Apache, the load
	// generator and the sampler used during the run.
	ForeignCPU ForeignCPU `json:"foreign_cpu"`
	// ForeignCoresByInterval is the same, in cores, interval by interval
	// of the timeseries: a burst of it in a surge's deciding seconds can
	// change the outcome while the run's total stays small. Quiet intervals
	// read a few hundredths of a core either side of zero (/proc/stat
	// counts whole clock ticks).
	ForeignCoresByInterval []float64 `json:"foreign_cores_by_interval,omitempty"`
	// ObserverCores is the CPU runtime mode itself used while the load
	// ran — its load generator, its sampler and the commands the sampler
	// runs (ss) — in cores (CPU-seconds per
	// second), competing with Apache on the same machine. `simulate
	// validate` predicts the measured run with it (host.background_cpu).
	ObserverCores float64 `json:"observer_cores"`
	// ApacheCPU is the CPU Apache's process tree used while the load ran,
	// in CPU-seconds: the parent, its children and mod_wsgi daemons, those
	// that exited during the run included (from /proc/PID/stat).
	ApacheCPU float64 `json:"apache_cpu_s,omitempty"`
	// ApacheCoresByInterval is the same, in cores, interval by interval.
	ApacheCoresByInterval []float64 `json:"apache_cores_by_interval,omitempty"`
	// ObserverCoresByInterval is the same, interval by interval of the
	// timeseries: the sampler's sweeps cost more the more processes Apache
	// has, and the load generator's work follows the load. `simulate
	// validate` gives the prediction this profile when it is there.
	ObserverCoresByInterval []float64 `json:"observer_cores_by_interval,omitempty"`
	// WSGIScript is the user's own WSGI script the run served; empty when
	// it served runtime mode's synthetic app, whose own modules `simulate
	// validate` adds to the prediction (host.runtime_app_memory).
	WSGIScript string `json:"wsgi_script,omitempty"`
	// StatusRequests is how many server-status requests runtime mode's
	// sampler sent to Apache, one at a time: one as the load starts, then
	// one at each of its ticks, StatusPeriodMS apart, unless the last is
	// still unanswered (that tick sends none). They load
	// Apache like any request (a worker each, its memory) and `simulate
	// validate` predicts the measured run with them (AsMeasured). Zero in
	// measurements made before they were counted.
	StatusRequests int     `json:"status_requests,omitempty"`
	StatusPeriodMS float64 `json:"status_period_ms,omitempty"`
	// The sampler's ticks come every StatusPeriodMS from the load's start;
	// at each it sweeps /proc, then sends its status request: StatusDelayMS
	// are the deciles (0%, 10%, …, 100%) of how long after their ticks the
	// requests went, StatusDelayMemoryMS the same after the sweeps that
	// also read every process's memory, once every MemoryPeriodMS. They
	// place the requests among the load's own (`simulate validate`'s
	// status observer). Absent in measurements made before 2026-12-05.
	StatusDelayMS       []float64 `json:"status_delay_ms,omitempty"`
	StatusDelayMemoryMS []float64 `json:"status_delay_memory_ms,omitempty"`
	MemoryPeriodMS      float64   `json:"memory_period_ms,omitempty"`
	// FirstTouches is what first touches of fresh memory cost just
	// before the load started, when the scenario's host profile says the
	// host backs only so much of it (docs/model.md §8.5): how much of it
	// the host still backed varies from run to run, and `simulate
	// validate` gives the prediction what this run had.
	FirstTouches *FirstTouches `json:"first_touches,omitempty"`
	// TickPhaseS is how long after the load's start the Apache parent's
	// next maintenance tick came, in seconds, (0, 1]: runtime mode starts
	// its load where the scenario's tick_phase says, drawn afresh for each
	// run by default, as the simulator draws it per replication
	// (docs/model.md §10.1). Placed from the error log's "resuming normal
	// operations" line, after which the parent's ticks come every second;
	// absent in measurements made before 2026-12-05 10:30 UTC, which
	// started their load as soon as Apache was ready.
	TickPhaseS float64 `json:"tick_phase_s,omitempty"`
}

// FirstTouches is a touch probe's record (docs/model.md §8.5): one process
// touched fresh memory StepMiB at a time, keeping it all; MSPerMiB is each
// step's CPU time per MiB, in order.
type FirstTouches struct {
	StepMiB  float64   `json:"step_mib"`
	MSPerMiB []float64 `json:"ms_per_mib"`
}

// A step of a touch probe is cold when it cost more than touchColdRatio
// times the warm steps (the median of the first touchWarmSteps), and the
// memory the host backs has run out at the first of touchColdRun cold
// steps in a row: one dear step alone is the machine's noise (a burst of
// another tenant, a page-table allocation).
const (
	touchWarmSteps = 5
	touchColdRatio = 2.0
	touchColdRun   = 3
)

// Split reads the record: the CPU per MiB of a first touch while the host
// backs the memory (the median of the first steps) and, where a run of
// cold steps begins, the median from there on and the memory touched
// before it, what the host still backed. Without such a run cold is false,
// coldMS is warmMS and warmMiB all that was touched: at least that much.
func (f FirstTouches) Split() (warmMS, coldMS, warmMiB float64, cold bool) {
	c := f.MSPerMiB
	if len(c) == 0 {
		return 0, 0, 0, false
	}
	warmMS = medianOf(c[:min(touchWarmSteps, len(c))])
	for k := 1; k+touchColdRun <= len(c); k++ {
		run := true
		for _, x := range c[k : k+touchColdRun] {
			run = run && x > touchColdRatio*warmMS
		}
		if run {
			return warmMS, medianOf(c[k:]), float64(k) * f.StepMiB, true
		}
	}
	return warmMS, warmMS, float64(len(c)) * f.StepMiB, false
}

func medianOf(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	return (s[(n-1)/2] + s[n/2]) / 2
}

// ForeignCPU is CPU used by processes that were not part of the run.
type ForeignCPU struct {
	Seconds float64      `json:"cpu_s"`
	Share   float64      `json:"share"` // of all cores' time over the run
	Top     []ProcessCPU `json:"top,omitempty"`
}

// ProcessCPU is one process's CPU over a run.
type ProcessCPU struct {
	PID     int     `json:"pid,omitempty"`
	Command string  `json:"command"`
	Seconds float64 `json:"cpu_s"`
}

// String names the load: "23% of the cores; top: go (4.1 s), …".
func (f ForeignCPU) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%.0f%% of the cores' time (%.1f CPU-s)", 100*f.Share, f.Seconds)
	for i, p := range f.Top {
		if i == 0 {
			b.WriteString("; top: ")
		} else {
			b.WriteString(", ")
		}
		if p.PID > 0 {
			fmt.Fprintf(&b, "%s[%d] %.1f s", p.Command, p.PID, p.Seconds)
		} else {
			fmt.Fprintf(&b, "%s %.1f s", p.Command, p.Seconds)
		}
	}
	return b.String()
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
	S408          int64 `json:"408"`            // mod_reqtimeout (or Timeout): the request's headers did not arrive in time
	S500          int64 `json:"500"`            // daemon died mid-request, WSGIRestrictEmbedded
	S503          int64 `json:"503"`            // daemon socket backlog full past connect-timeout
	S504          int64 `json:"504"`            // queue-timeout at dequeue, or socket-timeout
	Refused       int64 `json:"refused"`        // connection refused
	Reset         int64 `json:"reset"`          // connection closed without a response (a child killed)
	ClientTimeout int64 `json:"client_timeout"` // the client gave up waiting
}

// Total returns the sum over causes.
func (f Failures) Total() int64 {
	return f.S408 + f.S500 + f.S503 + f.S504 + f.Refused + f.Reset + f.ClientTimeout
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
	f := r.fields()
	out := make([]float64, len(f))
	for i, p := range f {
		out[i] = *p
	}
	return out
}

// fields points at the row's values in Columns order (a test checks the
// order against the struct's).
func (r *Row) fields() [27]*float64 {
	return [...]*float64{&r.TimeS, &r.ApacheChildren, &r.DaemonProcesses, &r.Starting, &r.Idle, &r.Busy,
		&r.Importing, &r.KeepAlive, &r.Closing, &r.Parked, &r.DaemonBusy, &r.ListenQueue, &r.DaemonQueue,
		&r.PSSMB, &r.RSSMB, &r.ParentPSSMB, &r.ChildrenPSSMB, &r.DaemonPSSMB, &r.SwapMB, &r.CPUUtil,
		&r.Arrivals, &r.Completions, &r.Failures, &r.Spawns, &r.Kills, &r.LatencyP50MS, &r.LatencyP99MS}
}

// Written returns the row as timeseries.csv holds it, and a reader reads
// it back: each value rounded as the file writes it (FormatFloat).
func (r Row) Written() Row {
	var b []byte
	for _, p := range r.fields() {
		b = appendFloat(b[:0], *p)
		*p, _ = strconv.ParseFloat(string(b), 64)
	}
	return r
}

// Column returns the values of the named column over rows.
func Column(rows []Row, name string) ([]float64, error) {
	cols := Columns()
	for i, c := range cols {
		if c == name {
			out := make([]float64, len(rows))
			for j := range rows {
				out[j] = *rows[j].fields()[i]
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
	// Latencies is the response time of every completed request over the
	// whole run (latency.hdr); nil for directories written before forkcast
	// kept it.
	Latencies *Histogram
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
	w, err := NewWriter(dir, run.Summary.StartTime())
	if err != nil {
		return err
	}
	for _, r := range run.Rows {
		if err := w.Row(r); err != nil {
			w.Abort()
			return err
		}
	}
	for _, l := range run.Log {
		if err := w.Log(l); err != nil {
			w.Abort()
			return err
		}
	}
	return w.Close(run)
}

// A Writer writes a result directory as its run produces it: each row
// and log line as it comes (buffered; never accumulated), then, when the
// run ends, its summary, latency histogram and scenario. A run of days
// therefore writes its files in memory that does not grow with its length.
// The directory must exist (it is a Publish fill's temporary directory).
type Writer struct {
	start    time.Time
	dir      string
	csv, log *os.File
	cw, lw   *bufio.Writer
	rows     int
	buf      []byte
}

// NewWriter starts a result directory's files in dir; start is the
// wall-clock instant of t=0 that events.log's timestamps count from.
func NewWriter(dir string, start time.Time) (*Writer, error) {
	w := &Writer{start: start, dir: dir}
	var err error
	if w.csv, err = os.Create(filepath.Join(dir, "timeseries.csv")); err != nil {
		return nil, err
	}
	if w.log, err = os.Create(filepath.Join(dir, "events.log")); err != nil {
		w.csv.Close()
		return nil, err
	}
	w.cw, w.lw = bufio.NewWriterSize(w.csv, 64<<10), bufio.NewWriterSize(w.log, 16<<10)
	w.cw.WriteString(strings.Join(Columns(), ","))
	w.cw.WriteByte('\n')
	return w, nil
}

// Row writes one row; it refuses what the readers would refuse.
func (w *Writer) Row(r Row) error {
	if err := CheckRow(r); err != nil {
		return fmt.Errorf("results: row %d (t=%v s): %w", w.rows, r.TimeS, err)
	}
	w.rows++
	for i, p := range r.fields() {
		if i > 0 {
			w.cw.WriteByte(',')
		}
		w.buf = appendFloat(w.buf[:0], *p)
		w.cw.Write(w.buf)
	}
	return w.cw.WriteByte('\n')
}

// Log writes one events.log line.
func (w *Writer) Log(l LogLine) error {
	w.lw.WriteString(l.Format(w.start))
	return w.lw.WriteByte('\n')
}

// Close finishes the directory with run's summary, latency histogram and
// scenario (its Rows and Log, already written, are not looked at).
func (w *Writer) Close(run Run) error {
	for _, f := range []struct {
		b *bufio.Writer
		f *os.File
	}{{w.cw, w.csv}, {w.lw, w.log}} {
		if err := f.b.Flush(); err != nil {
			w.Abort()
			return err
		}
		if err := f.f.Close(); err != nil {
			return err
		}
	}
	// Never write what the readers would refuse.
	for _, p := range summaryProblems(run.Summary) {
		return fmt.Errorf("results: summary %s: %s", strings.Join(p.key, "."), p.msg)
	}
	js, err := json.MarshalIndent(run.Summary, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(w.dir, "summary.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	if run.Latencies != nil {
		if err := writeHistogramFile(filepath.Join(w.dir, LatencyFile), run.Latencies, w.start, run.Summary.DurationS); err != nil {
			return err
		}
	}
	if run.Scenario != nil {
		return os.WriteFile(filepath.Join(w.dir, "scenario.toml"), run.Scenario, 0o644)
	}
	return nil
}

// Abort closes the files of a run that failed (the caller's Publish then
// removes the directory).
func (w *Writer) Abort() {
	w.csv.Close()
	w.log.Close()
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
func FormatFloat(v float64) string { return string(appendFloat(nil, v)) }

// appendFloat is FormatFloat appending to b, without allocating.
func appendFloat(b []byte, v float64) []byte {
	n := len(b)
	b = strconv.AppendFloat(b, v, 'f', 4, 64)
	for len(b) > n && b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if len(b) > n && b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	if string(b[n:]) == "-0" {
		b = append(b[:n], '0')
	}
	return b
}

// ReadDir reads a result directory written by WriteDir, keeping every row
// and log line (see ScanDir for what it checks).
func ReadDir(dir string) (Run, error) {
	var rows []Row
	var log []LogLine
	run, err := ScanDir(dir,
		func(r Row) error { rows = append(rows, r); return nil },
		func(l LogLine) error { log = append(log, l); return nil })
	run.Rows, run.Log = rows, log
	return run, err
}
