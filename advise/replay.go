package advise

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/sweep"
)

// A Replay is a setting played on a real Apache + mod_wsgi (simulate
// advise --verify): its measured figures beside the predicted ones.
type Replay struct {
	Name    string `json:"name"` // recommended, current
	Label   string `json:"label"`
	Skipped string `json:"skipped,omitempty"` // why it was not played here
	// Measured holds the replayed run's value of each headline metric.
	Measured map[string]float64 `json:"measured,omitempty"`
	// Within says whether each measured value lies in the prediction
	// interval for one run (validate.Estimate's RunLo … RunHi).
	Within map[string]bool `json:"within_run_interval,omitempty"`
	Meets  bool            `json:"meets_goals"` // the measured run against the goals
	Why    string          `json:"why,omitempty"`
}

// replayMetrics are the metrics a replay compares.
var replayMetrics = []string{"peak_pss_mb", "latency_p99_ms", "failed_share"}

// AddReplay records a replay of candidate c: skipped with a reason, or
// measured (a run's summary).
func (r *Report) AddReplay(name string, c *Candidate, skipped string, measured *results.Summary) {
	rp := Replay{Name: name, Label: c.Label, Skipped: skipped}
	if measured != nil {
		vals := sweep.Measure(*measured)
		rp.Measured, rp.Within = map[string]float64{}, map[string]bool{}
		for _, m := range replayMetrics {
			v := vals[sweep.MetricIndex(m)]
			if math.IsNaN(v) {
				continue
			}
			rp.Measured[m] = v
			f := c.Figures[m]
			rp.Within[m] = f.RunLo != nil && v >= *f.RunLo && v <= *f.RunHi
		}
		var why []string
		g := r.Goals
		if pss := measured.Peak.PSSMB; pss > g.MemoryBudget.MiBs() || measured.OOMKills > 0 {
			why = append(why, fmt.Sprintf("peak memory %.0f MB > budget %.0f MB", pss, g.MemoryBudget.MiBs()))
		}
		if p99, ok := rp.Measured["latency_p99_ms"]; g.P99 > 0 && (!ok || p99 > float64(g.P99)/float64(time.Millisecond)) {
			why = append(why, fmt.Sprintf("p99 %s > %s", fmtMS(p99), g.P99))
		}
		if f := rp.Measured["failed_share"]; f > g.Errors {
			why = append(why, fmt.Sprintf("errors %s > %s", fmtShare(f), fmtShare(g.Errors)))
		}
		rp.Meets, rp.Why = len(why) == 0, strings.Join(why, "; ")
	}
	r.Replays = append(r.Replays, rp)
}

// printReplays writes the predicted-against-measured table.
func (r *Report) printReplays(w io.Writer, md bool) {
	if len(r.Replays) == 0 {
		return
	}
	if md {
		fmt.Fprint(w, "\n## Replayed on this machine's Apache (--verify)\n\n| settings | metric | predicted mean [one-run interval] | measured | within |\n|---|---|---|---|---|\n")
	} else {
		fmt.Fprintln(w, "\nreplayed on this machine's Apache + mod_wsgi (--verify): predicted mean [interval for one run] against measured")
	}
	for _, rp := range r.Replays {
		c := r.Recommended
		for _, a := range r.Alternatives {
			if rp.Name == a.Family {
				c = a
			}
		}
		if rp.Skipped != "" {
			if md {
				fmt.Fprintf(w, "| %s | — | — | not replayed: %s | |\n", rp.Name, rp.Skipped)
			} else {
				fmt.Fprintf(w, "  %s: not replayed: %s\n", rp.Name, rp.Skipped)
			}
			continue
		}
		for _, m := range replayMetrics {
			f := c.Figures[m]
			pred := fmtMetric(m, f.Mean)
			if f.RunLo != nil {
				pred += " [" + fmtMetric(m, math.Max(*f.RunLo, 0)) + "–" + fmtMetric(m, *f.RunHi) + "]"
			}
			meas := "—"
			if v, ok := rp.Measured[m]; ok {
				meas = fmtMetric(m, v)
			}
			within := "no"
			if rp.Within[m] {
				within = "yes"
			}
			if md {
				fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", rp.Name, m, pred, meas, within)
			} else {
				fmt.Fprintf(w, "  %-12s %-15s %-32s measured %-10s within: %s\n", rp.Name, m, pred, meas, within)
			}
		}
		v := "meets the goals"
		if !rp.Meets {
			v = "fails: " + rp.Why
		}
		if md {
			fmt.Fprintf(w, "| %s | goals | | %s | |\n", rp.Name, v)
		} else {
			fmt.Fprintf(w, "  %-12s measured run: %s\n", rp.Name, v)
		}
	}
}

func fmtMetric(m string, v float64) string {
	switch m {
	case "peak_pss_mb":
		return fmt.Sprintf("%.0f MB", v)
	case "latency_p99_ms":
		return fmtMS(v)
	}
	return fmtShare(v)
}
