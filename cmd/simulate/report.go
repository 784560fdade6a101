package main

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/forkcast/forkcast/plots"
	"github.com/forkcast/forkcast/results"
)

func init() {
	register(command{
		name:    "report",
		summary: "write one self-contained report.html for result directories",
		run:     runReport,
	})
}

func runReport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", "report DIR... [--out FILE]\n\n"+
		"Writes one HTML page with every figure embedded, the summaries side by side, each\n"+
		"DIR's scenario.toml and an events.log excerpt. It needs no network to open.", stderr)
	out := fs.String("out", "", "the HTML file to write (default DIR/report.html for one DIR, out/report.html for several)")
	dirs, runs, err := resultDirArgs(fs, args, plots.Load)
	if err != nil {
		return err
	}
	path := *out
	if path == "" {
		path = filepath.Join("out", "report.html")
		if len(dirs) == 1 {
			path = filepath.Join(dirs[0], "report.html")
		}
	}
	collectAtDefault()
	page, err := buildReport(dirs, runs)
	if err != nil {
		return err
	}
	if err := writeReport(path, page); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "report: %s\n", path)
	return nil
}

// reportPage is what report.html shows.
type reportPage struct {
	Title      string
	Version    string
	Verdict    verdict
	Headers    []reportHeader // one per run
	Summary    [][]string     // rows of the side-by-side summary table: label, then one cell per run
	Comparison []reportImage  // overlay figures when there are several runs
	Runs       []reportRun
}

// reportHeader names a run, with its colour in the comparison figures.
type reportHeader struct {
	Label string
	Color template.CSS
}

type reportRun struct {
	Dir      string
	Label    string
	Color    template.CSS
	Figures  []reportImage
	Scenario string // scenario.toml, "" when absent
	Log      reportLog
}

type reportImage struct {
	Title string
	Src   template.URL // a data: URL, so the page needs no other file
}

type reportLog struct {
	Head    []string
	Tail    []string
	Omitted int // lines left out between Head and Tail
	Total   int
	Missing bool
}

func buildReport(dirs []string, runs []results.Run) (reportPage, error) {
	page := reportPage{Title: "forkcast report", Version: results.Version}
	labels, _ := plots.RunLabels(runs, dirs)
	colors := plots.RunColorsOf(runs, dirs)
	for i, run := range runs {
		page.Headers = append(page.Headers, reportHeader{
			Label: fmt.Sprintf("%d. %s", i+1, runHeader(run.Summary)),
			Color: cssColor(colors[i]),
		})
	}
	if len(runs) > 1 {
		// A comparison's runs go by the labels and colours its figures give them.
		for i := range page.Headers {
			page.Headers[i].Label = fmt.Sprintf("%d. %s", i+1, labels[i])
		}
	} else {
		page.Headers[0].Color = "" // one run has no colour of its own
	}
	page.Verdict = buildVerdict(headerLabels(page.Headers), runs)
	page.Summary = summaryRows(runs)
	if len(runs) > 1 {
		figs, err := plots.CompareFigures(runs, dirs)
		if err != nil {
			return page, err
		}
		page.Comparison = reportImages(figs)
	}
	for i, run := range runs {
		figs, err := plots.Figures(run)
		if err != nil {
			return page, fmt.Errorf("%s: %w", dirs[i], err)
		}
		scenario, err := readOptional(filepath.Join(dirs[i], "scenario.toml"))
		if err != nil {
			return page, err
		}
		lg, err := logExcerpt(filepath.Join(dirs[i], "events.log"), 25, 15)
		if err != nil {
			return page, err
		}
		page.Runs = append(page.Runs, reportRun{
			Dir: dirs[i], Label: page.Headers[i].Label, Color: page.Headers[i].Color, Figures: reportImages(figs),
			Scenario: scenario, Log: lg,
		})
	}
	return page, nil
}

func headerLabels(hs []reportHeader) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Label
	}
	return out
}

// cssColor writes a colour as CSS, e.g. #0072b2.
func cssColor(c color.Color) template.CSS {
	r, g, b, _ := c.RGBA()
	return template.CSS(fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8))
}

func runHeader(s results.Summary) string {
	h := s.Scenario
	if s.Variant != "" {
		h += " / " + s.Variant
	}
	return h + " (" + s.Source + ")"
}

func reportImages(figs []plots.Figure) []reportImage {
	imgs := make([]reportImage, len(figs))
	for i, f := range figs {
		imgs[i] = reportImage{
			Title: f.Title,
			Src:   template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(f.PNG)),
		}
	}
	return imgs
}

