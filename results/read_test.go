package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRowFieldsFollowTheStruct(t *testing.T) {
	var r Row
	f := r.fields()
	typ := reflect.TypeOf(r)
	require.Equal(t, typ.NumField(), len(f), "fields() lists every column")
	base := reflect.ValueOf(&r).Pointer()
	for i := range f {
		assert.Equal(t, typ.Field(i).Offset, reflect.ValueOf(f[i]).Pointer()-base, "column %s", Columns()[i])
	}
}

// csvWith is a valid timeseries.csv whose second data row has value in
// column col.
func csvWith(col, value string) string {
	cols := Columns()
	var b strings.Builder
	b.WriteString(strings.Join(cols, ",") + "\n")
	for i := range 3 {
		for j, c := range cols {
			if j > 0 {
				b.WriteByte(',')
			}
			switch {
			case i == 1 && c == col:
				b.WriteString(value)
			case c == "time_s":
				b.WriteString(FormatFloat(float64(i)))
			default:
				b.WriteString("1")
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestReadCSVRejectsWhatCannotBeDrawn(t *testing.T) {
	header := strings.Join(Columns(), ",")
	cases := []struct {
		name, csv, want string
	}{
		{"NaN", csvWith("latency_p99_ms", "NaN"), "line 3: column latency_p99_ms: NaN: NaN is not a number"},
		{"Inf", csvWith("pss_mb", "+Inf"), "line 3: column pss_mb: +Inf: infinite"},
		{"garbage", csvWith("busy", "lots"), `line 3: column busy: "lots" is not a number`},
		{"empty cell", csvWith("busy", ""), `line 3: column busy: "" is not a number`},
		{"negative", csvWith("idle", "-2"), "line 3: column idle: -2: negative"},
		{"huge", csvWith("spawns", "1e300"), "line 3: column spawns: 1e300: implausibly large"},
		{"time goes back", csvWith("time_s", "0"), "line 3: time_s 0 is not after the previous row's 0"},
		{"short row", header + "\n1,2\n", "line 2: wrong number of fields"},
		{"missing column", "time_s,idle\n1,2\n", `line 1: missing column "apache_children"`},
		{"duplicate column", header + ",idle\n", `line 1: column "idle" appears twice`},
		{"empty", "", "empty file"},
		{"bare quote", header + "\n\"1,2\n", "line 2"},
		{"endless line", header + "\n" + strings.Repeat("1", MaxLineBytes+10), "line 2: line longer than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(c.csv))
			require.Error(t, err)
			var fe *FileError
			require.True(t, errors.As(err, &fe), "a *FileError: %v", err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestReadCSVAcceptsReorderedAndExtraColumns(t *testing.T) {
	cols := Columns()
	rev := make([]string, 0, len(cols)+1)
	for i := len(cols) - 1; i >= 0; i-- {
		rev = append(rev, cols[i])
	}
	rev = append(rev, "note")
	vals := make([]string, len(rev))
	for i, c := range rev {
		vals[i] = "0"
		if c == "busy" {
			vals[i] = "7.5"
		}
	}
	vals[len(vals)-1] = "anything"
	rows, err := ReadCSV(strings.NewReader(strings.Join(rev, ",") + "\n" + strings.Join(vals, ",") + "\n"))
	require.NoError(t, err)
	require.Len(t, rows, 1)
	assert.Equal(t, 7.5, rows[0].Busy)
}

func summaryJSON(t *testing.T, edit func(m map[string]any)) []byte {
	t.Helper()
	js, err := json.Marshal(sample().Summary)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(js, &m))
	edit(m)
	out, err := json.MarshalIndent(m, "", "  ")
	require.NoError(t, err)
	return out
}

func TestReadSummaryRejectsWithTheLine(t *testing.T) {
	_, err := ReadSummary(summaryJSON(t, func(map[string]any) {}))
	require.NoError(t, err, "the sample is valid")

	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"syntax", []byte("{\n  \"source\": \"simulator\",\n  oops\n}"), "line 3: not valid JSON"},
		{"type", []byte("{\n  \"forkcast\": \"0.1.0\",\n  \"duration_s\": \"long\"\n}"), "line 3: duration_s: a JSON string where a float64 belongs"},
		{"negative", summaryJSON(t, func(m map[string]any) { m["peak"].(map[string]any)["pss_mb"] = -3 }), "peak.pss_mb: -3: negative"},
		{"huge", summaryJSON(t, func(m map[string]any) { m["latency"].(map[string]any)["p99_ms"] = 1e200 }), "latency.p99_ms: 1e+200: implausibly large"},
		{"source", summaryJSON(t, func(m map[string]any) { m["source"] = "guess" }), `source: "guess": want one of "simulator", "runtime"`},
		{"interval", summaryJSON(t, func(m map[string]any) { m["interval_s"] = 0 }), "interval_s: 0: want the positive length"},
		{"sums", summaryJSON(t, func(m map[string]any) { m["requests"].(map[string]any)["completed"] = 9 }), "requests.offered: 10 offered, but completed 9 + failed 3 + unfinished 0 = 12"},
		{"causes", summaryJSON(t, func(m map[string]any) {
			m["requests"].(map[string]any)["failures"].(map[string]any)["504"] = 0
		}), "requests.failed: 3 failed, but the causes in requests.failures sum to 1"},
		{"control", summaryJSON(t, func(m map[string]any) { m["scenario"] = "a\nb" }), "scenario: \"a\\nb\": contains a control character"},
		{"start", summaryJSON(t, func(m map[string]any) { m["start"] = "yesterday" }), `start: "yesterday": want an RFC 3339 instant`},
		{"not an object", []byte("[1, 2]"), "line 1: the document: a JSON array"},
		{"too big", bytes.Repeat([]byte(" "), MaxSummaryBytes+1), "larger than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadSummary(c.data)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
	// The line is where the key is.
	data := summaryJSON(t, func(m map[string]any) { m["peak"].(map[string]any)["pss_mb"] = -3 })
	_, err = ReadSummary(data)
	var fe *FileError
	require.True(t, errors.As(err, &fe))
	assert.Contains(t, strings.Split(string(data), "\n")[fe.Line-1], `"pss_mb": -3`)
}

// ScanDir without a function for rows does not read timeseries.csv (a
// reader that has the rows already), nor ask for it.
func TestScanDirSkipsTheRowsItIsNotGiven(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	require.NoError(t, WriteDir(dir, sample()))
	require.NoError(t, os.Remove(filepath.Join(dir, TimeseriesFile)))
	run, err := ScanDir(dir, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, sample().Summary, run.Summary)
	_, err = ScanDir(dir, func(Row) error { return nil }, nil)
	assert.Error(t, err, "asked for, the rows' file is required")
}

func TestReadDirNamesTheFileAndLine(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	require.NoError(t, WriteDir(dir, sample()))
	csvPath := filepath.Join(dir, TimeseriesFile)
	data, err := os.ReadFile(csvPath)
	require.NoError(t, err)
	lines := strings.Split(string(data), "\n")
	lines[2] = strings.Replace(lines[2], "1,", "1,NaN,", 1)
	lines[2] = lines[2][:strings.LastIndex(lines[2], ",")]
	require.NoError(t, os.WriteFile(csvPath, []byte(strings.Join(lines, "\n")), 0o644))
	_, err = ReadDir(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), csvPath+":3: column apache_children: NaN")

	require.NoError(t, os.WriteFile(csvPath, data, 0o644))
	logPath := filepath.Join(dir, EventsFile)
	require.NoError(t, os.WriteFile(logPath, []byte("[Sat Jan 01 00:00:01.500000 2000] [core:notice] [pid 1] fine\nnot a log line\n"), 0o644))
	_, err = ReadDir(dir)
	assert.ErrorContains(t, err, logPath+":2: not an events.log line")
}

func TestLogRoundTrip(t *testing.T) {
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	in := []LogLine{
		{At: -1500 * time.Millisecond, Module: "mpm_event", Level: "notice", PID: 10, Msg: "AH00489: Apache/2.4 configured"},
		{At: 2 * time.Second, Module: "wsgi", Level: "info", PID: 11, Msg: ""},
		{At: 3 * time.Second, Module: "kernel", Level: "error", PID: 12, Msg: "Out of memory: Killed process 12 (apache2) [x]"},
	}
	var b strings.Builder
	for _, l := range in {
		b.WriteString(l.Format(start) + "\n")
	}
	var out []LogLine
	require.NoError(t, ScanLog(strings.NewReader(b.String()), start, func(l LogLine) error { out = append(out, l); return nil }))
	assert.Equal(t, in, out)
}

func TestHistogramFileRoundTripAndMerge(t *testing.T) {
	a, b := NewHistogram(), NewHistogram()
	for i := range 1000 {
		a.Record(time.Duration(i+1) * time.Millisecond)
		b.Record(time.Duration(2*i+1) * 100 * time.Microsecond)
	}
	b.Record(2 * time.Hour) // clamped to the geometry's top
	var buf bytes.Buffer
	require.NoError(t, WriteHistogram(&buf, a, SimulatorEpoch, 240))
	text := buf.String()
	assert.Contains(t, text, "#[Histogram log format version 1.3]")
	assert.Contains(t, text, "Tag=run,0.000000,240.000000,")
	got, err := ReadHistogram(strings.NewReader(text))
	require.NoError(t, err)
	assert.True(t, a.Equal(got))
	assert.InDelta(t, 500, got.QuantileMS(0.5), 0.5)
	assert.InDelta(t, 1000, got.MaxMS(), 1)

	var again bytes.Buffer
	require.NoError(t, WriteHistogram(&again, got, SimulatorEpoch, 240))
	assert.Equal(t, text, again.String(), "byte-identical when written again")

	m, err := MergeHistograms(a, b)
	require.NoError(t, err)
	assert.Equal(t, int64(2001), m.Count())
	// Exact: every bucket of the merge is the sum of the two.
	sum := map[int64]int64{}
	for _, h := range []*Histogram{a, b} {
		for _, bar := range h.h.Distribution() {
			sum[bar.From] += bar.Count
		}
	}
	for _, bar := range m.h.Distribution() {
		assert.Equal(t, sum[bar.From], bar.Count, "bucket from %d ns", bar.From)
	}
	assert.InEpsilon(t, float64(time.Hour)/1e6, m.MaxMS(), 0.001, "clamped to 1 h, to 0.1%")
	cdf := m.CDF()
	assert.Equal(t, 1.0, cdf[len(cdf)-1].Fraction)
	for i := 1; i < len(cdf); i++ {
		assert.Greater(t, cdf[i].MS, cdf[i-1].MS)
		assert.Greater(t, cdf[i].Fraction, cdf[i-1].Fraction)
	}
}

func TestReadHistogramRejects(t *testing.T) {
	var buf bytes.Buffer
	h := NewHistogram()
	h.Record(time.Second)
	require.NoError(t, WriteHistogram(&buf, h, SimulatorEpoch, 1))
	good := buf.String()
	cases := []struct{ name, text, want string }{
		{"no run", "#only comments\n", "no histogram tagged run"},
		{"two runs", good + strings.Split(good, "\n")[4] + "\n", "line 6: a second Tag=run"},
		{"fields", "Tag=run,1,2\n", "line 1: want 4 comma-separated fields"},
		{"not base64", "Tag=run,0,1,1,@@@@\n", "line 1: histogram is not base64"},
		{"NaN max", "Tag=run,0,1,NaN,AAAA\n", "line 1: max NaN"},
		{"garbage payload", "Tag=run,0,1,1,HISTFAAAAAAAAAAA\n", "line 1:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadHistogram(strings.NewReader(c.text))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestReadDirChecksTheHistogramAgainstTheSummary(t *testing.T) {
	run := sample()
	run.Latencies = NewHistogram()
	for range 7 {
		run.Latencies.Record(40 * time.Millisecond)
	}
	dir := filepath.Join(t.TempDir(), "run")
	require.NoError(t, WriteDir(dir, run))
	got, err := ReadDir(dir)
	require.NoError(t, err)
	require.NotNil(t, got.Latencies)
	assert.True(t, run.Latencies.Equal(got.Latencies))

	run.Latencies.Record(time.Millisecond) // 8 values, 7 completed
	other := filepath.Join(t.TempDir(), "run")
	require.NoError(t, WriteDir(other, run))
	_, err = ReadDir(other)
	assert.ErrorContains(t, err, filepath.Join(other, LatencyFile)+": holds 8 response times, but summary.json says 7")
}

func TestWriteRefusesWhatReadersWouldReject(t *testing.T) {
	run := sample()
	run.Rows[1].LatencyP99MS = -1
	assert.ErrorContains(t, WriteDir(filepath.Join(t.TempDir(), "a"), run), "column latency_p99_ms")
	run = sample()
	run.Summary.Source = ""
	assert.ErrorContains(t, WriteDir(filepath.Join(t.TempDir(), "b"), run), "summary source")
}
