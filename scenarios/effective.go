package scenarios

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Effective returns the scenario as httpd, mod_wsgi and the kernel would run
// it, and a warning for each value they would change or ignore. The
// simulator follows the effective values; the warnings are shown by
// `simulate check` and in a run's summary. What Effective changes:
//
//   - the Apache directives, as Apache.Effective does;
//   - apache.listen_backlog and each daemon group's listen_backlog are capped
//     at host.somaxconn (Linux truncates listen()'s backlog silently);
//   - a daemon group's socket_timeout of 0 becomes apache.timeout, as
//     mod_wsgi does.
//
// It warns, without changing anything, about daemon groups without request
// threads, daemon timeouts that never fire because mod_wsgi starts no
// monitor thread, URLs that WSGIRestrictEmbedded answers with 500, and
// phases that outlast the run.
func (s *Scenario) Effective() (Scenario, []string) {
	e := *s
	var warns []string
	warnf := func(format string, a ...any) { warns = append(warns, fmt.Sprintf(format, a...)) }

	var aw []string
	e.Apache, aw = s.Apache.Effective()
	warns = append(warns, aw...)

	if e.Apache.ListenBacklog > s.Host.Somaxconn {
		warnf("apache.listen_backlog %d exceeds host.somaxconn %d: the kernel silently caps the backlog at %d",
			e.Apache.ListenBacklog, s.Host.Somaxconn, s.Host.Somaxconn)
		e.Apache.ListenBacklog = s.Host.Somaxconn
	}

	if s.WSGI.DaemonProcesses != nil {
		e.WSGI.DaemonProcesses = make(map[string]*DaemonProcess, len(s.WSGI.DaemonProcesses))
	}
	for _, n := range s.WSGI.DaemonNames() {
		d := *s.WSGI.DaemonProcesses[n]
		key := joinKey("wsgi.daemon_process", n)
		if d.ListenBacklog > s.Host.Somaxconn {
			warnf("%s.listen_backlog %d exceeds host.somaxconn %d: the kernel silently caps the backlog at %d",
				key, d.ListenBacklog, s.Host.Somaxconn, s.Host.Somaxconn)
			d.ListenBacklog = s.Host.Somaxconn
		}
		if d.SocketTimeout.Duration == 0 {
			d.SocketTimeout = e.Apache.Timeout
		}
		if d.Threads == 0 {
			warnf("%s.threads = 0: the group runs no request threads (service-script mode), so requests routed to it are never served", key)
		}
		if d.DeadlockTimeout.Duration == 0 && d.InactivityTimeout.Duration == 0 {
			var dead []string
			for _, t := range []struct {
				name string
				v    Duration
			}{
				{"request_timeout", d.RequestTimeout},
				{"startup_timeout", d.StartupTimeout},
				{"restart_interval", d.RestartInterval},
				{"graceful_timeout", d.GracefulTimeout},
			} {
				if t.v.Duration > 0 {
					dead = append(dead, t.name)
				}
			}
			if len(dead) > 0 {
				warnf("%s: with deadlock_timeout and inactivity_timeout both 0, mod_wsgi starts no monitor thread, so %s never fire",
					key, strings.Join(dead, ", "))
			}
		}
		e.WSGI.DaemonProcesses[n] = &d
	}

	if s.WSGI.RestrictEmbedded {
		var embedded []string
		for _, u := range s.Workload.URLPaths() {
			if Embedded(s.WSGI.GroupFor(u)) {
				embedded = append(embedded, u)
			}
		}
		if len(embedded) > 0 {
			warnf("wsgi.restrict_embedded = true but %s would run in embedded mode: mod_wsgi answers those requests with 500",
				strings.Join(embedded, ", "))
		}
	}

	var total time.Duration
	for _, p := range s.Workload.Phases {
		total += p.Duration.Duration
	}
	if total > s.Duration.Duration {
		warnf("the workload's phases last %v but the run stops at %v: the rest is never reached", total, s.Duration)
	}
	return e, warns
}

