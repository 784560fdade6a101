package scenarios

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Allowed names.
var (
	ArrivalProcesses  = []string{"poisson", "constant"}
	PhaseShapes       = []string{"step", "ramp", "sine"}
	EventActions      = []string{"graceful_restart", "restart", "graceful_stop", "touch_script"}
	ApplicationGroups = []string{"%{RESOURCE}", "%{GLOBAL}"}
	AcceptFilters     = []string{"data", "none"}
	WSGIVersions      = []string{"4.9", "5.0", "6.0"}

	// ValidationMetrics are the metrics `simulate validate` reports, the
	// names validate.tolerance accepts. Package validate defines them (its
	// tests check that the two lists agree); see docs/validation.md.
	ValidationMetrics = []string{
		"spawn_timeline", "processes_mae", "peak_processes", "steady_processes",
		"peak_pss", "steady_pss", "pss_mae",
		"latency_p50", "latency_p90", "latency_p99", "throughput",
		"failures_408", "failures_500", "failures_503", "failures_504", "failures_refused", "failures_reset", "failures_client_timeout",
		"recover_time",
		"restart_child_birth", "restart_daemon_birth", "restart_failures", "restart_window_p99",
	}
)

// Compile-time limits of httpd 2.4 (MAX_SERVER_LIMIT and MAX_THREAD_LIMIT in
// prefork.c, worker.c and event.c) and of mod_wsgi (wsgi_add_daemon_process);
// docs/model.md §3.5.
const (
	PreforkMaxServerLimit  = 200000 // prefork MAX_SERVER_LIMIT (the run budget may still refuse such a server)
	ThreadedMaxServerLimit = 20000  // worker and event MAX_SERVER_LIMIT
	WorkerMaxThreadLimit   = 20000  // worker MAX_THREAD_LIMIT
	EventMaxThreadLimit    = 100000 // event MAX_THREAD_LIMIT
	DaemonMaxThreads       = 65533  // WSGIDaemonProcess threads=
)

// Ranges of host constants, wide enough for any real machine and narrow
// enough that no product of them overflows the simulation clock.
const (
	MinCPUSecond   = 1e-3
	MaxCPUSecond   = 1000
	MaxSwapPenalty = 1e4
	MaxCPUs        = 4096
	// The balancer's moves: a rate past a move per 100 µs per task is no
	// scheduler's, and each wait draws the shape's exponentials.
	MaxSchedMigrate      = 1e4
	MaxSchedMigrateShape = 64
)

// Check reports what is wrong with a resolved scenario: values out of range,
// unknown names, and impossible combinations. Values that httpd or mod_wsgi
// silently adjust are not errors: Effective returns them adjusted, with
// warnings. The loader runs Check; the method is not called Validate because
// Scenario.Validate holds the settings of `simulate validate`.
//
// The errors are *Error values without a line (the loader adds lines).
func (s *Scenario) Check() error {
	var errs []error
	for _, p := range s.check() {
		errs = append(errs, &Error{File: s.Source, Key: p.key, Value: p.value, Msg: p.msg})
	}
	return errors.Join(errs...)
}

func (s *Scenario) check() problems {
	var ps problems
	if s.Duration.Duration <= 0 {
		ps.add("duration", s.Duration, "must be positive")
	}
	if s.Interval.Duration <= 0 {
		ps.add("interval", s.Interval, "must be positive")
	} else if s.Interval.Duration > s.Duration.Duration && s.Duration.Duration > 0 {
		ps.addRel("interval", s.Interval, []string{"duration"}, "must not exceed duration (%v): the time series would have no complete row", s.Duration)
	}
	s.Host.check(&ps)
	s.Apache.check(&ps)
	s.WSGI.check(&ps, s)
	s.App.check(&ps)
	s.Workload.check(&ps, s)
	for i, e := range s.Events {
		key := indexKey("event", i)
		if e.At.Duration > s.Duration.Duration {
			ps.addRel(key+".at", e.At, []string{"duration"}, "must be within the run's duration (%v)", s.Duration)
		}
		if !slices.Contains(EventActions, e.Action) {
			ps.add(key+".action", e.Action, "unknown action; expected %s", oneOf(EventActions))
		}
		if e.Group != "" {
			switch {
			case e.Action != "touch_script":
				ps.addRel(key+".group", e.Group, []string{key}, "applies only to touch_script (this event is %s)", e.Action)
			case s.WSGI.DaemonProcesses[e.Group] == nil:
				ps.addRel(key+".group", e.Group, []string{key}, "no daemon process group %q; the groups are %s (\"\" touches the script every process runs)", e.Group, oneOf(s.WSGI.DaemonNames()))
			}
		}
	}
	if s.Validate.Replications < 1 {
		ps.add("validate.replications", s.Validate.Replications, "must be at least 1")
	}
	for _, k := range sortedKeys(s.Validate.Tolerance) {
		key := joinKey("validate.tolerance", k)
		if !slices.Contains(ValidationMetrics, k) {
			msg := "unknown metric"
			if c := closest(k, ValidationMetrics); c != "" {
				msg += "; did you mean " + c + "?"
			}
			ps.add(key, nil, "%s; the metrics are %s", msg, strings.Join(ValidationMetrics, ", "))
			continue
		}
		if v := s.Validate.Tolerance[k]; !(v >= 0) || math.IsInf(v, 0) {
			ps.add(key, v, "must be a finite number, 0 or more")
		}
	}
	return ps
}

