package advise

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

// Snippet is the recommendation as the Apache directives to paste: the
// MPM's block and, in daemon mode, the WSGIDaemonProcess line.
func Snippet(sc *scenarios.Scenario, switchedMPM string) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	eff, _ := sc.Effective()
	a := eff.Apache
	w("# Recommended by `simulate advise` for scenario %s.", sc.Name)
	if switchedMPM != "" {
		w("# The MPM changes from %s to %s: a2dismod mpm_%s && a2enmod mpm_%s", switchedMPM, a.MPM, switchedMPM, a.MPM)
	}
	w("<IfModule mpm_%s_module>", a.MPM)
	w("    StartServers            %d", a.StartServers)
	if a.MPM == "prefork" {
		w("    MinSpareServers         %d", a.MinSpareServers)
		w("    MaxSpareServers         %d", a.MaxSpareServers)
		w("    ServerLimit             %d", max(a.ServerLimit, a.MaxRequestWorkers))
	} else {
		w("    MinSpareThreads         %d", a.MinSpareThreads)
		w("    MaxSpareThreads         %d", a.MaxSpareThreads)
		w("    ThreadLimit             %d", max(a.ThreadLimit, a.ThreadsPerChild))
		w("    ThreadsPerChild         %d", a.ThreadsPerChild)
		w("    ServerLimit             %d", a.ServerLimit)
	}
	w("    MaxRequestWorkers       %d", a.MaxRequestWorkers)
	w("    MaxConnectionsPerChild  %d", a.MaxConnectionsPerChild)
	w("</IfModule>")
	if g := sc.WSGI.GroupFor("/"); !scenarios.Embedded(g) {
		// As written (Effective fills socket-timeout from Timeout, which
		// mod_wsgi does itself when the option is left out).
		d := sc.WSGI.DaemonProcesses[g]
		opts := []string{fmt.Sprintf("processes=%d", d.Processes), fmt.Sprintf("threads=%d", d.Threads)}
		def := scenarios.DefaultDaemonProcess()
		for _, o := range []struct {
			name  string
			v, dv time.Duration
		}{
			{"queue-timeout", d.QueueTimeout.Duration, def.QueueTimeout.Duration},
			{"request-timeout", d.RequestTimeout.Duration, def.RequestTimeout.Duration},
			{"connect-timeout", d.ConnectTimeout.Duration, def.ConnectTimeout.Duration},
			{"socket-timeout", d.SocketTimeout.Duration, def.SocketTimeout.Duration},
			{"inactivity-timeout", d.InactivityTimeout.Duration, def.InactivityTimeout.Duration},
			{"restart-interval", d.RestartInterval.Duration, def.RestartInterval.Duration},
		} {
			if o.v != o.dv {
				opts = append(opts, fmt.Sprintf("%s=%d", o.name, int(math.Ceil(o.v.Seconds()))))
			}
		}
		if d.ListenBacklog != def.ListenBacklog {
			opts = append(opts, fmt.Sprintf("listen-backlog=%d", d.ListenBacklog))
		}
		if d.MaximumRequests != 0 {
			opts = append(opts, fmt.Sprintf("maximum-requests=%d", d.MaximumRequests))
		}
		w("WSGIDaemonProcess %s %s", g, strings.Join(opts, " "))
		w("WSGIProcessGroup %s", g)
		if sc.WSGI.RestrictEmbedded {
			w("WSGIRestrictEmbedded On")
		}
	}
	return b.String()
}

// switchedFrom returns the scenario's MPM when the recommendation runs
// another one, else "".
func (r *Report) switchedFrom(base string) string {
	if m := r.Recommended.Scenario.Apache.MPM; m != base {
		return base
	}
	return ""
}

// row is one line of the comparison table.
type row struct {
	name string
	c    *Candidate
	j    Judgement
	f    map[string]Figure
}

func (r *Report) rows() []row {
	rows := []row{{"recommended (search)", r.Recommended, r.Recommended.Judgement, r.Recommended.Figures},
		{"recommended (fresh replications)", r.Recommended, r.Verified, r.VerifiedFigures}}
	for _, a := range r.Alternatives {
		rows = append(rows, row{a.Family, a, a.Judgement, a.Figures})
	}
	return rows
}

func ci(f Figure, scale float64, format string) string {
	if f.N == 0 {
		return "—"
	}
	s := fmt.Sprintf(format, f.Mean*scale)
	if f.Lo != nil {
		s += fmt.Sprintf(" ["+format+"–"+format+"]", *f.Lo*scale, *f.Hi*scale)
	}
	return s
}

