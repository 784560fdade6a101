package sweep

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/forkcast/forkcast/plots"
	"github.com/forkcast/forkcast/results"
)

// Output kinds in the .forkcast.json manifest.
const (
	KindSweep = "sweep"
	KindPlan  = "sweep-plan"
)

// Write publishes a sweep's output directory dir (results.Publish):
// sweep.csv, sweep.json, sweep.html and, with figures, the figures as
// sweep_*.png (embedded in sweep.html too). An existing forkcast output
// there is replaced only if replace. The same table gives the same bytes.
func Write(dir string, t *Table, replace, figures bool) error {
	var figs []plots.Figure
	if figures {
		var err error
		if figs, err = Figures(t); err != nil {
			return err
		}
	}
	return results.Publish(dir, KindSweep, replace, func(tmp string) error {
		if err := t.WriteCSV(filepath.Join(tmp, "sweep.csv")); err != nil {
			return err
		}
		if err := t.WriteJSON(filepath.Join(tmp, "sweep.json")); err != nil {
			return err
		}
		for _, f := range figs {
			if err := os.WriteFile(filepath.Join(tmp, f.Name+".png"), f.PNG, 0o644); err != nil {
				return err
			}
		}
		return writeHTML(filepath.Join(tmp, "sweep.html"), t, figs)
	})
}

// headline are the metrics sweep.html's table shows.
var headline = []string{"peak_pss_mb", "peak_processes", "latency_p50_ms", "latency_p99_ms", "throughput_rps", "failed_share", "oom_kills"}

type htmlPage struct {
	Title, Version string
	Facts          [][2]string
	Figures        []htmlFigure
	Keys           []string
	Metrics        []string
	Rows           []htmlRow
}

type htmlFigure struct {
	Title string
	Src   template.URL
}

type htmlRow struct {
	Point    int
	Settings []string
	Cells    []string
	Front    bool
}

var page = template.Must(template.New("sweep").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font-family: "Liberation Sans", Arial, sans-serif; margin: 2em auto; max-width: 1250px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.9em; }
td, th { padding: 0.2em 0.7em; border-bottom: 1px solid #ddd; text-align: right; }
th { background: #f4f4f4; } td.k, th.k { text-align: left; }
tr.front td { background: #fff1e6; }
img { width: 100%; max-width: 1200px; display: block; margin: 1em 0; }
.facts th { text-align: left; background: none; }
.note { color: #555; font-size: 0.9em; }
</style></head><body>
<h1>{{.Title}}</h1>
<table class="facts">{{range .Facts}}<tr><th>{{index . 0}}</th><td class="k">{{index . 1}}</td></tr>{{end}}</table>
<p class="note">Every value is the mean over the replications and its 95% confidence interval of the mean
(t-interval, mean ± t(0.975, n−1)·s/√n). Replication r runs with the same seed at every point (common random
numbers: the same clients send the same requests), so differences between points are the configuration's.
The full table, with every replication's value, is sweep.csv and sweep.json.</p>
{{range .Figures}}<img alt="{{.Title}}" src="{{.Src}}">
{{end}}
<h2>Points</h2>
<p class="note">Shaded rows are on the Pareto front of peak PSS against p99 latency (no other point is lower in both).</p>
<table><tr><th>point</th>{{range .Keys}}<th class="k">{{.}}</th>{{end}}{{range .Metrics}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr{{if .Front}} class="front"{{end}}><td>{{.Point}}</td>{{range .Settings}}<td class="k">{{.}}</td>{{end}}{{range .Cells}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
<p class="note">forkcast {{.Version}}</p>
</body></html>
`))

func writeHTML(path string, t *Table, figs []plots.Figure) error {
	pg := htmlPage{Title: "Sweep: " + t.Scenario, Version: t.Forkcast}
	if t.Variant != "" {
		pg.Title += " [" + t.Variant + "]"
	}
	for _, v := range t.Vary {
		pg.Facts = append(pg.Facts, [2]string{"--vary " + v.Key, strings.Join(v.Values, ", ")})
	}
	if len(t.Sets) > 0 {
		pg.Facts = append(pg.Facts, [2]string{"--set", strings.Join(t.Sets, "  ")})
	}
	seeds := make([]string, len(t.Seeds))
	for i, s := range t.Seeds {
		seeds[i] = fmt.Sprint(s)
	}
	pg.Facts = append(pg.Facts,
		[2]string{"points × replications", fmt.Sprintf("%d × %d = %d simulations", t.Points, t.Replications, t.Points*t.Replications)},
		[2]string{"seeds", strings.Join(seeds, ", ")})
	for _, f := range figs {
		pg.Figures = append(pg.Figures, htmlFigure{Title: f.Title,
			Src: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(f.PNG))})
	}
	for _, v := range t.Vary {
		pg.Keys = append(pg.Keys, v.Key)
	}
	pg.Metrics = headline
	xs, ys := make([]float64, t.Points), make([]float64, t.Points)
	for p := range t.Points {
		xs[p], ys[p] = value(t.Get(p, "peak_pss_mb").Mean), value(t.Get(p, "latency_p99_ms").Mean)
	}
	front := map[int]bool{}
	for _, p := range ParetoFront(xs, ys) {
		front[p] = true
	}
	for p := range t.Points {
		r := htmlRow{Point: p, Settings: t.Get(p, headline[0]).Settings, Front: front[p] && t.Points > 1}
		for _, m := range headline {
			r.Cells = append(r.Cells, formatEstimate(t.Get(p, m)))
		}
		pg.Rows = append(pg.Rows, r)
	}
	var b bytes.Buffer
	if err := page.Execute(&b, pg); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// formatEstimate writes "mean ± half-width", the mean with three
// significant digits (no exponent) and the half-width to the same place.
func formatEstimate(r Row) string {
	if r.Mean == nil {
		return "–"
	}
	m := *r.Mean
	decimals := 0
	if a := math.Abs(m); a > 0 && a < 100 {
		decimals = min(6, 2-int(math.Floor(math.Log10(a))))
	}
	s := strconv.FormatFloat(m, 'f', decimals, 64)
	if r.CILo != nil && r.CIHi != nil {
		s += " ± " + strconv.FormatFloat((*r.CIHi-*r.CILo)/2, 'f', decimals, 64)
	}
	return s
}