// summaryRows lays the summaries side by side, one column per run.
func summaryRows(runs []results.Run) [][]string {
	type field struct {
		label string
		value func(results.Summary) string
	}
	num := func(v float64) string { return results.FormatFloat(math.Round(v*10) / 10) }
	latency := func(f func(results.Latency) string) func(results.Summary) string {
		return func(s results.Summary) string {
			if s.Requests.Completed == 0 {
				return "none completed"
			}
			return f(s.Latency)
		}
	}
	count := func(v int64) string { return fmt.Sprint(v) }
	fields := []field{
		{"source", func(s results.Summary) string { return s.Source }},
		{"scenario", func(s results.Summary) string { return s.Scenario }},
		{"variant", func(s results.Summary) string { return s.Variant }},
		{"MPM / mode", func(s results.Summary) string { return s.MPM + " / " + s.Mode }},
		{"seed", func(s results.Summary) string { return fmt.Sprint(s.Seed) }},
		{"duration (s)", func(s results.Summary) string { return num(s.DurationS) }},
		{"RAM / swap (MB)", func(s results.Summary) string { return num(s.RAMMB) + " / " + num(s.SwapMB) }},
		{"MaxRequestWorkers", func(s results.Summary) string { return fmt.Sprint(s.MaxWorkers) }},
		{"peak Apache children", func(s results.Summary) string { return fmt.Sprint(s.Peak.ApacheChildren) }},
		{"peak daemon processes", func(s results.Summary) string { return fmt.Sprint(s.Peak.DaemonProcesses) }},
		{"peak PSS (MB)", func(s results.Summary) string { return num(s.Peak.PSSMB) }},
		{"peak RSS (MB)", func(s results.Summary) string { return num(s.Peak.RSSMB) }},
		{"peak listen queue", func(s results.Summary) string { return fmt.Sprint(s.Peak.ListenQueue) }},
		{"peak daemon queue", func(s results.Summary) string { return fmt.Sprint(s.Peak.DaemonQueue) }},
		{"latency p50 / p90 / p99 (ms)", latency(func(l results.Latency) string {
			return num(l.P50) + " / " + num(l.P90) + " / " + num(l.P99)
		})},
		{"latency max / mean (ms)", latency(func(l results.Latency) string { return num(l.Max) + " / " + num(l.Mean) })},
		{"requests offered", func(s results.Summary) string { return count(s.Requests.Offered) }},
		{"completed", func(s results.Summary) string { return count(s.Requests.Completed) }},
		{"failed", func(s results.Summary) string { return count(s.Requests.Failed) }},
		{"failures 408 / 500 / 503 / 504", func(s results.Summary) string {
			f := s.Requests.Failures
			return count(f.S408) + " / " + count(f.S500) + " / " + count(f.S503) + " / " + count(f.S504)
		}},
		{"refused / reset / client timeout", func(s results.Summary) string {
			f := s.Requests.Failures
			return count(f.Refused) + " / " + count(f.Reset) + " / " + count(f.ClientTimeout)
		}},
		{"unfinished", func(s results.Summary) string { return count(s.Requests.Unfinished) }},
		{"throughput (req/s)", func(s results.Summary) string { return num(s.Throughput) }},
		{"children forked / killed / recycled", func(s results.Summary) string {
			return count(s.Spawns) + " / " + count(s.Kills) + " / " + count(s.Recycled)
		}},
		{"daemon starts / restarts", func(s results.Summary) string {
			return count(s.DaemonStarts) + " / " + count(s.DaemonRestarts)
		}},
		{"OOM kills", func(s results.Summary) string { return count(s.OOMKills) }},
		{"app imports", func(s results.Summary) string { return count(s.Imports) }},
		{"log lines by AH number", func(s results.Summary) string { return logCounts(s.LogCounts) }},
	}
	rows := make([][]string, len(fields))
	for i, f := range fields {
		rows[i] = []string{f.label}
		for _, r := range runs {
			rows[i] = append(rows[i], f.value(r.Summary))
		}
	}
	// The tail from the exact distribution, where the directory keeps it.
	tail := []string{"latency p99.9 (ms, latency.hdr)"}
	for _, r := range runs {
		switch h := r.Latencies; {
		case r.Summary.Requests.Completed == 0:
			tail = append(tail, "none completed")
		case h == nil:
			tail = append(tail, "— (no latency.hdr)")
		default:
			tail = append(tail, num(h.QuantileMS(0.999)))
		}
	}
	for i, row := range rows {
		if row[0] == "latency max / mean (ms)" {
			return append(rows[:i+1], append([][]string{tail}, rows[i+1:]...)...)
		}
	}
	return append(rows, tail)
}

func logCounts(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// readOptional returns a file's text, or "" if it does not exist.
func readOptional(path string) (string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	return string(data), err
}

// logExcerpt keeps the first head and last tail lines of events.log.
func logExcerpt(path string, head, tail int) (reportLog, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return reportLog{Missing: true}, nil
	}
	if err != nil {
		return reportLog{}, err
	}
	defer f.Close()
	var first, last []string
	total := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		total++
		if len(first) < head {
			first = append(first, sc.Text())
			continue
		}
		last = append(last, sc.Text())
		if len(last) > tail {
			last = last[1:]
		}
	}
	if err := sc.Err(); err != nil {
		return reportLog{}, fmt.Errorf("%s: %w", path, err)
	}
	return reportLog{Head: first, Tail: last, Omitted: total - len(first) - len(last), Total: total}, nil
}