func verdict(j Judgement) string {
	if j.Meets() {
		return "meets the goals"
	}
	return "fails: " + j.Why
}

// String describes the goals in one line.
func (g Goals) String() string {
	p99 := "none"
	if g.P99 > 0 {
		p99 = g.P99.String()
	}
	return fmt.Sprintf("memory ≤ %.0f MB (worst replication, no OOM kill), p99 ≤ %s, errors ≤ %s", g.MemoryBudget.MiBs(), p99, fmtShare(g.Errors))
}

// Print writes the summary the command prints.
func (r *Report) Print(w io.Writer, baseMPM string) {
	fmt.Fprintf(w, "advise %s — goals: %s\n", r.Scenario, r.Goals)
	fmt.Fprintf(w, "searched %s: %d candidates × %d replications\n\n", strings.Join(r.Families, "; "), len(r.Evaluated), r.Replications)
	if r.MeetsGoals {
		fmt.Fprintf(w, "recommended: %s\n", r.Recommended.Label)
	} else {
		fmt.Fprintf(w, "nothing meets every goal; %s.\nbest within the memory budget: %s\n", r.Binding, r.Recommended.Label)
	}
	if r.Verified.Meets() {
		fmt.Fprintf(w, "verified on %d fresh replications: meets the goals\n\n", r.Replications)
	} else {
		fmt.Fprintf(w, "verified on %d fresh replications: fails: %s\n\n", r.Replications, r.Verified.Why)
	}
	fmt.Fprint(w, Snippet(r.Recommended.Scenario, r.switchedFrom(baseMPM)))
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "settings\tpeak PSS MB (worst)\tp99 [95% CI]\terrors [95% CI]\tverdict")
	for _, x := range r.rows() {
		fmt.Fprintf(tw, "%s\t%s (%.0f)\t%s\t%s\t%s\n", x.name, ci(x.f["peak_pss_mb"], 1, "%.0f"), x.j.WorstPeakMB,
			ciMS(x.f["latency_p99_ms"]), ci(x.f["failed_share"], 100, "%.2f")+"%", verdict(x.j))
	}
	tw.Flush()
	for _, a := range r.Alternatives {
		fmt.Fprintf(w, "  %s: %s\n", a.Family, a.Label)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	r.printReplays(w, false)
	if !r.MeetsGoals && len(r.Front) > 0 {
		fmt.Fprintln(w, "\nbest trade-offs within the memory budget (Pareto front of worst peak memory and p99):")
		for _, c := range r.Front {
			fmt.Fprintf(w, "  %6.0f MB  p99 ≤ %-8s errors ≤ %-7s %s\n", c.Judgement.WorstPeakMB, fmtMS(c.Judgement.P99HiMS), fmtShare(c.Judgement.ErrorsHi), c.Label)
		}
	}
}

func ciMS(f Figure) string {
	if f.N == 0 {
		return "none completed"
	}
	s := fmtMS(f.Mean)
	if f.Lo != nil {
		s += " [" + fmtMS(math.Max(*f.Lo, 0)) + "–" + fmtMS(*f.Hi) + "]"
	}
	return s
}

