package validate

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/forkcast/forkcast/scenarios"
)

// Memory is one process's memory from /proc/PID/smaps_rollup, in bytes.
type Memory struct {
	RSS, PSS, Private int64
}

// ApacheProbe configures a calibration Apache: prefork, mod_wsgi loaded,
// no application and no requests.
type ApacheProbe struct {
	// Python lets mod_wsgi initialise a bare interpreter in each child
	// (embedded mode allowed, WSGILazyInitialization On); false sets
	// WSGIRestrictEmbedded On, so no process initialises Python.
	Python bool
	// Children is StartServers, with MinSpareServers = Children and
	// MaxSpareServers = Children + 1 so the parent neither spawns nor kills.
	Children int
	// Restart: after sampling, restart Apache with SIGHUP and measure the
	// parent's CPU time until the new children run (ApacheSample.RestartCPU),
	// and what the old children had used in all (ReapedCPU).
	Restart bool
}

// ApacheSample is what a Prober saw of a calibration Apache once its
// children had settled.
type ApacheSample struct {
	Parent   Memory
	Children []Memory
	// ParentCPU is the parent's CPU time so far (start-up and its forks);
	// ChildCPU each child's (its child_init and, with Python, Py_Initialize).
	ParentCPU time.Duration
	ChildCPU  []time.Duration
	// RestartCPU is the parent's CPU time for a restart (ApacheProbe.Restart):
	// reading the configuration again, reloading its modules, post_config,
	// forking the new children.
	RestartCPU time.Duration
	// ReapedCPU is the CPU time of the children the restart ended, from
	// their start to their exit, as the parent's cutime + cstime count it
	// (10 ms resolution, summed over them).
	ReapedCPU time.Duration
}

// A Prober runs calibration probes on this machine. The real one starts a
// real Apache (cmd/simulate); tests use a stand-in.
type Prober interface {
	// Apache starts a prefork Apache as configured, waits for its children
	// to settle, samples memory and CPU time, and stops it.
	Apache(ctx context.Context, p ApacheProbe) (ApacheSample, error)
	// Burn runs the runtime app's CPU burn loop for seconds of requested
	// CPU time in a fresh interpreter and returns the wall time the burn
	// took, on an otherwise idle core.
	Burn(ctx context.Context, seconds float64) (time.Duration, error)
	// Requests serves rate requests/s of runtime mode's app doing no work
	// for d, and returns the CPU time the whole machine spent (all cores)
	// and the requests completed.
	Requests(ctx context.Context, rate float64, d time.Duration) (cpu time.Duration, completed int64, err error)
}

// Profile is a measured host profile: the constants of scenarios.Host that
// Calibrate measures, and how.
type Profile struct {
	ApacheSharedText    scenarios.Size
	ApacheParentPrivate scenarios.Size
	ApacheChildPrivate  scenarios.Size
	PythonSharedText    scenarios.Size
	PythonInterpreter   scenarios.Size
	ForkTime            time.Duration
	ChildInitCPU        time.Duration
	PythonInitCPU       time.Duration
	PythonFiniCPU       time.Duration
	RequestCPU          time.Duration
	RestartCPU          time.Duration
	CPUSecond           float64
	Notes               []string // how each was measured, with the raw figures
}

// Calibration probe sizes.
const (
	calRequestRate = 100.0
	calRequestTime = 5 * time.Second
	calFew         = 2  // children in the small Apache
	calMany        = 16 // in the large one: fork_time is the parent's extra CPU per extra child
	calBurn        = 1.0
)

