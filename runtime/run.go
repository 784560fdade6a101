package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/forkcast/forkcast/appprofile"
	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/workload"
)

// Options tune a run. The zero value is usable.
type Options struct {
	Binary       string        // apache2's path; "" means $FORKCAST_APACHE2, else /usr/sbin/apache2
	Progress     io.Writer     // a progress line every second; nil for none
	Info         io.Writer     // where the run names its ServerRoot and port when Apache is up; nil for none
	SamplePeriod time.Duration // default 100 ms
	// MemoryPeriod is how often the sampler reads each process's
	// smaps_rollup (default: the scenario's interval, at least
	// SamplePeriod), and once more at the run's end; in between, a
	// sample's memory lies on the line between the reads around it
	// (interpolateMemory).
	// Reading it walks the process's page tables under its mmap lock,
	// which the process's own page faults and allocations wait for: read
	// ten times a second, it slowed memory-near-limit's requests twofold
	// (p50 976 ms against 423 ms read once a second).
	MemoryPeriod time.Duration
	StartTimeout time.Duration // for Apache to answer and warm up; default 60 s
	StopGrace    time.Duration // after SIGTERM, before SIGKILL; default 15 s
	// WSGIScript, if set, is the user's own WSGI script to serve instead of
	// the synthetic app; its costs are then the app's own, not [app]'s.
	WSGIScript string
	// AccessLog, if set, is where to save Apache's access log of the run
	// (without the sampler's server-status requests), in ReplayLogFormat,
	// e.g. for a replay population. An existing file there is never
	// replaced.
	AccessLog string
	// OnStarted, if set, is called once Apache is up with its layout (tests).
	OnStarted func(Layout, int)
	// AnyModWSGI runs a scenario whose wsgi.version differs from the
	// mod_wsgi this machine loads (the CLI's --force); otherwise Run refuses
	// with a *VersionError.
	AnyModWSGI bool
}

// VersionError is a scenario that asks for another mod_wsgi than the one
// this machine's Apache loads.
type VersionError struct {
	Want, Have, Module string
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("the scenario's wsgi.version is %q but this machine's Apache loads mod_wsgi %s (%s): "+
		"set wsgi.version = %q to measure this server, or pass --force to measure it anyway", e.Want, e.Have, e.Module, minorVersion(e.Have))
}

// minorVersion is "4.9" of "4.9.4".
func minorVersion(v string) string {
	if i := strings.IndexByte(v, '.'); i >= 0 {
		if j := strings.IndexByte(v[i+1:], '.'); j >= 0 {
			return v[:i+1+j]
		}
	}
	return v
}

// ModWSGIVersion returns the version string compiled into the mod_wsgi
// module a run loads ("4.9.4"), "" if it cannot be read.
func ModWSGIVersion(in Install) string {
	m, err := appprofile.ReadModWSGI(in.Module("mod_wsgi.so"))
	if err != nil {
		return ""
	}
	return m.Version
}

// Result is a run's results in the shared format, and the raw observations
// behind them.
type Result struct {
	Run      results.Run
	Requests []RequestRecord // every request, in completion order
	Imports  []Import        // every import of the app, from the app's log
	Access   []AccessEntry   // Apache's access log (server-status requests included)
	Samples  []Sample        // every sweep of the sampler, memory interpolated between reads (interpolateMemory)
	Config   string          // the httpd.conf that ran
	Dropped  int64           // connections the generator could not open (its own cap)
	Visits   []time.Duration // when each client of a closed or replay population connected (open ones are the schedule's)
}

