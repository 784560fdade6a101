package models

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// wrk-benchmark: 50 users back to back for 20 s, then nothing; the
// prefork server snowballs during the benchmark and cools down a child a
// second after it, while event serves the same users with its 3 processes.
func TestWrkBenchmarkAndItsCooldown(t *testing.T) {
	prefork, _, _ := simulateTraced(t, builtin(t, "wrk-benchmark", "prefork"))
	event, _, _ := simulateTraced(t, builtin(t, "wrk-benchmark", "event"))
	completions := column(t, prefork, "completions")
	assert.Zero(t, sum(completions[:5]), "nothing before the benchmark starts")
	assert.Zero(t, sum(column(t, prefork, "arrivals")[25:]), "no user connects after the stop")
	assert.LessOrEqual(t, sum(completions[26:]), 50.0, "after it, only the requests in flight finish: at most one per user")
	children := column(t, prefork, "apache_children")
	assert.Greater(t, maxOf(children), 40.0, "the snowball: dozens of children importing the app")
	assert.Less(t, children[len(children)-1], maxOf(children)-30, "killed one a second after the benchmark")
	assert.Greater(t, sum(column(t, prefork, "kills")[25:]), 30.0)
	assert.LessOrEqual(t, event.Summary.Peak.ApacheChildren, 4)
	assert.Greater(t, event.Summary.Requests.Completed, 5*prefork.Summary.Requests.Completed,
		"a closed benchmark's throughput is its server's: event answers far more")
}

// mixed-site: the crawler of 3 s reports runs from 60 s to 120 s; in daemon
// mode its requests hold daemon threads, so the daemons' queue and busy
// threads rise while it runs.
func TestMixedSiteCrawlerFillsTheDaemons(t *testing.T) {
	run, _, _ := simulateTraced(t, builtin(t, "mixed-site", "daemon"))
	busy := column(t, run, "daemon_busy")
	before, during := maxOf(busy[10:55]), maxOf(busy[70:115])
	assert.Greater(t, during, before+2, "the crawler's reports hold threads: %.1f before, %.1f during", before, during)
	assert.Zero(t, run.Summary.Requests.Failed)
}

// idle-connections: silent connections pin a prefork child each — at once
// with AcceptFilter none, 31 s later with data — and event a thread each.
func TestIdleConnectionsBuiltin(t *testing.T) {
	none, _, _ := simulateTraced(t, builtin(t, "idle-connections", "prefork-none"))
	data, _, _ := simulateTraced(t, builtin(t, "idle-connections", "prefork-data"))
	event, _, _ := simulateTraced(t, builtin(t, "idle-connections", "event-none"))
	noneBusy, dataBusy := column(t, none, "busy"), column(t, data, "busy")
	assert.Greater(t, noneBusy[35], 50.0, "none: ~80 silent connections on children")
	assert.Less(t, dataBusy[35], 10.0, "data: the kernel still holds them")
	assert.Greater(t, dataBusy[60], 50.0, "data: after 31 s, silent still, they reach children")
	assert.Greater(t, none.Summary.Peak.ApacheChildren, 60)
	assert.LessOrEqual(t, event.Summary.Peak.ApacheChildren, 6, "event: threads, not processes")
	assert.Less(t, event.Summary.Peak.PSSMB, none.Summary.Peak.PSSMB/5)
}