func (h Host) check(ps *problems) {
	if h.CPUs < 1 {
		ps.add("host.cpus", h.CPUs, "must be at least 1")
	}
	if h.RAM <= 0 {
		ps.add("host.ram", h.RAM, "must be more than 0")
	}
	if !(h.SwapPenalty >= 1 && h.SwapPenalty <= MaxSwapPenalty) {
		ps.add("host.swap_penalty", h.SwapPenalty, "must be from 1 (swapping costs nothing) to %g", float64(MaxSwapPenalty))
	}
	if h.Somaxconn < 1 {
		ps.add("host.somaxconn", h.Somaxconn, "must be at least 1")
	}
	if !(h.CowSharedFloor >= 0 && h.CowSharedFloor <= 1) {
		ps.add("host.cow_shared_floor", h.CowSharedFloor, "must be a fraction from 0 to 1")
	}
	if !(h.CPUSecond >= MinCPUSecond && h.CPUSecond <= MaxCPUSecond) {
		ps.add("host.cpu_second", h.CPUSecond, "must be from %g to %g (host CPU-seconds per scenario CPU-second)", MinCPUSecond, float64(MaxCPUSecond))
	}
	if !(h.SchedWakePreempt >= 0 && h.SchedWakePreempt <= 1) {
		ps.add("host.sched_wake_preempt", h.SchedWakePreempt, "must be a probability from 0 to 1")
	}
	if !(h.SchedWakeTogether >= 0 && h.SchedWakeTogether <= 1) {
		ps.add("host.sched_wake_together", h.SchedWakeTogether, "must be a correlation from 0 (each woken process on its own) to 1 (all or none)")
	}
	if !(h.SchedMigrate >= 0 && h.SchedMigrate <= MaxSchedMigrate) {
		ps.add("host.sched_migrate", h.SchedMigrate, "must be from 0 (processor sharing) to %g tasks moved a second", float64(MaxSchedMigrate))
	}
	if h.SchedMigrateShape < 0 || h.SchedMigrateShape > MaxSchedMigrateShape {
		ps.add("host.sched_migrate_shape", h.SchedMigrateShape, "must be from 0 (as 1: exponential waits) to %d", MaxSchedMigrateShape)
	}
	if h.CPUs > MaxCPUs {
		ps.add("host.cpus", h.CPUs, "must be at most %d", MaxCPUs)
	}
	if !(h.BackgroundCPU >= 0 && h.BackgroundCPU <= float64(h.CPUs)) {
		ps.add("host.background_cpu", h.BackgroundCPU, "must be from 0 to host.cpus (%d): the cores other processes want", h.CPUs)
	}
	h.ResponseDelay.check(ps, "host.response_delay")
	h.ResponseDelayDaemon.check(ps, "host.response_delay_daemon")
}

