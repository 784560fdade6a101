package models

import (
	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
)

// mpmConfig is what the model needs of the MPM configuration, derived from
// the effective directives: the values httpd runs with after the clamps of
// <mpm>_check_config and <mpm>_run (scenarios.Apache.Effective;
// docs/model.md §3.5; num_buckets = 1).
type mpmConfig struct {
	mpm             string
	threadsPerChild int // 1 for prefork
	// slots is the number of process slots maintenance scans: prefork and
	// worker ap_daemons_limit, event ServerLimit.
	slots int
	// activeLimit caps processes that are not shutting down: prefork and
	// worker the slot count, event active_daemons_limit.
	activeLimit        int
	maxRequestWorkers  int
	startServers       int
	minSpare, maxSpare int // processes for prefork, threads for worker and event
	maxConnsPerChild   int
	workerFactor       int // event: AsyncRequestWorkerFactor, used in integer arithmetic
	listenBacklog      int
	keepAlive          bool
	keepAliveTimeout   sim.Time
	maxKeepAlive       int
	timeout            sim.Time
	acceptDefer        bool       // AcceptFilter data: TCP_DEFER_ACCEPT
	reqTimeout         reqTimeout // mod_reqtimeout's header stage
}

func newMPMConfig(a scenarios.Apache) mpmConfig {
	c := mpmConfig{
		mpm:               a.MPM,
		threadsPerChild:   a.ThreadsPerChild,
		maxRequestWorkers: a.MaxRequestWorkers,
		startServers:      a.StartServers,
		maxConnsPerChild:  a.MaxConnectionsPerChild,
		listenBacklog:     a.ListenBacklog,
		keepAlive:         a.KeepAlive,
		keepAliveTimeout:  sim.Time(a.KeepAliveTimeout.Duration),
		maxKeepAlive:      a.MaxKeepAliveRequests,
		timeout:           sim.Time(a.Timeout.Duration),
		acceptDefer:       a.AcceptFilter == "data",
		reqTimeout:        parseReqTimeout(a.RequestReadTimeout),
	}
	if a.MPM == "prefork" {
		c.threadsPerChild = 1
		c.slots = a.MaxRequestWorkers // slots >= ap_daemons_limit are never used
		c.activeLimit = c.slots
		c.minSpare, c.maxSpare = a.MinSpareServers, a.MaxSpareServers
		return c
	}
	c.activeLimit = a.MaxRequestWorkers / a.ThreadsPerChild
	c.slots = c.activeLimit
	if a.MPM == "event" {
		c.slots = a.ServerLimit // event scans every slot; active_daemons_limit caps new ones
		// Every use of AsyncRequestWorkerFactor divides by WORKER_FACTOR_SCALE
		// in integers, so 1.5 behaves like 1.
		c.workerFactor = int(a.AsyncRequestWorkerFactor)
	}
	c.minSpare, c.maxSpare = a.MinSpareThreads, a.MaxSpareThreads
	return c
}

// Apache's log module names and message numbers per MPM
// (docs/model.md §2.5).
type mpmMessages struct {
	module, busy, reached, within, full, start string
	// the whole lines <mpm>_run logs on a graceful restart, a hard
	// restart and a graceful stop
	graceful, hup, stop string
}

var messages = map[string]mpmMessages{
	"prefork": {"mpm_prefork", "AH00162", "AH00161", "", "", "AH00163",
		"AH00171: Graceful restart requested, doing restart",
		"AH00173: SIGHUP received.  Attempting to restart",
		"AH00170: caught SIGWINCH, shutting down gracefully"},
	"worker": {"mpm_worker", "AH00289", "AH00286", "AH00287", "AH00288", "AH00292",
		"AH00297: SIGUSR1 received.  Doing graceful restart",
		"AH00298: SIGHUP received.  Attempting to restart",
		"AH00296: caught SIGWINCH, shutting down gracefully"},
	"event": {"mpm_event", "AH00486", "AH00484", "AH10159", "AH03490", "AH00489",
		"AH00493: SIGUSR1 received.  Doing graceful restart",
		"AH00494: SIGHUP received.  Attempting to restart",
		"AH00492: caught SIGWINCH, shutting down gracefully"},
}
