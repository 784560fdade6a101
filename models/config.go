package models

import (
	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
)

// mpmConfig is the MPM configuration httpd actually runs with, after the
// clamps in <mpm>_check_config and <mpm>_run (research/apache-mpm.md §1.1,
// §2.1, §3; num_buckets = 1).
type mpmConfig struct {
	mpm             string
	threadsPerChild int // 1 for prefork
	// slots is the number of process slots scanned by maintenance: prefork
	// and worker ap_daemons_limit, event ServerLimit.
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
}

func newMPMConfig(a scenarios.Apache, h scenarios.Host) mpmConfig {
	c := mpmConfig{
		mpm:              a.MPM,
		maxConnsPerChild: a.MaxConnectionsPerChild,
		keepAlive:        a.KeepAlive,
		keepAliveTimeout: sim.Time(a.KeepAliveTimeout.Duration),
		maxKeepAlive:     a.MaxKeepAliveRequests,
		timeout:          sim.Time(a.Timeout.Duration),
	}
	// Linux caps every listen backlog at net.core.somaxconn.
	c.listenBacklog = min(a.ListenBacklog, h.Somaxconn)
	switch a.MPM {
	case "prefork":
		// prefork_check_config: 1 <= MaxRequestWorkers <= ServerLimit;
		// prefork_run: MaxSpareServers >= MinSpareServers + 1.
		c.threadsPerChild = 1
		c.maxRequestWorkers = clamp(a.MaxRequestWorkers, 1, a.ServerLimit)
		c.slots = c.maxRequestWorkers
		c.activeLimit = c.slots
		c.startServers = clamp(a.StartServers, 1, c.maxRequestWorkers)
		c.minSpare = max(a.MinSpareServers, 1)
		c.maxSpare = max(a.MaxSpareServers, c.minSpare+1)
	default:
		// worker_check_config / event_check_config: ThreadsPerChild in
		// [1, ThreadLimit]; MaxRequestWorkers >= ThreadsPerChild, rounded down
		// to a multiple of it; processes = min(MRW/TPC, ServerLimit);
		// MaxSpareThreads >= MinSpareThreads + ThreadsPerChild + 1.
		tpc := clamp(a.ThreadsPerChild, 1, a.ThreadLimit)
		c.threadsPerChild = tpc
		mrw := max(a.MaxRequestWorkers, tpc) / tpc * tpc
		procs := min(mrw/tpc, a.ServerLimit)
		c.maxRequestWorkers = procs * tpc
		c.activeLimit = procs
		c.slots = procs
		if a.MPM == "event" {
			c.slots = a.ServerLimit
			// set_worker_factor keeps max(value, 1); every use divides by
			// WORKER_FACTOR_SCALE in integers, so 1.5 behaves like 1.
			c.workerFactor = int(max(a.AsyncRequestWorkerFactor, 1))
		}
		c.startServers = clamp(a.StartServers, 1, procs)
		c.minSpare = max(a.MinSpareThreads, 1)
		c.maxSpare = max(a.MaxSpareThreads, c.minSpare+tpc+1)
	}
	return c
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }

// Apache's log module names and message numbers per MPM
// (research/apache-mpm.md §8).
type mpmMessages struct {
	module, busy, reached, within, full, start string
}

var messages = map[string]mpmMessages{
	"prefork": {"mpm_prefork", "AH00162", "AH00161", "", "", "AH00163"},
	"worker":  {"mpm_worker", "AH00289", "AH00286", "AH00287", "AH00288", "AH00292"},
	"event":   {"mpm_event", "AH00486", "AH00484", "AH10159", "AH03490", "AH00489"},
}