// Run plays the scenario against a real Apache on this machine and measures
// it. It always stops Apache and removes its temporary ServerRoot before
// returning, also when ctx is cancelled (then it returns ctx's error) or when
// it panics.
func Run(ctx context.Context, s *scenarios.Scenario, opt Options) (*Result, error) {
	if opt.SamplePeriod <= 0 {
		opt.SamplePeriod = 100 * time.Millisecond
	}
	if opt.MemoryPeriod <= 0 {
		opt.MemoryPeriod = s.Interval.Duration
	}
	opt.MemoryPeriod = max(opt.MemoryPeriod, opt.SamplePeriod)
	if opt.StartTimeout <= 0 {
		opt.StartTimeout = 60 * time.Second
	}
	if opt.StopGrace <= 0 {
		opt.StopGrace = 15 * time.Second
	}
	if err := Check(s); err != nil {
		return nil, err
	}
	// A replay's log is checked before Apache starts, not found bad after
	// a whole run (workload.Population.OpenReplay reads it through).
	for _, pop := range workload.Populations(s) {
		if pop.Kind == "replay" {
			_, closeLog, err := pop.OpenReplay(s.Source)
			if err != nil {
				return nil, err
			}
			closeLog()
		}
	}
	in, err := Locate(opt.Binary)
	if err != nil {
		return nil, err
	}
	if s.Duration.Duration <= 0 {
		return nil, errors.New("the scenario's duration must be positive")
	}
	if s.Interval.Duration <= 0 {
		return nil, errors.New("the scenario's interval must be positive")
	}
	modWSGI := ModWSGIVersion(in)
	if modWSGI != "" && minorVersion(modWSGI) != s.WSGI.Version && !opt.AnyModWSGI {
		return nil, &VersionError{Want: s.WSGI.Version, Have: modWSGI, Module: in.Module("mod_wsgi.so")}
	}
	layout := Layout{Install: in, GroupScripts: GroupScripts(s), ReplayLog: opt.AccessLog != ""}
	if opt.AccessLog != "" {
		if _, err := os.Lstat(opt.AccessLog); err == nil {
			return nil, &results.OutputError{Path: opt.AccessLog, Msg: "exists: choose another file for the access log"}
		}
	}
	if opt.WSGIScript != "" {
		if layout.UserScript, err = userScript(opt.WSGIScript); err != nil {
			return nil, err
		}
	}
	sched, err := Schedule(s, layout.StaticPath())
	if err != nil {
		return nil, err
	}

	sweepStaleRoots(os.TempDir())
	root, err := os.MkdirTemp("", rootPrefix)
	if err != nil {
		return nil, err
	}
	layout.Root = root
	if err := writeOwner(root); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	wd, err := startWatchdog(layout)
	if err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	defer wd.done()          // last: the cleanup below is done
	defer os.RemoveAll(root) // after every server is stopped
	if os.Geteuid() == 0 {
		layout.User, layout.Group = "nobody", "nogroup"
	}
	if err := writeApp(s, layout); err != nil {
		return nil, err
	}

	var srv *server
	var conf string
	for attempt := 0; ; attempt++ {
		if layout.Port, err = freePort(); err != nil {
			return nil, err
		}
		if conf, err = Config(s, layout); err != nil {
			return nil, err
		}
		if err := os.WriteFile(layout.ConfPath(), []byte(conf), 0o644); err != nil {
			return nil, err
		}
		os.Remove(layout.ErrorLog())
		if srv, err = startServer(layout); err != nil {
			return nil, err
		}
		wd.guard(srv.pid)
		defer srv.stop(opt.StopGrace) // also on panic
		err = srv.waitReady(ctx, opt.StartTimeout)
		if err == nil {
			break
		}
		srv.stop(opt.StopGrace)
		if !errors.Is(err, errAddrInUse) || attempt >= 2 {
			if ctx.Err() != nil {
				return nil, interrupted(ctx)
			}
			return nil, err
		}
	}
	if opt.Info != nil {
		fmt.Fprintf(opt.Info, "runtime: Apache (%s MPM, %s mode) on http://%s, ServerRoot %s\n",
			s.Apache.MPM, Mode(s), layout.Addr(), root)
	}
	if opt.OnStarted != nil {
		opt.OnStarted(layout, srv.pid)
	}
	var notes []results.LogLine
	if err := warmUp(ctx, s, layout, srv, opt.StartTimeout); err != nil {
		if ctx.Err() != nil {
			return nil, interrupted(ctx)
		}
		notes = append(notes, results.LogLine{Module: "forkcast", Level: "warn", PID: os.Getpid(), Msg: err.Error()})
	}

	// What first touches of fresh memory cost now, when the host backs
	// only so much of it (docs/model.md §8.5).
	touches, err := touchProbe(ctx, s.Host)
	if err != nil {
		if ctx.Err() != nil {
			return nil, interrupted(ctx)
		}
		notes = append(notes, results.LogLine{Module: "forkcast", Level: "warn", PID: os.Getpid(), Msg: err.Error()})
	}

	// The load starts where the scenario's tick_phase puts the parent's
	// next maintenance tick (phase.go).
	ready, placed := placeStart(ctx, s.TickPhase, layout.ErrorLog())
	if ctx.Err() != nil {
		return nil, interrupted(ctx)
	}
	if !placed {
		notes = append(notes, results.LogLine{Module: "forkcast", Level: "warn", PID: os.Getpid(),
			Msg: "the error log has no \"" + readyLine + "\" line: the load's start was not placed against the parent's maintenance tick (tick_phase)"})
	}

	// t=0: the load starts.
	before := takeCPUSnapshot()
	selfBefore := selfCPU()
	t0 := time.Now()
	runCtx, cancel := context.WithDeadline(ctx, t0.Add(s.Duration.Duration))
	defer cancel()
	clock := newRunClock(t0)
	sm := newSampler(layout, srv.pid, clock, opt.SamplePeriod, len(s.WSGI.DaemonProcesses) > 0)
	sm.memPeriod = opt.MemoryPeriod
	gen := newGenerator(layout.Addr(), s, t0, layout.StaticPath())
	if opt.Progress != nil {
		sm.progress = progressPrinter(opt.Progress, s.Duration.Duration, gen)
	}
	var wg sync.WaitGroup
	var panicMu sync.Mutex
	var panicMsg string
	goSafe := func(name string, f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if v := recover(); v != nil {
					panicMu.Lock()
					panicMsg = fmt.Sprintf("%s panicked: %v", name, v)
					panicMu.Unlock()
					cancel()
				}
			}()
			f()
		}()
	}
	goSafe("clock", func() { clock.watch(runCtx) })
	goSafe("sampler", func() { sm.run(runCtx) })
	goSafe("load generator", func() { gen.run(runCtx, s, sched) })
	var evMu sync.Mutex
	fired := make([]time.Duration, len(s.Events)) // when each event was applied; -1 never
	stopped := false                              // a graceful_stop was sent: the parent's exit is expected
	for i, ev := range s.Events {
		i, ev := i, ev
		fired[i] = -1
		t := time.AfterFunc(ev.At.Duration, func() {
			if runCtx.Err() != nil {
				return
			}
			at := time.Since(t0)
			msg := applyEvent(ev, srv, layout)
			evMu.Lock()
			fired[i] = at
			if ev.Action == "graceful_stop" {
				stopped = true
			}
			notes = append(notes, results.LogLine{At: at, Module: "forkcast", Level: "notice", PID: os.Getpid(), Msg: msg})
			evMu.Unlock()
		})
		defer t.Stop()
	}
	<-runCtx.Done()
	wg.Wait()
	after := takeCPUSnapshot()
	selfAfter := selfCPU()
	ran := time.Since(t0)
	if opt.Progress != nil {
		fmt.Fprintln(opt.Progress)
	}
	if ctx.Err() != nil {
		return nil, interrupted(ctx)
	}
	if panicMsg != "" {
		return nil, errors.New(panicMsg)
	}
	if v := gen.panicV.Load(); v != nil {
		return nil, errors.New(v.(string))
	}
	if v := gen.errV.Load(); v != nil {
		return nil, v.(error) // a replay whose log failed
	}
	evMu.Lock()
	expected := stopped
	evMu.Unlock()
	if srv.exited() && !expected {
		return nil, fmt.Errorf("apache2 exited during the run: %s", srv.output.String())
	}
	// Stop before reading the logs, so they are complete.
	if err := srv.stop(opt.StopGrace); err != nil {
		return nil, err
	}
	clock.check()
	sm.readImports()
	sm.readErrorLog()
	if opt.AccessLog != "" {
		if err := saveAccessLog(layout, opt.AccessLog); err != nil {
			return nil, err
		}
	}
	evMu.Lock()
	defer evMu.Unlock()
	res := &Result{
		Requests: gen.records,
		Access:   readAccessLog(layout.AccessLog(), clock),
		Samples:  interpolateMemory(sm.samples),
		Config:   conf,
		Dropped:  gen.dropped.Load(),
		Visits:   gen.visits,
	}
	for _, im := range sm.importList {
		res.Imports = append(res.Imports, *im)
	}
	if res.Dropped > 0 {
		notes = append(notes, results.LogLine{At: s.Duration.Duration, Module: "forkcast", Level: "warn", PID: os.Getpid(),
			Msg: fmt.Sprintf("%d connections were not opened: the load generator's cap of %d open connections was reached", res.Dropped, gen.maxOpen)})
	}
	for _, st := range clock.steps() {
		notes = append(notes, results.LogLine{At: st.At, Module: "forkcast", Level: "warn", PID: os.Getpid(),
			Msg: fmt.Sprintf("the machine's wall clock was set during the run (by %+.3f s); the times in Apache's logs were placed on the run's own monotonic clock", st.By.Seconds())})
	}
	res.Run = aggregate(s, t0, sched, res, sm.log, notes, fired)
	res.Run.Summary.Measurement = &results.Measurement{
		ModWSGI:        modWSGI,
		Cores:          goruntime.NumCPU(),
		ForeignCPU:     foreignCPU(before, after, goruntime.NumCPU(), ran),
		ApacheCPU:      treeCPU(before, after, srv.pid),
		WSGIScript:     opt.WSGIScript,
		StatusRequests: sm.statusSent(),
		StatusPeriodMS: float64(opt.SamplePeriod) / float64(time.Millisecond),
		MemoryPeriodMS: float64(opt.MemoryPeriod) / float64(time.Millisecond),
		FirstTouches:   touches,
	}
	if placed {
		res.Run.Summary.Measurement.TickPhaseS = phaseAt(ready, t0).Seconds()
	}
	res.Run.Summary.Measurement.StatusDelayMS, res.Run.Summary.Measurement.StatusDelayMemoryMS = sm.statusDelays()
	res.Run.Summary.Measurement.TimerLateMeanMS, res.Run.Summary.Measurement.TimerLateP99MS = gen.lateness()
	if ran > 0 {
		res.Run.Summary.Measurement.ObserverCores = math.Round((selfAfter-selfBefore).Seconds()/ran.Seconds()*1000) / 1000
		m := res.Run.Summary.Measurement
		m.ObserverCoresByInterval = observerByInterval(res.Samples, selfBefore, s.Interval.Duration, len(res.Run.Rows))
		m.ApacheCoresByInterval = apacheByInterval(res.Samples, before, srv.pid, s.Interval.Duration, len(res.Run.Rows))
		m.ForeignCoresByInterval = foreignByInterval(res.Samples, before, srv.pid, selfBefore, s.Interval.Duration, len(res.Run.Rows))
	}
	return res, nil
}