func (a Apache) check(ps *problems) {
	for _, c := range []struct {
		key string
		v   int
	}{
		{"start_servers", a.StartServers},
		{"min_spare_servers", a.MinSpareServers},
		{"max_spare_servers", a.MaxSpareServers},
		{"min_spare_threads", a.MinSpareThreads},
		{"max_spare_threads", a.MaxSpareThreads},
		{"threads_per_child", a.ThreadsPerChild},
		{"thread_limit", a.ThreadLimit},
		{"max_request_workers", a.MaxRequestWorkers},
		{"max_connections_per_child", a.MaxConnectionsPerChild},
		{"max_keep_alive_requests", a.MaxKeepAliveRequests},
	} {
		if c.v < 0 {
			ps.add("apache."+c.key, c.v, "cannot be negative")
		}
	}
	if a.MPM == "prefork" {
		if a.ServerLimit < 1 || a.ServerLimit > PreforkMaxServerLimit {
			ps.add("apache.server_limit", a.ServerLimit, "must be from 1 to %d (prefork's MAX_SERVER_LIMIT)", PreforkMaxServerLimit)
		}
		if a.MaxSpareServers < a.MinSpareServers {
			ps.addRel("apache.max_spare_servers", a.MaxSpareServers, []string{"apache.min_spare_servers"},
				"must not be below min_spare_servers (%d); httpd's prefork_run would silently raise MaxSpareServers to MinSpareServers + 1 (%d): write that if you mean it",
				a.MinSpareServers, a.MinSpareServers+1)
		}
	} else {
		if a.ServerLimit < 1 || a.ServerLimit > ThreadedMaxServerLimit {
			ps.add("apache.server_limit", a.ServerLimit, "must be from 1 to %d (%s's MAX_SERVER_LIMIT)", ThreadedMaxServerLimit, a.MPM)
		}
		limit := WorkerMaxThreadLimit
		if a.MPM == "event" {
			limit = EventMaxThreadLimit
		}
		if a.ThreadLimit < 1 || a.ThreadLimit > limit {
			ps.add("apache.thread_limit", a.ThreadLimit, "must be from 1 to %d (%s's MAX_THREAD_LIMIT)", limit, a.MPM)
		} else if a.ThreadsPerChild > a.ThreadLimit {
			ps.addRel("apache.threads_per_child", a.ThreadsPerChild, []string{"apache.thread_limit"},
				"must not exceed thread_limit (%d); httpd would lower ThreadsPerChild to ThreadLimit: raise thread_limit or lower threads_per_child", a.ThreadLimit)
		}
		if a.MaxSpareThreads < a.MinSpareThreads {
			ps.addRel("apache.max_spare_threads", a.MaxSpareThreads, []string{"apache.min_spare_threads"},
				"must not be below min_spare_threads (%d); httpd's %s_run would silently raise MaxSpareThreads to MinSpareThreads + ThreadsPerChild + 1 (%d): write that if you mean it",
				a.MinSpareThreads, a.MPM, a.MinSpareThreads+max(a.ThreadsPerChild, 1)+1)
		}
	}
	if !(a.AsyncRequestWorkerFactor > 0) || math.IsInf(a.AsyncRequestWorkerFactor, 0) {
		ps.add("apache.async_request_worker_factor", a.AsyncRequestWorkerFactor, "must be a positive number (httpd refuses others)")
	}
	if a.ListenBacklog < 1 {
		ps.add("apache.listen_backlog", a.ListenBacklog, "must be at least 1 (httpd refuses others)")
	}
	if a.KeepAlive && a.KeepAliveTimeout.Duration <= 0 {
		ps.addRel("apache.keep_alive_timeout", a.KeepAliveTimeout, []string{"apache.keep_alive"},
			"must be positive when keep_alive = true")
	}
	if a.Timeout.Duration <= 0 {
		ps.add("apache.timeout", a.Timeout, "must be positive")
	}
	if !slices.Contains(AcceptFilters, a.AcceptFilter) {
		ps.add("apache.accept_filter", a.AcceptFilter, "unknown accept filter; expected %s (Linux: data is TCP_DEFER_ACCEPT)", oneOf(AcceptFilters))
	}
	if err := checkRequestReadTimeout(a.RequestReadTimeout); err != nil {
		ps.add("apache.request_read_timeout", a.RequestReadTimeout, "%v", err)
	}
	if a.GracefulShutdownTimeout.Duration < 0 {
		ps.add("apache.graceful_shutdown_timeout", a.GracefulShutdownTimeout, "cannot be negative (0 waits for ever)")
	}
}