// Calibrate measures this machine's constants with dedicated probes: three
// prefork Apaches without requests (calFew and calMany children with
// WSGIRestrictEmbedded On, calMany with a bare interpreter in each child)
// and three timed CPU burns. It never looks at a validation run.
//
//   - apache_parent_private: the parent's private memory (small Apache);
//   - apache_child_private: a child's private memory, median (large Apache);
//   - apache_shared_text: a child's shared memory, RSS − private, median;
//   - python_interpreter, python_shared_text: how much a child's private and
//     shared memory grow when it initialises Python (medians);
//   - fork_time: the parent's extra CPU time for calMany − calFew children,
//     per child (fork() is CPU-bound: copying page tables);
//   - child_init_cpu: a child's CPU time without Python, median;
//   - python_init_cpu: how much that grows with Python;
//   - restart_cpu: the small Apache's parent's CPU time for a restart
//     (SIGHUP), less its forks of the new children;
//   - python_fini_cpu: what the children with a bare interpreter used in
//     all when that Apache's restart ended them, less what they had used
//     before it, per child: the teardown (Py_Finalize) on their way out;
//   - cpu_second: the wall time of the app's burn loop per requested
//     CPU-second, median of three (above 1 when the machine loses time to
//     a hypervisor or to the loop's own overhead);
//   - request_cpu: what one request costs this machine beyond the app's own
//     work, from runtime mode serving an app that does nothing at
//     calRequestRate and at 0 requests/s: the extra CPU over the extra
//     requests. It holds Apache's and mod_wsgi's request handling, the
//     synthetic app's bookkeeping, and the load generator's share, which in
//     runtime mode runs on the same cores; for a production host with
//     remote clients it overstates by that share.
func Calibrate(ctx context.Context, p Prober) (Profile, error) {
	var prof Profile
	few, err := p.Apache(ctx, ApacheProbe{Children: calFew, Restart: true})
	if err != nil {
		return prof, fmt.Errorf("probe: prefork with %d children, WSGIRestrictEmbedded On: %w", calFew, err)
	}
	many, err := p.Apache(ctx, ApacheProbe{Children: calMany})
	if err != nil {
		return prof, fmt.Errorf("probe: prefork with %d children, WSGIRestrictEmbedded On: %w", calMany, err)
	}
	py, err := p.Apache(ctx, ApacheProbe{Children: calMany, Python: true, Restart: true})
	if err != nil {
		return prof, fmt.Errorf("probe: prefork with %d children, each with a bare interpreter: %w", calMany, err)
	}
	if len(many.Children) == 0 || len(py.Children) == 0 {
		return prof, fmt.Errorf("probe: Apache started no children")
	}
	priv := func(s ApacheSample) float64 {
		return medianOf(s.Children, func(m Memory) float64 { return float64(m.Private) })
	}
	shared := func(s ApacheSample) float64 {
		return medianOf(s.Children, func(m Memory) float64 { return float64(m.RSS - m.Private) })
	}
	cpu := func(s ApacheSample) float64 {
		return medianOf(s.ChildCPU, func(d time.Duration) float64 { return float64(d) })
	}
	prof.ApacheParentPrivate = scenarios.Size(few.Parent.Private)
	prof.ApacheChildPrivate = scenarios.Size(priv(many))
	prof.ApacheSharedText = scenarios.Size(shared(many))
	prof.PythonInterpreter = scenarios.Size(max(0, priv(py)-priv(many)))
	prof.PythonSharedText = scenarios.Size(max(0, shared(py)-shared(many)))
	prof.ForkTime = max(0, (many.ParentCPU-few.ParentCPU)/time.Duration(calMany-calFew))
	prof.ChildInitCPU = time.Duration(cpu(many))
	prof.PythonInitCPU = time.Duration(max(0, cpu(py)-cpu(many)))
	prof.RestartCPU = max(0, few.RestartCPU-calFew*prof.ForkTime)
	var before time.Duration
	for _, c := range py.ChildCPU {
		before += c
	}
	prof.PythonFiniCPU = max(0, (py.ReapedCPU-before)/time.Duration(len(py.ChildCPU)))
	prof.Notes = append(prof.Notes,
		fmt.Sprintf("prefork, WSGIRestrictEmbedded On, %d children: parent RSS %s PSS %s private %s; CPU %v; CPU for a restart %v", calFew,
			scenarios.Size(few.Parent.RSS), scenarios.Size(few.Parent.PSS), scenarios.Size(few.Parent.Private), few.ParentCPU, few.RestartCPU),
		fmt.Sprintf("prefork, WSGIRestrictEmbedded On, %d children: parent CPU %v; child median private %s, shared %s, CPU %v", calMany,
			many.ParentCPU, scenarios.Size(priv(many)), scenarios.Size(shared(many)), time.Duration(cpu(many))),
		fmt.Sprintf("prefork, bare interpreter, %d children: child median private %s, shared %s, CPU %v; %v in all by their exit", calMany,
			scenarios.Size(priv(py)), scenarios.Size(shared(py)), time.Duration(cpu(py)), py.ReapedCPU))

	var walls []float64
	for range 3 {
		d, err := p.Burn(ctx, calBurn)
		if err != nil {
			return prof, fmt.Errorf("probe: CPU burn: %w", err)
		}
		walls = append(walls, d.Seconds()/calBurn)
	}
	prof.CPUSecond = median(walls)
	prof.Notes = append(prof.Notes, fmt.Sprintf("burn of %gs CPU took %v s of wall time (3 runs)", calBurn, walls))

	idleCPU, _, err := p.Requests(ctx, 0, calRequestTime)
	if err != nil {
		return prof, fmt.Errorf("probe: an idle runtime run: %w", err)
	}
	busyCPU, n, err := p.Requests(ctx, calRequestRate, calRequestTime)
	if err != nil {
		return prof, fmt.Errorf("probe: %g requests/s of an app doing nothing: %w", calRequestRate, err)
	}
	if n == 0 {
		return prof, fmt.Errorf("probe: no request completed at %g requests/s", calRequestRate)
	}
	prof.RequestCPU = max(0, (busyCPU-idleCPU)/time.Duration(n))
	prof.Notes = append(prof.Notes, fmt.Sprintf("runtime mode, app doing nothing, %v: %v CPU idle, %v CPU for %d requests at %g/s",
		calRequestTime, idleCPU.Round(time.Millisecond), busyCPU.Round(time.Millisecond), n, calRequestRate))
	return prof, nil
}