// saveAccessLog copies the run's replay log to path, without what was not
// the clients' traffic: the sampler's and the start-up's server-status
// requests, and the prefork parent's dummy connections that wake a child
// to die ("OPTIONS * HTTP/1.0", mpm_unix.c dummy_connection). It never
// replaces a file.
func saveAccessLog(l Layout, path string) error {
	b, err := os.ReadFile(l.ReplayLogPath())
	if err != nil {
		return fmt.Errorf("the access log: %w", err)
	}
	status := `"GET ` + l.StatusPath()
	never := func([]byte) bool { return false }
	return results.PublishFile(path, never, func(f *os.File) error {
		for _, line := range strings.SplitAfter(string(b), "\n") {
			if line == "" || strings.Contains(line, status) || strings.Contains(line, `"OPTIONS * HTTP/1.0"`) {
				continue
			}
			if _, err := io.WriteString(f, line); err != nil {
				return err
			}
		}
		return nil
	})
}

// interrupted is the error of a cancelled run.
func interrupted(ctx context.Context) error {
	return fmt.Errorf("interrupted (%w); Apache was stopped and its files removed", context.Cause(ctx))
}

// applyEvent performs a scenario event on the running server: apachectl
// graceful (SIGUSR1), restart (SIGHUP) or graceful-stop (SIGWINCH) to the
// parent, or a new mtime on the WSGI script — one daemon group's copy when
// the event names a group, every copy otherwise.
func applyEvent(ev scenarios.Event, srv *server, l Layout) string {
	signal := func(sig syscall.Signal, name string) string {
		if srv.exited() {
			return "event " + ev.Action + ": not applied, Apache has exited"
		}
		syscall.Kill(srv.pid, sig)
		return "event " + ev.Action + ": sent " + name + " to the parent"
	}
	switch ev.Action {
	case "graceful_restart":
		return signal(syscall.SIGUSR1, "SIGUSR1")
	case "restart":
		return signal(syscall.SIGHUP, "SIGHUP")
	case "graceful_stop":
		return signal(syscall.SIGWINCH, "SIGWINCH")
	case "touch_script":
		if l.UserScript != "" {
			return "event touch_script: not applied, forkcast does not touch the user's own script"
		}
		now := time.Now()
		if ev.Group != "" {
			os.Chtimes(l.GroupScript(ev.Group), now, now)
			return "event touch_script: touched the WSGI script of group " + ev.Group
		}
		paths := map[string]bool{l.Script(): true}
		for _, p := range scriptsOf(l) {
			paths[p] = true
		}
		for p := range paths {
			os.Chtimes(p, now, now)
		}
		return "event touch_script: touched the WSGI script"
	}
	return "event " + ev.Action + ": not supported by runtime mode, ignored"
}

