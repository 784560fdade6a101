package appprofile

import (
	"bytes"
	"context"
	"debug/elf"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/forkcast/forkcast/scenarios"
)

//go:embed harness.py
var harness string

// DefaultModWSGI is Debian's mod_wsgi module.
const DefaultModWSGI = "/usr/lib/apache2/modules/mod_wsgi.so"

// ModWSGI is what an installed mod_wsgi module says about itself.
type ModWSGI struct {
	Path      string
	Libpython string // the libpython it links, e.g. libpython3.11.so.1.0
	Python    string // the interpreter of the same version, e.g. /usr/bin/python3.11
	Version   string // e.g. 4.9.4, from the version string compiled into it
}

var libpythonRE = regexp.MustCompile(`^libpython(\d+\.\d+)`)
var versionRE = regexp.MustCompile(`^[4-9]\.\d+\.\d+$`)

// ReadModWSGI reads a mod_wsgi module: its libpython link (DT_NEEDED) and
// the version string compiled into it (MOD_WSGI_VERSION_STRING, a string
// of its own in .rodata).
func ReadModWSGI(path string) (ModWSGI, error) {
	m := ModWSGI{Path: path}
	f, err := elf.Open(path)
	if err != nil {
		return m, err
	}
	defer f.Close()
	libs, _ := f.ImportedLibraries()
	for _, l := range libs {
		if sm := libpythonRE.FindStringSubmatch(l); sm != nil {
			m.Libpython = l
			for _, dir := range []string{"/usr/bin", "/usr/local/bin"} {
				p := filepath.Join(dir, "python"+sm[1])
				if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
					m.Python = p
					break
				}
			}
		}
	}
	if s := f.Section(".rodata"); s != nil {
		if data, err := s.Data(); err == nil {
			for _, str := range bytes.Split(data, []byte{0}) {
				if versionRE.Match(str) {
					m.Version = string(str)
					break
				}
			}
		}
	}
	return m, nil
}

// Options say how to profile.
type Options struct {
	Python           string // "" means the Python mod_wsgi links (ModWSGI), else python3
	ModWSGI          string // "" means DefaultModWSGI
	Imports          int    // fresh processes that import the script; default 5
	URLs             []string
	Requests         int // requests per URL in each process; default 5
	ProcessGroup     string
	ApplicationGroup string
	Callable         string        // default "application" (WSGICallableObject)
	Timeout          time.Duration // per process; default 5 minutes
	Output           io.Writer     // where the app's own stdout and stderr go; nil discards
}

// Sample is one measured import or request.
type Sample struct {
	CPU    float64 `json:"cpu"`   // seconds of CPU, all threads
	Wall   float64 `json:"wall"`  // seconds
	Delay  float64 `json:"delay"` // seconds runnable but not running
	Memory int64   `json:"memory"`
	Error  string  `json:"error"`
	URL    string  `json:"url"`
	Status string  `json:"status"`
	First  bool    `json:"-"` // the first request to this URL in its process
}

// Wait is the time the code spent off the CPU by its own doing.
func (s Sample) Wait() float64 { return math.Max(0, s.Wall-s.CPU-s.Delay) }

// Profile is what Run measured.
type Profile struct {
	Script   string
	Python   string
	ModWSGI  ModWSGI
	Imports  []Sample
	Requests map[string][]Sample
	// Error is the traceback of the first failure (an import or a
	// request); what was measured before it is kept.
	Error string
}

type spec struct {
	Script            string   `json:"script"`
	Callable          string   `json:"callable"`
	ProcessGroup      string   `json:"process_group"`
	ApplicationGroup  string   `json:"application_group"`
	Version           []int    `json:"version"`
	MaximumProcesses  int      `json:"maximum_processes"`
	ThreadsPerProcess int      `json:"threads_per_process"`
	URLs              []string `json:"urls"`
	Requests          int      `json:"requests"`
}

type harnessResult struct {
	Import   Sample   `json:"import"`
	Requests []Sample `json:"requests"`
}

// Run imports the script opt.Imports times, each in a fresh process, and
// calls the URLs in each. An error is returned when the harness itself
// cannot run; a failing app is reported in Profile.Error.
func Run(ctx context.Context, script string, opt Options) (*Profile, error) {
	if opt.Imports <= 0 {
		opt.Imports = 5
	}
	if opt.Requests <= 0 {
		opt.Requests = 5
	}
	if opt.Callable == "" {
		opt.Callable = "application"
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 5 * time.Minute
	}
	if opt.ModWSGI == "" {
		opt.ModWSGI = DefaultModWSGI
	}
	abs, err := filepath.Abs(script)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, err
	}
	p := &Profile{Script: abs, Requests: map[string][]Sample{}}
	p.ModWSGI, _ = ReadModWSGI(opt.ModWSGI)
	p.Python = opt.Python
	if p.Python == "" {
		p.Python = p.ModWSGI.Python
	}
	if p.Python == "" {
		p.Python = "python3"
	}
	version := []int{4, 9, 4}
	if v := p.ModWSGI.Version; v != "" {
		version = version[:0]
		for _, s := range strings.Split(v, ".") {
			n, _ := strconv.Atoi(s)
			version = append(version, n)
		}
	}
	sp := spec{Script: abs, Callable: opt.Callable, ProcessGroup: opt.ProcessGroup, ApplicationGroup: opt.ApplicationGroup,
		Version: version, MaximumProcesses: 1, ThreadsPerProcess: 1, URLs: opt.URLs, Requests: opt.Requests}
	if sp.URLs == nil {
		sp.URLs = []string{}
	}
	js, _ := json.Marshal(sp)
	for i := 0; i < opt.Imports; i++ {
		res, err := runHarness(ctx, p.Python, string(js), abs, opt)
		if err != nil {
			return p, err
		}
		p.Imports = append(p.Imports, res.Import)
		if res.Import.Error != "" {
			p.Error = res.Import.Error
			return p, nil
		}
		seen := map[string]bool{}
		for _, r := range res.Requests {
			r.First = !seen[r.URL]
			seen[r.URL] = true
			p.Requests[r.URL] = append(p.Requests[r.URL], r)
			if r.Error != "" {
				p.Error = fmt.Sprintf("GET %s:\n%s", r.URL, r.Error)
				return p, nil
			}
		}
	}
	return p, nil
}