// Effective returns the MPM directives httpd would actually use, following
// <mpm>_check_config and <mpm>_run (docs/model.md §3.5),
// and a warning for each value httpd changes (logged as a startup WARNING,
// or silently where the text says so) or ignores because the MPM does not
// have the directive. Negative values and the errors Check reports are not
// repaired beyond what httpd itself does.
func (a Apache) Effective() (Apache, []string) {
	e := a
	var warns []string
	warnf := func(format string, args ...any) { warns = append(warns, fmt.Sprintf(format, args...)) }
	def := DefaultApache(a.MPM)

	if a.MPM == "prefork" {
		if a.ThreadsPerChild != def.ThreadsPerChild || a.ThreadLimit != def.ThreadLimit ||
			a.MinSpareThreads != def.MinSpareThreads || a.MaxSpareThreads != def.MaxSpareThreads {
			warnf("threads_per_child, thread_limit, min_spare_threads and max_spare_threads are ignored: prefork runs one thread per process")
		}
		if a.AsyncRequestWorkerFactor != def.AsyncRequestWorkerFactor {
			warnf("async_request_worker_factor is ignored: it is an event directive")
		}
		e.ThreadsPerChild, e.ThreadLimit = 1, 1
		e.MinSpareThreads, e.MaxSpareThreads = 0, 0

		// prefork_check_config
		if e.ServerLimit > PreforkMaxServerLimit {
			warnf("ServerLimit of %d exceeds compile-time limit of %d servers, decreasing to %d", e.ServerLimit, PreforkMaxServerLimit, PreforkMaxServerLimit)
			e.ServerLimit = PreforkMaxServerLimit
		} else if e.ServerLimit < 1 {
			warnf("ServerLimit of %d not allowed, increasing to 1", e.ServerLimit)
			e.ServerLimit = 1
		}
		if e.MaxRequestWorkers > e.ServerLimit {
			warnf("MaxRequestWorkers of %d exceeds ServerLimit value of %d servers, decreasing MaxRequestWorkers to %d (httpd logs this at startup; raise server_limit to allow more)",
				e.MaxRequestWorkers, e.ServerLimit, e.ServerLimit)
			e.MaxRequestWorkers = e.ServerLimit
		} else if e.MaxRequestWorkers < 1 {
			warnf("MaxRequestWorkers of %d not allowed, increasing to 1", e.MaxRequestWorkers)
			e.MaxRequestWorkers = 1
		}
		if e.StartServers < 1 {
			warnf("StartServers of %d not allowed, increasing to 1", e.StartServers)
			e.StartServers = 1
		}
		if e.MinSpareServers < 1 {
			warnf("MinSpareServers of %d not allowed, increasing to 1 to avoid almost certain server failure", e.MinSpareServers)
			e.MinSpareServers = 1
		}
		// prefork_run, with one listener bucket
		if e.StartServers > e.MaxRequestWorkers {
			warnf("StartServers %d is above MaxRequestWorkers %d: prefork silently starts only %d children", e.StartServers, e.MaxRequestWorkers, e.MaxRequestWorkers)
			e.StartServers = e.MaxRequestWorkers
		}
		if e.MaxSpareServers < e.MinSpareServers+1 {
			warnf("MaxSpareServers %d is below MinSpareServers + 1: prefork_run silently raises it to %d", e.MaxSpareServers, e.MinSpareServers+1)
			e.MaxSpareServers = e.MinSpareServers + 1
		}
		return e, warns
	}

	// worker and event
	if a.MinSpareServers != def.MinSpareServers || a.MaxSpareServers != def.MaxSpareServers {
		warnf("min_spare_servers and max_spare_servers are ignored: %s counts idle threads (min_spare_threads, max_spare_threads)", a.MPM)
	}
	if a.MPM == "worker" && a.AsyncRequestWorkerFactor != def.AsyncRequestWorkerFactor {
		warnf("async_request_worker_factor is ignored: it is an event directive")
	}
	e.MinSpareServers, e.MaxSpareServers = 0, 0
	maxThreads := WorkerMaxThreadLimit
	if a.MPM == "event" {
		maxThreads = EventMaxThreadLimit
	}

	// <mpm>_check_config
	if e.ServerLimit > ThreadedMaxServerLimit {
		warnf("ServerLimit of %d exceeds compile-time limit of %d servers, decreasing to %d", e.ServerLimit, ThreadedMaxServerLimit, ThreadedMaxServerLimit)
		e.ServerLimit = ThreadedMaxServerLimit
	} else if e.ServerLimit < 1 {
		warnf("ServerLimit of %d not allowed, increasing to 1", e.ServerLimit)
		e.ServerLimit = 1
	}
	if e.ThreadLimit > maxThreads {
		warnf("ThreadLimit of %d exceeds compile-time limit of %d threads, decreasing to %d", e.ThreadLimit, maxThreads, maxThreads)
		e.ThreadLimit = maxThreads
	} else if e.ThreadLimit < 1 {
		warnf("ThreadLimit of %d not allowed, increasing to 1", e.ThreadLimit)
		e.ThreadLimit = 1
	}
	if e.ThreadsPerChild > e.ThreadLimit {
		warnf("ThreadsPerChild of %d exceeds ThreadLimit of %d threads, decreasing to %d", e.ThreadsPerChild, e.ThreadLimit, e.ThreadLimit)
		e.ThreadsPerChild = e.ThreadLimit
	} else if e.ThreadsPerChild < 1 {
		warnf("ThreadsPerChild of %d not allowed, increasing to 1", e.ThreadsPerChild)
		e.ThreadsPerChild = 1
	}
	if e.MaxRequestWorkers < e.ThreadsPerChild {
		warnf("MaxRequestWorkers of %d is less than ThreadsPerChild of %d, increasing to %d; MaxRequestWorkers must be at least as large as the number of threads in a single server",
			e.MaxRequestWorkers, e.ThreadsPerChild, e.ThreadsPerChild)
		e.MaxRequestWorkers = e.ThreadsPerChild
	}
	daemons := e.MaxRequestWorkers / e.ThreadsPerChild
	if r := e.MaxRequestWorkers % e.ThreadsPerChild; r != 0 {
		warnf("MaxRequestWorkers of %d is not an integer multiple of ThreadsPerChild of %d, decreasing to nearest multiple %d, for a maximum of %d servers",
			e.MaxRequestWorkers, e.ThreadsPerChild, daemons*e.ThreadsPerChild, daemons)
		e.MaxRequestWorkers = daemons * e.ThreadsPerChild
	}
	if daemons > e.ServerLimit {
		warnf("MaxRequestWorkers of %d would require %d servers and would exceed ServerLimit of %d, decreasing to %d; to increase, raise server_limit",
			e.MaxRequestWorkers, daemons, e.ServerLimit, e.ServerLimit*e.ThreadsPerChild)
		e.MaxRequestWorkers = e.ServerLimit * e.ThreadsPerChild
		daemons = e.ServerLimit
	}
	if e.StartServers < 1 {
		warnf("StartServers of %d not allowed, increasing to 1", e.StartServers)
		e.StartServers = 1
	}
	if e.MinSpareThreads < 1 {
		warnf("MinSpareThreads of %d not allowed, increasing to 1 to avoid almost certain server failure", e.MinSpareThreads)
		e.MinSpareThreads = 1
	}
	// <mpm>_run, with one listener bucket
	if e.StartServers > daemons {
		warnf("StartServers %d is above MaxRequestWorkers / ThreadsPerChild = %d: %s silently starts only %d processes", e.StartServers, daemons, a.MPM, daemons)
		e.StartServers = daemons
	}
	if least := e.MinSpareThreads + e.ThreadsPerChild + 1; e.MaxSpareThreads < least {
		warnf("MaxSpareThreads %d is below MinSpareThreads + ThreadsPerChild + 1: %s_run silently raises it to %d", e.MaxSpareThreads, a.MPM, least)
		e.MaxSpareThreads = least
	}
	if a.MPM == "event" {
		// set_worker_factor stores the factor * 16, at least 16, and every
		// use divides it by 16 as integers.
		f := math.Floor(max(e.AsyncRequestWorkerFactor, 1))
		if f != e.AsyncRequestWorkerFactor && e.AsyncRequestWorkerFactor > 0 {
			warnf("AsyncRequestWorkerFactor %v behaves as %v: event keeps it as an integer multiple of 1/16 and divides by 16 as integers", e.AsyncRequestWorkerFactor, f)
			e.AsyncRequestWorkerFactor = f
		}
	}
	return e, warns
}

// MaxProcesses returns the most Apache child processes that serve requests
// at once under the effective settings: MaxRequestWorkers for prefork,
// MaxRequestWorkers / ThreadsPerChild for worker and event (ap_daemons_limit,
// active_daemons_limit). Children finishing a graceful restart may come on
// top (docs/model.md §2.3, §3.4).
func (a Apache) MaxProcesses() int {
	e, _ := a.Effective()
	if e.MPM == "prefork" {
		return e.MaxRequestWorkers
	}
	return e.MaxRequestWorkers / e.ThreadsPerChild
}
