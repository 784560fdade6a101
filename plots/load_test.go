package plots_test

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/plots"
	"github.com/forkcast/forkcast/results"
)

// writeHugeDir writes a result directory of n rows at 1 s, streaming the
// CSV (WriteDir would need every row in memory): slow waves with a little
// noise, like a long run's, and one spike.
func writeHugeDir(t *testing.T, n int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "huge")
	s := results.Summary{Forkcast: results.Version, Source: results.SourceSimulator, Scenario: "huge", MPM: "prefork", Mode: "embedded",
		DurationS: float64(n), IntervalS: 1, RAMMB: 1024, MaxWorkers: 150}
	require.NoError(t, results.WriteDir(dir, results.Run{Summary: s, Rows: []results.Row{{}}}))
	f, err := os.Create(filepath.Join(dir, results.TimeseriesFile))
	require.NoError(t, err)
	w := bufio.NewWriterSize(f, 1<<20)
	cols := results.Columns()
	for i, c := range cols {
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteString(c)
	}
	w.WriteByte('\n')
	var buf []byte
	for i := range n {
		buf = strconv.AppendInt(buf[:0], int64(i), 10)
		wave := 25 + 20*math.Sin(float64(i)/50000)
		for j := 1; j < len(cols); j++ {
			v := math.Round(wave + float64((i*7+j*13)%3))
			if cols[j] == "listen_queue" && i == n/3 {
				v = 9999
			}
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, v, 'f', -1, 64)
		}
		buf = append(buf, '\n')
		w.Write(buf)
	}
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())
	return dir
}

// peakHeap samples the heap in use while f runs.
func peakHeap(f func()) uint64 {
	var peak uint64
	var mu sync.Mutex
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			mu.Lock()
			peak = max(peak, m.HeapInuse)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	return peak
}

// Two million rows plot in seconds and in memory that does not hold them
// (as rows they would take 430 MB).
func TestTwoMillionRowsPlotInSmallMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 120 MB file")
	}
	const n = 2_000_000
	dir := writeHugeDir(t, n)
	runtime.GC()
	var run results.Run
	var figs []plots.Figure
	began := time.Now()
	peak := peakHeap(func() {
		var err error
		run, err = plots.Load(dir)
		require.NoError(t, err)
		figs, err = plots.Figures(run)
		require.NoError(t, err)
	})
	took := time.Since(began)
	t.Logf("2M rows: loaded and drawn in %v; peak heap in use %d MB; %d rows kept", took.Round(time.Millisecond), peak>>20, len(run.Rows))
	assert.Less(t, peak, uint64(100<<20), "peak heap")
	assert.Less(t, took, 2*time.Minute, "generous for a shared machine; typically a few seconds")
	assert.Less(t, len(run.Rows), 20_000)
	var spike float64
	for _, r := range run.Rows {
		spike = max(spike, r.ListenQueue)
	}
	assert.Equal(t, 9999.0, spike, "the one-row spike is kept")
	for _, f := range figs {
		assert.LessOrEqual(t, len(f.SVG), 2<<20, f.Name)
	}
}
