package results

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sample() Run {
	return Run{
		Summary: Summary{Forkcast: Version, Source: SourceSimulator, Scenario: "s", Seed: 3, Start: "2000-01-01T00:00:00Z", DurationS: 2, IntervalS: 1,
			Peak: Peak{ApacheChildren: 150, PSSMB: 4463.25}, Requests: Requests{Offered: 10, Completed: 7, Failed: 3,
				Failures: Failures{S504: 2, ClientTimeout: 1}}},
		Rows:     []Row{{TimeS: 0, ApacheChildren: 5, Idle: 4.5, PSSMB: 50.125}, {TimeS: 1, ApacheChildren: 6.3333333, Busy: 1}},
		Log:      []LogLine{{At: 1500 * time.Millisecond, Module: "mpm_prefork", Level: "info", PID: 1001, Msg: "AH00162: server seems busy"}},
		Scenario: []byte("name = \"s\"\n"),
	}
}

func TestWriteDirRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out", "run")
	run := sample()
	require.NoError(t, WriteDir(dir, run))
	got, err := ReadDir(dir)
	require.NoError(t, err)
	assert.Equal(t, run.Summary, got.Summary)
	assert.Equal(t, run.Scenario, got.Scenario)
	require.Len(t, got.Rows, 2)
	assert.Equal(t, 6.3333, got.Rows[1].ApacheChildren, "four decimals in the CSV")
	log, err := os.ReadFile(filepath.Join(dir, "events.log"))
	require.NoError(t, err)
	assert.Equal(t, "[Sat Jan 01 00:00:01.500000 2000] [mpm_prefork:info] [pid 1001] AH00162: server seems busy\n", string(log))
	assert.Equal(t, int64(3), got.Summary.Requests.Failures.Total())
}

func TestWriteDirRefusesAnExistingDirAndLeavesNoPartial(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "run")
	require.NoError(t, os.Mkdir(dir, 0o755))
	assert.Error(t, WriteDir(dir, sample()))
	entries, err := os.ReadDir(parent)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary directory left behind")
}

func TestReplaceDirSwapsOnlyWhenComplete(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	old := sample()
	require.NoError(t, WriteDir(dir, old))
	next := sample()
	next.Summary.Seed = 9
	require.NoError(t, ReplaceDir(dir, next))
	got, err := ReadDir(dir)
	require.NoError(t, err)
	assert.Equal(t, uint64(9), got.Summary.Seed)
	entries, _ := os.ReadDir(filepath.Dir(dir))
	assert.Len(t, entries, 1, "no .old or .new left")
}

func TestCSVColumnsAndValues(t *testing.T) {
	var b strings.Builder
	require.NoError(t, WriteCSV(&b, sample().Rows))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	assert.Equal(t, strings.Join(Columns(), ","), lines[0])
	assert.True(t, strings.HasPrefix(lines[1], "0,5,0,0,4.5,"), lines[1])
	c, err := Column(sample().Rows, "apache_children")
	require.NoError(t, err)
	assert.Equal(t, []float64{5, 6.3333333}, c)
	_, err = Column(sample().Rows, "nope")
	assert.ErrorContains(t, err, "no column \"nope\"")
	assert.Equal(t, "0", FormatFloat(-0.00001))
	assert.Equal(t, "12.5", FormatFloat(12.5))
	_, err = ReadCSV(strings.NewReader("time_s,idle\n1,2\n"))
	assert.ErrorContains(t, err, "missing column")
}

// A row as written is the row a reader reads back from timeseries.csv.
func TestWrittenIsWhatIsReadBack(t *testing.T) {
	rows := []Row{{TimeS: 0.5, ApacheChildren: 6.3333333, PSSMB: 50.12345, LatencyP99MS: 1e-9, CPUUtil: 0.99995},
		{TimeS: 1.00004, Idle: 2.00005, Busy: 123456.78915}}
	var b strings.Builder
	require.NoError(t, WriteCSV(&b, rows))
	read, err := ReadCSV(strings.NewReader(b.String()))
	require.NoError(t, err)
	for i, r := range rows {
		assert.Equal(t, read[i], r.Written(), "row %d", i)
	}
	assert.NotEqual(t, rows[0], rows[0].Written(), "values are rounded")
}