// checkRequestReadTimeout checks RequestReadTimeout's arguments as
// mod_reqtimeout's set_reqtimeouts reads them: space-separated
// stage=timeout[-maxtimeout][,MinRate=rate], stage handshake, header or body.
func checkRequestReadTimeout(v string) error {
	for _, f := range strings.Fields(v) {
		stage, val, ok := strings.Cut(f, "=")
		if !ok || !slices.Contains([]string{"handshake", "header", "body"}, strings.ToLower(stage)) {
			return fmt.Errorf("%q: expected handshake=, header= or body= followed by a timeout, e.g. \"header=20-40,MinRate=500 body=20,MinRate=500\" (\"\" without mod_reqtimeout)", f)
		}
		times, rate, hasRate := strings.Cut(val, ",")
		lo, hi, hasHi := strings.Cut(times, "-")
		for _, n := range []string{lo, hi} {
			if n == "" && (n == lo || hasHi) || strings.Trim(n, "0123456789") != "" {
				return fmt.Errorf("%q: a timeout is a whole number of seconds, or a range like 20-40", f)
			}
		}
		if hasRate {
			k, r, ok := strings.Cut(rate, "=")
			if !ok || !strings.EqualFold(k, "minrate") || r == "" || strings.Trim(r, "0123456789") != "" {
				return fmt.Errorf("%q: expected ,MinRate=BYTES-PER-SECOND after the timeout", f)
			}
		}
	}
	return nil
}

func (w WSGI) check(ps *problems, s *Scenario) {
	if !slices.Contains(WSGIVersions, w.Version) {
		ps.add("wsgi.version", w.Version, "unknown mod_wsgi version; expected %s", oneOf(WSGIVersions))
	}
	if !w.LazyInitialization && w.Version == "6.0" {
		ps.addRel("wsgi.lazy_initialization", w.LazyInitialization, []string{"wsgi.version"}, "mod_wsgi 6.0 removed WSGILazyInitialization: Python is never initialised in the parent")
	}
	if !slices.Contains(ApplicationGroups, w.ApplicationGroup) {
		ps.add("wsgi.application_group", w.ApplicationGroup, "unknown application group; expected %s", oneOf(ApplicationGroups))
	}
	defined := w.DaemonNames()
	group := func(key, g string) {
		if Embedded(g) || w.DaemonProcesses[g] != nil {
			return
		}
		msg := fmt.Sprintf("no daemon process group %q; define [wsgi.daemon_process.%s], or use \"\" or \"%%{GLOBAL}\" for embedded mode", g, joinKey("", g))
		if len(defined) > 0 {
			msg += "; defined groups: " + oneOf(defined)
		}
		ps.add(key, g, "%s", msg)
	}
	group("wsgi.process_group", w.ProcessGroup)
	used := map[string]bool{w.ProcessGroup: true}
	for _, p := range sortedKeys(w.Routes) {
		key := joinKey("wsgi.routes", p)
		if !strings.HasPrefix(p, "/") {
			ps.add(key, w.Routes[p], "a route is a URL prefix and must start with \"/\"")
		}
		group(key, w.Routes[p])
		used[w.Routes[p]] = true
	}
	for _, n := range defined {
		d := w.DaemonProcesses[n]
		key := joinKey("wsgi.daemon_process", n)
		if Embedded(n) {
			ps.add(key, nil, "%q cannot name a daemon process group: it means embedded mode", n)
			continue
		}
		if !used[n] {
			ps.add(key, nil, "daemon options without daemon mode: neither wsgi.process_group nor any wsgi.routes value names %q, so no request would reach it; set wsgi.process_group = %q or route a URL prefix to it", n, n)
		}
		if d.Processes < 1 {
			ps.add(key+".processes", d.Processes, "must be at least 1")
		}
		if d.Threads < 0 || d.Threads > DaemonMaxThreads {
			ps.add(key+".threads", d.Threads, "must be from 0 to %d (0 runs no request threads)", DaemonMaxThreads)
		}
		if d.ListenBacklog < 1 {
			ps.add(key+".listen_backlog", d.ListenBacklog, "must be at least 1")
		}
		if d.MaximumRequests < 0 {
			ps.add(key+".maximum_requests", d.MaximumRequests, "cannot be negative (0 means no limit)")
		}
		if d.InterruptTimeout.Duration > 0 && w.Version != "6.0" {
			ps.addRel(key+".interrupt_timeout", d.InterruptTimeout, []string{"wsgi.version"}, "mod_wsgi %s has no interrupt-timeout (WSGIDaemonProcess would refuse it); it came with 6.0: set wsgi.version = \"6.0\" or remove it", w.Version)
		}
	}
}

