package validate

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
)

// WriteJSON writes the report as validation.json's contents.
func (r *Report) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteFile writes the report to path.
func (r *Report) WriteFile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := r.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadFile reads a validation.json.
func ReadFile(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

// WriteTable prints the metrics side by side: predicted mean, the 95%
// prediction interval for one run, measured, errors, tolerance and verdict, then the summary figure.
func (r *Report) WriteTable(w io.Writer) {
	title := r.Scenario
	if r.Variant != "" {
		title += " [" + r.Variant + "]"
	}
	fmt.Fprintf(w, "%s — seed %d, %d replication(s); surge at %gs", title, r.Seed, r.Replications, r.Surge.StartS)
	if r.Surge.EndS != nil {
		fmt.Fprintf(w, ", ends at %gs", *r.Surge.EndS)
	}
	if r.MeasuredTickPhaseS > 0 {
		fmt.Fprintf(w, "; measured with the parent's tick %.3fs after the load's start", r.MeasuredTickPhaseS)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "metric\tunit\tpredicted\tone run, 95%\tmeasured\tabs err\trel err\ttolerance\t")
	for _, m := range r.Metrics {
		iv := "-"
		if m.Predicted.RunLo != nil {
			iv = fmt.Sprintf("[%s, %s]", num(*m.Predicted.RunLo), num(*m.Predicted.RunHi))
		}
		tol := fmt.Sprintf("%.0f%%", 100*m.Tolerance)
		if m.Kind == Absolute {
			tol = "±" + num(m.Tolerance) + " " + m.Unit
		}
		verdict := "ok"
		switch {
		case !m.Pass:
			verdict = "FAIL"
		case within(m, m.Kind, m.Tolerance):
		case m.InRunInterval != nil && *m.InRunInterval && m.RunsLikeMeasured != nil:
			verdict = fmt.Sprintf("ok (in run interval; like %d of %d runs)", *m.RunsLikeMeasured, m.Predicted.N)
		case m.InRunInterval != nil && *m.InRunInterval:
			verdict = "ok (in run interval)"
		case m.RunsLikeMeasured != nil:
			verdict = fmt.Sprintf("ok (like %d of %d runs)", *m.RunsLikeMeasured, m.Predicted.N)
		}
		name := m.Name
		if m.Note != "" {
			name += " *"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%.1f%%\t%s\t%s\n", name, m.Unit, num(m.Predicted.Mean), iv, num(m.Measured),
			num(m.AbsError), 100*m.RelError, tol, verdict)
	}
	tw.Flush()
	for _, m := range r.Metrics {
		if m.Note != "" {
			fmt.Fprintf(w, "* %s: %s\n", m.Name, m.Note)
		}
	}
	for _, n := range r.NotApplicable {
		fmt.Fprintf(w, "not applicable: %s\n", n)
	}
	verdict := "all metrics within tolerance"
	if !r.Pass {
		verdict = fmt.Sprintf("%d of %d metrics outside tolerance: %s", len(r.Failed), len(r.Metrics), strings.Join(r.Failed, ", "))
	}
	fmt.Fprintf(w, "median absolute percentage error %.1f%%; %s\n", r.MAPE, verdict)
	if tl := r.SpawnTimeline; len(tl.Measured) > 0 {
		fmt.Fprintf(w, "spawn timeline: %d of %d intervals within 1 child/s of the predicted mean or inside its one-run 95%% interval\n",
			tl.Close, len(tl.Measured))
	}
	if c := r.Coverage; c.Total > 0 {
		fmt.Fprintf(w, "coverage: %d of %d measured values inside their one-run 95%% interval (%.0f%%); mean interval width %.0f%% of the predicted mean\n",
			c.Inside, c.Total, 100*c.Share, 100*c.MeanWidth)
	}
	if h := r.Coverage.Ranks; h.N > 0 {
		fmt.Fprintf(w, "%s\n", h.Text())
	}
	if c := r.Self; c != nil {
		fmt.Fprintf(w, "the model against itself: %d of %d replications pass every metric, each judged as the measurement against the others%s\n",
			c.Passed, c.Runs, c.missesText())
	}
}

// missesText lists the metrics the replications missed and how often, in
// the order of Defs.
func (c *SelfCheck) missesText() string {
	var parts []string
	for _, d := range Defs {
		if k := c.Misses[d.Name]; k > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", d.Name, k))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "; missed: " + strings.Join(parts, ", ")
}

// num writes a value with 3 significant digits, without exponent for
// everyday magnitudes.
func num(v float64) string {
	switch a := abs(v); {
	case a == 0:
		return "0"
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	case a >= 0.001:
		return fmt.Sprintf("%.3f", v)
	}
	return fmt.Sprintf("%.2g", v)
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
