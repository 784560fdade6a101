package advise

import (
	"fmt"
	"math"

	"github.com/forkcast/forkcast/scenarios"
)

// alternatives evaluates what a user would otherwise run, under the
// search's replications: the current settings, Debian's defaults for the
// MPM, apache2buddy's formula and mod_wsgi-express's defaults.
func alternatives(e *evaluator, sc *scenarios.Scenario, g Goals) ([]*Candidate, []string, error) {
	type alt struct {
		family, label string
		sets          []scenarios.Override
	}
	var alts []alt
	var notes []string
	alts = append(alts, alt{"current", "current settings", nil})

	// Debian 12's mpm_<mpm>.conf over httpd's compiled-in values; in daemon
	// mode, WSGIDaemonProcess's own defaults (processes=1 threads=15).
	d := scenarios.DefaultApache(sc.Apache.MPM)
	deb := []scenarios.Override{ov("apache.start_servers", d.StartServers), ov("apache.server_limit", d.ServerLimit),
		ov("apache.max_request_workers", d.MaxRequestWorkers)}
	if sc.Apache.Threaded() {
		deb = append(deb, ov("apache.threads_per_child", d.ThreadsPerChild), ov("apache.thread_limit", d.ThreadLimit),
			ov("apache.min_spare_threads", d.MinSpareThreads), ov("apache.max_spare_threads", d.MaxSpareThreads))
	} else {
		deb = append(deb, ov("apache.min_spare_servers", d.MinSpareServers), ov("apache.max_spare_servers", d.MaxSpareServers))
	}
	label := fmt.Sprintf("Debian's defaults (mpm_%s.conf)", sc.Apache.MPM)
	if isDaemon(sc) {
		dp := scenarios.DefaultDaemonProcess()
		key := "wsgi.daemon_process." + quoteKey(sc.WSGI.GroupFor("/"))
		deb = append(deb, ov(key+".processes", dp.Processes), ov(key+".threads", dp.Threads))
		label += fmt.Sprintf(", WSGIDaemonProcess processes=%d threads=%d", dp.Processes, dp.Threads)
	}
	alts = append(alts, alt{"Debian", label, deb})

	// apache2buddy: MaxRequestWorkers = (RAM − other services' RSS) ÷ the
	// largest Apache process's size (apache2buddy.pl
	// generate_standard_report). The scenario has no other services; the
	// largest process is the app's child (or daemon: it runs as the
	// Apache user and is counted as Apache), at its RSS, shared pages
	// counted in full. Prefork only, as apache2buddy itself.
	if sc.Apache.MPM == "prefork" {
		largest := ChildRSSMB(sc, 0)
		if isDaemon(sc) {
			dp := sc.WSGI.DaemonProcesses[sc.WSGI.GroupFor("/")]
			largest = DaemonMB(sc, dp.Threads) + (sc.Host.ApacheSharedText + sc.Host.PythonSharedText).MiBs()
		}
		n := max(int(math.Floor(sc.Host.RAM.MiBs()/largest)), 1)
		sl := max(sc.Apache.ServerLimit, n)
		alts = append(alts, alt{"apache2buddy", fmt.Sprintf("apache2buddy's formula: MaxRequestWorkers = RAM %.0f MB ÷ largest process %.1f MB = %d",
			sc.Host.RAM.MiBs(), largest, n), []scenarios.Override{ov("apache.max_request_workers", n), ov("apache.server_limit", sl)}})
	} else {
		notes = append(notes, "apache2buddy's formula is not shown: apache2buddy computes MaxRequestWorkers for prefork only")
	}

	// mod_wsgi-express's defaults: daemon mode, processes=1 threads=5, its
	// timeouts and backlogs, the event MPM sized by its formula for
	// max_clients = 10 + max(10, 1.5 × processes × threads) = 20 (mod_wsgi
	// src/server/__init__.py, the generated httpd.conf).
	group := "app"
	if isDaemon(sc) {
		group = sc.WSGI.GroupFor("/")
	}
	key := "wsgi.daemon_process." + quoteKey(group)
	express := []scenarios.Override{
		ov("apache.mpm", "event"), ov("apache.threads_per_child", 10), ov("apache.thread_limit", 10),
		ov("apache.server_limit", 2), ov("apache.max_request_workers", 20), ov("apache.start_servers", 1),
		ov("apache.min_spare_threads", 10), ov("apache.max_spare_threads", 21), ov("apache.listen_backlog", 500),
		ov("apache.keep_alive_timeout", "2s"),
		ov("wsgi.process_group", group), ov("wsgi.restrict_embedded", true),
		ov("wsgi.application_group", "%{GLOBAL}"), ov("wsgi.preload", true),
		ov(key+".processes", 1), ov(key+".threads", 5), ov(key+".listen_backlog", 100),
		ov(key+".queue_timeout", "45s"), ov(key+".request_timeout", "60s"), ov(key+".connect_timeout", "15s"),
		ov(key+".socket_timeout", "60s"), ov(key+".startup_timeout", "15s"), ov(key+".shutdown_timeout", "5s"),
		ov(key+".graceful_timeout", "15s"), ov(key+".deadlock_timeout", "60s"),
	}
	alts = append(alts, alt{"mod_wsgi-express", "mod_wsgi-express's defaults: event, daemon mode processes=1 threads=5, queue-timeout=45 request-timeout=60", express})

	var cs []*Candidate
	for _, a := range alts {
		c, err := e.candidate(a.family, a.label, a.sets)
		if err != nil {
			return nil, nil, err
		}
		cs = append(cs, c)
	}
	done, err := e.run("the alternatives", cs...)
	if err != nil {
		return nil, nil, err
	}
	// A cached candidate keeps its search label; the alternative's own
	// name goes on a copy.
	out := make([]*Candidate, len(done))
	for i, c := range done {
		cp := *c
		cp.Family, cp.Label = alts[i].family, alts[i].label
		out[i] = &cp
	}
	return out, notes, nil
}