// Markdown is advise.md: the goals, the snippet, the table, the front.
func (r *Report) Markdown(baseMPM string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# simulate advise: %s\n\nGoals: %s. %d replications per candidate (seeds %v); verified on %d fresh replications (seeds %v).\n\n",
		r.Scenario, r.Goals, r.Replications, r.Seeds, r.Replications, r.VerifySeeds)
	if r.MeetsGoals {
		fmt.Fprintf(&b, "**Recommended:** %s.\n\n", r.Recommended.Label)
	} else {
		fmt.Fprintf(&b, "**Nothing meets every goal**: %s. Best within the memory budget: %s.\n\n", r.Binding, r.Recommended.Label)
	}
	fmt.Fprintf(&b, "On fresh replications: %s.\n\n```apache\n%s```\n\n", verdict(r.Verified), Snippet(r.Recommended.Scenario, r.switchedFrom(baseMPM)))
	b.WriteString("| settings | peak PSS MB, mean [95% CI] | worst peak MB | p99 [95% CI] | errors % [95% CI] | verdict |\n|---|---|---|---|---|---|\n")
	for _, x := range r.rows() {
		name := x.name
		if x.c != r.Recommended {
			name += ": " + x.c.Label
		}
		fmt.Fprintf(&b, "| %s | %s | %.0f | %s | %s | %s |\n", name, ci(x.f["peak_pss_mb"], 1, "%.0f"), x.j.WorstPeakMB,
			ciMS(x.f["latency_p99_ms"]), ci(x.f["failed_share"], 100, "%.2f"), verdict(x.j))
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\nNote: %s\n", n)
	}
	r.printReplays(&b, true)
	b.WriteString("\n## Pareto front within the memory budget (worst peak memory against the p99 upper bound)\n\n| worst peak MB | p99 ≤ | errors ≤ | settings |\n|---|---|---|---|\n")
	for _, c := range r.Front {
		fmt.Fprintf(&b, "| %.0f | %s | %s | %s |\n", c.Judgement.WorstPeakMB, fmtMS(c.Judgement.P99HiMS), fmtShare(c.Judgement.ErrorsHi), c.Label)
	}
	fmt.Fprintf(&b, "\n## Every candidate, in the order searched\n\n| # | settings | worst peak MB | p99 ≤ | errors ≤ | verdict |\n|---|---|---|---|---|---|\n")
	for i, c := range r.Evaluated {
		fmt.Fprintf(&b, "| %d | %s | %.0f | %s | %s | %s |\n", i, c.Label, c.Judgement.WorstPeakMB, fmtMS(c.Judgement.P99HiMS), fmtShare(c.Judgement.ErrorsHi), verdict(c.Judgement))
	}
	return b.String()
}

// Write publishes the output directory: advise.json, advise.md,
// advise.conf (the snippet), recommended.toml (the scenario) and the
// extra files given (figures).
func (r *Report) Write(dir string, baseMPM string, replace bool, extra map[string][]byte) error {
	toml, err := scenarios.Format(r.Recommended.Scenario)
	if err != nil {
		return err
	}
	js, err := json.MarshalIndent(r.jsonView(baseMPM), "", "  ")
	if err != nil {
		return err
	}
	return results.Publish(dir, "advise", replace, func(tmp string) error {
		for name, data := range map[string][]byte{
			"advise.json":      append(js, '\n'),
			"advise.md":        []byte(r.Markdown(baseMPM)),
			"advise.conf":      []byte(Snippet(r.Recommended.Scenario, r.switchedFrom(baseMPM))),
			"recommended.toml": toml,
		} {
			if err := os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
				return err
			}
		}
		for name, data := range extra {
			if err := os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
				return err
			}
		}
		return nil
	})
}

// jsonView is advise.json: the report and the snippet.
func (r *Report) jsonView(baseMPM string) any {
	type view struct {
		*Report
		Snippet string `json:"apache_snippet"`
	}
	return view{r, Snippet(r.Recommended.Scenario, r.switchedFrom(baseMPM))}
}

// MarshalJSON writes an infinite p99 bound (no request completed) as null.
func (j Judgement) MarshalJSON() ([]byte, error) {
	type plain Judgement
	v := struct {
		plain
		P99HiMS *float64 `json:"p99_hi_ms"`
	}{plain: plain(j)}
	if !math.IsInf(j.P99HiMS, 0) && !math.IsNaN(j.P99HiMS) {
		v.P99HiMS = &j.P99HiMS
	}
	return json.Marshal(v)
}

// Short names a candidate in a few words, for figures: its MPM and
// capacity ("prefork 10", "event 3×25", "event daemons 2×15"), or an
// alternative's name.
func (c *Candidate) Short() string {
	if c.fam == nil && c.Family != "" && !strings.Contains(c.Family, ",") {
		return c.Family
	}
	sc := c.Scenario
	e, _ := sc.Apache.Effective()
	if g := sc.WSGI.GroupFor("/"); !scenarios.Embedded(g) {
		d := sc.WSGI.DaemonProcesses[g]
		s := fmt.Sprintf("%s daemons %d×%d", e.MPM, d.Processes, d.Threads)
		if d.QueueTimeout.Duration > 0 {
			s += fmt.Sprintf(" qt %gs", d.QueueTimeout.Seconds())
		}
		return s
	}
	if e.MPM == "prefork" {
		return fmt.Sprintf("prefork %d (start %d)", e.MaxRequestWorkers, e.StartServers)
	}
	return fmt.Sprintf("%s %d×%d (start %d)", e.MPM, e.MaxRequestWorkers/e.ThreadsPerChild, e.ThreadsPerChild, e.StartServers)
}
