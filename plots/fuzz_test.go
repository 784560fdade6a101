package plots_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/forkcast/forkcast/plots"
	"github.com/forkcast/forkcast/plots/plotstest"
	"github.com/forkcast/forkcast/results"
)

// FuzzFigures: whatever timeseries.csv the reader accepts, every figure
// renders — no gonum/plot panic on a value it cannot draw. `go test` runs
// the seeds; `go test ./plots -run '^$' -fuzz '^FuzzFigures$'` searches
// (slowly: each input renders six figures).
func FuzzFigures(f *testing.F) {
	var b bytes.Buffer
	_ = results.WriteCSV(&b, plotstest.PreforkSpike(results.SourceSimulator, 1).Rows[:12])
	f.Add(b.String())
	cols := strings.Join(results.Columns(), ",")
	f.Add(cols + "\n" + strings.Repeat("0,", len(results.Columns())-1) + "0\n")
	f.Add(cols + "\n" + strings.Repeat("999999999999,", len(results.Columns())-1) + "999999999999\n")
	f.Fuzz(func(t *testing.T, csv string) {
		rows, err := results.ReadCSV(strings.NewReader(csv))
		if err != nil || len(rows) == 0 || len(rows) > 50 {
			return
		}
		s := results.Summary{Forkcast: results.Version, Source: results.SourceRuntime, Scenario: "fuzz", MPM: "event", Mode: "daemon",
			DurationS: rows[len(rows)-1].TimeS + 1, IntervalS: 1, RAMMB: 256, MaxWorkers: 150}
		if _, err := plots.Figures(results.Run{Summary: s, Rows: rows}); err != nil {
			t.Fatal(err)
		}
	})
}