func medianOf[T any](xs []T, f func(T) float64) float64 {
	v := make([]float64, len(xs))
	for i, x := range xs {
		v[i] = f(x)
	}
	return median(v)
}

// WriteProfile writes a host profile: a [host] table that scenarios load
// with host.profile = "FILE". header lines become comments.
func WriteProfile(w io.Writer, p Profile, header []string) error {
	var b strings.Builder
	for _, h := range header {
		fmt.Fprintf(&b, "# %s\n", h)
	}
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "# %s\n", n)
	}
	b.WriteString("\n[host]\n")
	kv := map[string]string{
		"apache_shared_text":    kib(p.ApacheSharedText),
		"apache_parent_private": kib(p.ApacheParentPrivate),
		"apache_child_private":  kib(p.ApacheChildPrivate),
		"python_shared_text":    kib(p.PythonSharedText),
		"python_interpreter":    kib(p.PythonInterpreter),
		"fork_time":             fmt.Sprintf("%q", p.ForkTime.Round(time.Microsecond).String()),
		"child_init_cpu":        fmt.Sprintf("%q", p.ChildInitCPU.Round(time.Microsecond).String()),
		"python_init_cpu":       fmt.Sprintf("%q", p.PythonInitCPU.Round(time.Microsecond).String()),
		"python_fini_cpu":       fmt.Sprintf("%q", p.PythonFiniCPU.Round(time.Microsecond).String()),
		"cpu_second":            fmt.Sprintf("%.3f", p.CPUSecond),
		"request_cpu":           fmt.Sprintf("%q", p.RequestCPU.Round(time.Microsecond).String()),
		"restart_cpu":           fmt.Sprintf("%q", p.RestartCPU.Round(time.Microsecond).String()),
	}
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s = %s\n", k, kv[k])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// kib writes a size in whole KiB, as smaps_rollup reports it.
func kib(s scenarios.Size) string {
	return fmt.Sprintf("\"%dKiB\"", (s+scenarios.KiB/2)/scenarios.KiB)
}