// scriptsOf lists the per-group copies of the script in the app directory.
func scriptsOf(l Layout) []string {
	m, _ := filepath.Glob(filepath.Join(l.AppDir(), "group-*.wsgi"))
	return m
}

// warmUp waits until Apache is ready the way the scenario says: daemon
// processes started (and their preloads done), and with embedded preload the
// initial children's imports done. Lazy embedded needs nothing: the first
// request to each child imports, and that is part of what is measured.
func warmUp(ctx context.Context, s *scenarios.Scenario, l Layout, srv *server, timeout time.Duration) error {
	wantDaemons := 0
	for _, d := range s.WSGI.DaemonProcesses {
		wantDaemons += d.Processes
	}
	wantImports := 0
	if s.WSGI.Preload && l.UserScript == "" { // only the synthetic app logs its imports
		for _, g := range usedGroups(s) {
			if scenarios.Embedded(g) {
				wantImports += s.Apache.StartServers
			} else if d := s.WSGI.DaemonProcesses[g]; d != nil {
				wantImports += d.Processes
			}
		}
	}
	deadline := time.Now().Add(timeout)
	for {
		daemons := 0
		for _, p := range groupMembers(srv.pid) {
			if daemonGroup(p) != "" {
				daemons++
			}
		}
		imports := 0
		if b, err := os.ReadFile(l.ImportLog()); err == nil {
			imports = strings.Count(string(b), "\nimport ")
			if strings.HasPrefix(string(b), "import ") {
				imports++
			}
		}
		if daemons >= wantDaemons && imports >= wantImports {
			return nil
		}
		if srv.exited() {
			return fmt.Errorf("apache2 exited while warming up: %s", srv.output.String())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("warm-up incomplete after %v: %d of %d daemon processes, %d of %d preloads", timeout, daemons, wantDaemons, imports, wantImports)
		}
		if !sleepCtx(ctx, 20*time.Millisecond) {
			return ctx.Err()
		}
	}
}