func runHarness(ctx context.Context, python, spec, script string, opt Options) (*harnessResult, error) {
	ctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cmd := exec.CommandContext(ctx, python, "-c", harness, spec)
	cmd.Dir = filepath.Dir(script)
	cmd.ExtraFiles = []*os.File{w} // fd 3
	out := opt.Output
	if out == nil {
		out = io.Discard
	}
	var tail tailBuffer
	cmd.Stdout = io.MultiWriter(out, &tail)
	cmd.Stderr = io.MultiWriter(out, &tail)
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("starting %s: %w", python, err)
	}
	w.Close()
	data, _ := io.ReadAll(r)
	werr := cmd.Wait()
	var res harnessResult
	if err := json.Unmarshal(data, &res); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("the app's process did not finish within %v", opt.Timeout)
		}
		return nil, fmt.Errorf("the app's process ended without a result (%v): %s", werr, strings.TrimSpace(tail.String()))
	}
	return &res, nil
}

// tailBuffer keeps the last 4 KB written.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}
func (t *tailBuffer) String() string { return string(t.b) }

// Dist summarises measured times as a scenario distribution: const when
// the spread is tiny (cv below 5%, or one sample), else a log-normal with
// the measured mean and coefficient of variation.
func Dist(xs []float64) string {
	if len(xs) == 0 {
		return "const(0s)"
	}
	m, cv := meanCV(xs)
	if len(xs) < 2 || cv < 0.05 || m == 0 {
		return fmt.Sprintf("const(%s)", dur(m))
	}
	return fmt.Sprintf("lognormal(mean=%s, cv=%.2f)", dur(m), cv)
}

func meanCV(xs []float64) (mean, cv float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 || mean == 0 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss/float64(len(xs)-1)) / mean
}

func dur(secs float64) string {
	d := time.Duration(secs * float64(time.Second))
	switch {
	case d >= 10*time.Millisecond:
		d = d.Round(time.Millisecond)
	case d >= 10*time.Microsecond:
		d = d.Round(time.Microsecond)
	}
	if d == 0 {
		return "0s"
	}
	return strings.Replace(d.String(), "µs", "us", 1)
}

func size(bytes float64) string {
	if bytes <= 0 {
		return "0B"
	}
	return scenarios.Size(int64(math.Round(bytes/1024)) * 1024).String()
}

// AppTOML writes the [app] section measured: import_cpu, import_wait and
// import_memory from the imports, and per URL an [app.urls."/path"] table.
// Each value says what it was measured from.
func (p *Profile) AppTOML() string {
	var b strings.Builder
	col := func(ss []Sample, f func(Sample) float64) []float64 {
		var out []float64
		for _, s := range ss {
			if s.Error == "" {
				out = append(out, f(s))
			}
		}
		return out
	}
	cpu := func(s Sample) float64 { return s.CPU }
	wait := func(s Sample) float64 { return s.Wait() }
	mem := func(s Sample) float64 { return float64(s.Memory) }
	mean := func(xs []float64) float64 { m, _ := meanCV(xs); return m }
	ok := col(p.Imports, cpu)
	imports := "imports, each"
	if len(ok) == 1 {
		imports = "import"
	}
	fmt.Fprintf(&b, "[app]  # measured by `simulate profile-app %s`: %d %s in a fresh %s\n", p.Script, len(ok), imports, p.Python)
	if len(ok) > 0 {
		fmt.Fprintf(&b, "import_cpu = %q\n", Dist(ok))
		fmt.Fprintf(&b, "import_wait = %q\n", Dist(col(p.Imports, wait)))
		fmt.Fprintf(&b, "import_memory = %q  # private memory the import left (smaps_rollup), mean\n", size(mean(col(p.Imports, mem))))
	}
	urls := make([]string, 0, len(p.Requests))
	for u := range p.Requests {
		urls = append(urls, u)
	}
	sort.Strings(urls)
	for _, u := range urls {
		rs := p.Requests[u]
		if len(col(rs, cpu)) == 0 {
			continue
		}
		path, _, _ := strings.Cut(u, "?")
		fmt.Fprintf(&b, "\n[app.urls.%s]  # %d requests to %s, status %s\n", strconv.Quote(path), len(col(rs, cpu)), u, rs[0].Status)
		fmt.Fprintf(&b, "request_cpu = %q\n", Dist(col(rs, cpu)))
		fmt.Fprintf(&b, "request_wait = %q\n", Dist(col(rs, wait)))
		var later []Sample // a process's first request also initialises
		for _, r := range rs {
			if !r.First {
				later = append(later, r)
			}
		}
		if len(later) == 0 {
			later = rs
		}
		growth := mean(col(later, mem))
		fmt.Fprintf(&b, "request_memory_growth = %q  # private memory each request left, mean after the first\n", size(growth))
	}
	return b.String()
}