// reportGenerator marks a page as forkcast's, so a later report may
// replace it; any other file at the path is left alone.
const reportGenerator = `<meta name="generator" content="forkcast">`

func writeReport(path string, page reportPage) error {
	// A report inside a result directory becomes one of its files.
	if dir := filepath.Dir(path); results.IsOutput(dir) {
		return results.Amend(dir, func(tmp string) error {
			f, err := os.Create(filepath.Join(tmp, filepath.Base(path)))
			if err != nil {
				return err
			}
			if err := reportTemplate.Execute(f, page); err != nil {
				f.Close()
				return err
			}
			return f.Close()
		})
	}
	ours := func(b []byte) bool { return strings.Contains(string(b), reportGenerator) }
	return results.PublishFile(path, ours, func(f *os.File) error { return reportTemplate.Execute(f, page) })
}

// reportTemplate is the whole page: inline CSS, images as data: URLs, no
// scripts, nothing fetched from anywhere.
var reportTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="generator" content="forkcast">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", "Liberation Sans", sans-serif; margin: 2em auto; max-width: 1240px; padding: 0 1em; color: #222; }
h1, h2, h3 { font-weight: 600; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f2f2f2; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.4em; vertical-align: -0.1em; border-radius: 2px; }
#verdict { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 0.2em 1.2em 0.8em; }
#verdict ul { margin: 0.3em 0 0.8em; padding-left: 1.3em; }
td.met { color: #116329; }
td.unmet { color: #a40e26; }
pre { background: #f7f7f7; border: 1px solid #e2e2e2; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
.note { color: #666; }
nav a { margin-right: 1em; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="note">forkcast {{.Version}}. Figures are PNG images embedded in this page; it needs no network.</p>
<nav>{{if .Comparison}}<a href="#comparison">comparison</a>{{end}}{{range $i, $r := .Runs}}<a href="#run-{{$i}}">{{$r.Label}}</a>{{end}}</nav>

<section id="verdict">
<h2>Verdict</h2>
{{range .Verdict.Runs}}<h3>{{.Label}}</h3>
<ul>{{range .Lines}}<li>{{.}}</li>{{end}}</ul>
{{end}}{{if .Verdict.Goals}}<h3>Goals</h3>
<table>
<thead><tr><th></th>{{range .Headers}}<th>{{if .Color}}<span class="swatch" style="background: {{.Color}}"></span>{{end}}{{.Label}}</th>{{end}}</tr></thead>
<tbody>
{{range .Verdict.Goals}}<tr><th>{{.Name}}</th>{{range .Cells}}<td class="{{if .Met}}met{{else}}unmet{{end}}">{{if .Met}}✓{{else}}✗{{end}} {{.Text}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
<p><strong>{{.Verdict.Best}}</strong></p>{{end}}
</section>

<h2 id="summary">Summary</h2>
<table>
<thead><tr><th></th>{{range .Headers}}<th>{{if .Color}}<span class="swatch" style="background: {{.Color}}"></span>{{end}}{{.Label}}</th>{{end}}</tr></thead>
<tbody>
{{range .Summary}}<tr>{{range $i, $c := .}}{{if eq $i 0}}<th>{{$c}}</th>{{else}}<td>{{$c}}</td>{{end}}{{end}}</tr>
{{end}}</tbody>
</table>

{{if .Comparison}}<h2 id="comparison">Comparison</h2>
{{range .Comparison}}<figure><img src="{{.Src}}" alt="{{.Title}}"><figcaption>{{.Title}}</figcaption></figure>
{{end}}{{end}}
{{range $i, $r := .Runs}}<h2 id="run-{{$i}}">{{if $r.Color}}<span class="swatch" style="background: {{$r.Color}}"></span>{{end}}{{$r.Label}}</h2>
<p class="note">from <code>{{$r.Dir}}</code></p>
{{range $r.Figures}}<figure><img src="{{.Src}}" alt="{{.Title}}"><figcaption>{{.Title}}</figcaption></figure>
{{end}}
<h3>Scenario</h3>
{{if $r.Scenario}}<pre>{{$r.Scenario}}</pre>{{else}}<p class="note">No scenario.toml in this directory.</p>{{end}}
<h3>events.log</h3>
{{if $r.Log.Missing}}<p class="note">No events.log in this directory.</p>{{else}}<p class="note">{{$r.Log.Total}} lines.</p>
<pre>{{range $r.Log.Head}}{{.}}
{{end}}{{if $r.Log.Omitted}}… {{$r.Log.Omitted}} lines left out …
{{end}}{{range $r.Log.Tail}}{{.}}
{{end}}</pre>{{end}}
{{end}}
</body>
</html>
`))