// progressPrinter returns a sampler callback that prints one line a second.
func progressPrinter(w io.Writer, total time.Duration, gen *generator) func(Sample) {
	last := time.Duration(-1)
	return func(s Sample) {
		if s.At/time.Second == last/time.Second && last >= 0 {
			return
		}
		last = s.At
		pss, _, _, _ := s.total(func(p ProcInfo) int64 { return p.PSS })
		fmt.Fprintf(w, "\r%5.0fs / %.0fs  requests sent %d  processes %d (%d daemons)  PSS %.0f MB   ",
			s.At.Seconds(), total.Seconds(), gen.sent.Load(), 1+len(s.Children)+len(s.Daemons), len(s.Daemons), float64(pss)/(1<<20))
	}
}

// MachineMemory returns this machine's RAM and swap in bytes (/proc/meminfo).
func MachineMemory() (ram, swap int64) {
	readKB("/proc/meminfo", func(key string, bytes int64) {
		switch key {
		case "MemTotal":
			ram = bytes
		case "SwapTotal":
			swap = bytes
		}
	})
	return ram, swap
}

// userScript checks the user's WSGI script: it must exist and be readable
// by Apache's user (nobody when started as root).
func userScript(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("--wsgi-script: %w", err)
	}
	if fi.IsDir() {
		return "", fmt.Errorf("--wsgi-script %s: a directory, not a WSGI script", path)
	}
	if os.Geteuid() == 0 && fi.Mode().Perm()&0o004 == 0 {
		return "", fmt.Errorf("--wsgi-script %s: Apache runs as nobody here and cannot read it (mode %v)", path, fi.Mode().Perm())
	}
	return abs, nil
}