func (a App) check(ps *problems) {
	checkTimeDist(ps, "app.import_cpu", a.ImportCPU)
	checkTimeDist(ps, "app.import_wait", a.ImportWait)
	for _, u := range sortedKeys(a.URLs) {
		key := joinKey("app.urls", u)
		if !strings.HasPrefix(u, "/") {
			ps.add(key, nil, "a URL path must start with \"/\"")
		}
		c := a.URLs[u]
		checkTimeDist(ps, key+".request_cpu", c.RequestCPU)
		checkTimeDist(ps, key+".request_wait", c.RequestWait)
	}
	checkTimeDist(ps, "app.request_cpu", a.RequestCPU)
	checkTimeDist(ps, "app.request_wait", a.RequestWait)
}

// checkTimeDist requires a distribution of durations (a constant 0 may omit
// the unit).
func checkTimeDist(ps *problems, key string, d Dist) {
	if !d.isTime && !(d.kind == "const" && d.a == 0) {
		ps.add(key, d, "must be a distribution of durations, with a time unit (ns, us, ms, s, m, h), e.g. \"exp(20ms)\"")
	}
}

func (w Workload) check(ps *problems, s *Scenario) {
	if len(w.Populations) == 0 {
		if !slices.Contains(ArrivalProcesses, w.Arrivals) {
			ps.add("workload.arrivals", w.Arrivals, "unknown arrival process; expected %s", oneOf(ArrivalProcesses))
		}
		if len(w.Phases) == 0 {
			ps.add("workload.phase", nil, "at least one [[workload.phase]] is needed: the arrival rate over time (or name populations in [workload.population.NAME])")
		}
		checkPhases(ps, "workload.phase", w.Phases)
	} else if len(w.Phases) > 0 {
		ps.addRel("workload.phase", nil, []string{"workload.population"}, "[[workload.phase]] and [workload.population.NAME] together: with populations, the phases of open traffic belong to an open population ([[workload.population.NAME.phase]])")
	}
	w.Client.check(ps, "workload")
	for _, n := range sortedKeys(w.Populations) {
		w.Populations[n].check(ps, joinKey("workload.population", n), s)
	}
	for _, n := range sortedKeys(w.Observers) {
		key := joinKey("workload.observer", n)
		o := w.Observers[n]
		if o.Kind == "replay" {
			ps.add(key+".kind", o.Kind, "an observer is open or closed traffic (a monitor's requests), not a replay")
			continue
		}
		o.check(ps, key, s)
	}
}

// check checks one population; key is its table's path.
func (p *Population) check(ps *problems, key string, s *Scenario) {
	if !slices.Contains(PopulationKinds, p.Kind) {
		ps.add(key+".kind", p.Kind, "unknown kind of population; expected %s", oneOf(PopulationKinds))
		return
	}
	if p.Start.Duration > s.Duration.Duration {
		ps.addRel(key+".start", p.Start, []string{key, "duration"}, "must be within the run's duration (%v)", s.Duration)
	}
	if p.Stop.Duration != 0 && p.Stop.Duration <= p.Start.Duration {
		ps.addRel(key+".stop", p.Stop, []string{key}, "must be after start (%v), or 0 for the end of the run", p.Start)
	}
	only := func(field string, set bool, kind string) {
		if set {
			ps.addRel(key+"."+field, nil, []string{key}, "applies only to a %s population (this one is %s)", kind, p.Kind)
		}
	}
	only("users", p.Users != 0 && p.Kind != "closed", "closed")
	only("phase", len(p.Phases) > 0 && p.Kind != "open", "open")
	only("log", p.Log != "" && p.Kind != "replay", "replay")
	switch p.Kind {
	case "open":
		if !slices.Contains(ArrivalProcesses, p.Arrivals) {
			ps.add(key+".arrivals", p.Arrivals, "unknown arrival process; expected %s", oneOf(ArrivalProcesses))
		}
		if len(p.Phases) == 0 {
			ps.addRel(key+".phase", nil, []string{key}, "an open population needs at least one [[%s.phase]]: the arrival rate over time, from its start", key)
		}
		checkPhases(ps, key+".phase", p.Phases)
	case "closed":
		if p.Users < 1 || p.Users > MaxUsers {
			ps.addRel(key+".users", p.Users, []string{key}, "a closed population needs from 1 to %d users", MaxUsers)
		}
	case "replay":
		if p.Log == "" {
			ps.addRel(key+".log", nil, []string{key}, "a replay population needs log = \"PATH\": an Apache access log (relative to the scenario file)")
		}
		if p.LogFormat == "" {
			ps.add(key+".log_format", p.LogFormat, "expected \"common\", \"combined\" or a LogFormat string")
		}
		if !(p.Multiply > 0 && p.Multiply <= 1000) {
			ps.add(key+".multiply", p.Multiply, "must be from more than 0 to 1000 (each request of the log is replayed this many times)")
		}
		if !(p.Speed > 0 && p.Speed <= 1e6) {
			ps.add(key+".speed", p.Speed, "must be positive (2 plays the log twice as fast)")
		}
		if !(p.MaxMalformed >= 0 && p.MaxMalformed <= 1) {
			ps.add(key+".max_malformed", p.MaxMalformed, "must be a fraction from 0 to 1")
		}
		if p.WindowEnd.Duration != 0 && p.WindowEnd.Duration <= p.WindowStart.Duration {
			ps.addRel(key+".window_end", p.WindowEnd, []string{key}, "must be after window_start (%v), or 0 for the log's end", p.WindowStart)
		}
	}
	p.Client.check(ps, key)
}

// MaxUsers bounds a closed population.
const MaxUsers = 1_000_000

// checkPhases checks a rate profile; key is the array's path.
func checkPhases(ps *problems, key string, phases []Phase) {
	for i, p := range phases {
		key := indexKey(key, i)
		if p.Duration.Duration <= 0 {
			ps.add(key+".duration", p.Duration, "must be positive")
		}
		if !slices.Contains(PhaseShapes, p.Shape) {
			ps.add(key+".shape", p.Shape, "unknown shape; expected %s", oneOf(PhaseShapes))
		}
		if !(p.Rate >= 0) || math.IsInf(p.Rate, 0) {
			ps.add(key+".rate", p.Rate, "must be a finite number, 0 or more (connections per second)")
		}
		switch p.Shape {
		case "ramp":
			if !(p.To >= 0) || math.IsInf(p.To, 0) {
				ps.add(key+".to", p.To, "must be a finite number, 0 or more (the rate at the end of the ramp)")
			}
		case "sine":
			if !(p.Amplitude >= 0) || math.IsInf(p.Amplitude, 0) {
				ps.add(key+".amplitude", p.Amplitude, "must be a finite number, 0 or more")
			} else if p.Amplitude > p.Rate {
				ps.addRel(key+".amplitude", p.Amplitude, []string{key + ".rate"}, "must not exceed rate (%v): the rate would go negative", p.Rate)
			}
			if p.Period.Duration <= 0 {
				ps.addRel(key+".period", p.Period, []string{key}, "must be positive for a sine phase")
			}
		}
	}
}

// check checks a client's keys; key is the table's path.
func (c Client) check(ps *problems, key string) {
	if c.RequestsPerConnection.isTime || c.RequestsPerConnection.Mean() < 0 {
		ps.add(key+".requests_per_connection", c.RequestsPerConnection, "must be a count distribution without a unit, e.g. \"const(1)\" or \"uniform(1, 10)\" (\"const(0)\": clients that connect and send nothing)")
	}
	checkTimeDist(ps, key+".think_time", c.ThinkTime)
	if c.HeaderBytes < 1 || c.HeaderBytes > 1<<20 {
		ps.add(key+".header_bytes", c.HeaderBytes, "must be from 1 to 1048576 (bytes of a request line and headers)")
	}
	if !(c.StaticFraction >= 0 && c.StaticFraction <= 1) {
		ps.add(key+".static_fraction", c.StaticFraction, "must be a fraction from 0 to 1")
	}
	if len(c.URLs) == 0 {
		ps.add(key+".urls", nil, "at least one dynamic URL with a weight is needed, e.g. urls = { \"/\" = 1 }")
	}
	total := 0.0
	for _, u := range c.URLPaths() {
		total += c.URLs[u]
	}
	if math.IsInf(total, 0) {
		ps.add(key+".urls", map[string]any{}, "the weights add up to more than a float can hold; they are relative, so scale them down")
	}
	for _, u := range c.URLPaths() {
		k := joinKey(key+".urls", u)
		if !strings.HasPrefix(u, "/") {
			ps.add(k, c.URLs[u], "a URL path must start with \"/\"")
		}
		if v := c.URLs[u]; !(v > 0) || math.IsInf(v, 0) {
			ps.add(k, v, "a URL's weight must be a positive number")
		}
	}
	if c.Retries < 0 {
		ps.add(key+".retries", c.Retries, "cannot be negative")
	}
}
