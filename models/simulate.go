package models

import (
	"fmt"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

// Simulate runs a resolved scenario and returns its results. The scenario
// runs with the values httpd and mod_wsgi would use (Scenario.Effective).
func Simulate(sc *scenarios.Scenario) (results.Run, error) {
	eff, _ := sc.Effective()
	s, err := newServer(&eff)
	if err != nil {
		return results.Run{}, err
	}
	s.run()
	return results.Run{Summary: s.stats.summary(), Rows: s.stats.rows, Log: s.logFromLoadStart(), Latencies: s.stats.latencies()}, nil
}

// embeddedRoutes reports whether any URL is served in embedded mode.
func (s *server) embeddedRoutes() bool {
	if scenarios.Embedded(s.sc.WSGI.ProcessGroup) {
		return true
	}
	for _, g := range s.sc.WSGI.Routes {
		if scenarios.Embedded(g) {
			return true
		}
	}
	return false
}

// oomKill is the kernel's OOM killer ending process p.
func (s *server) oomKill(p *process, rss float64) {
	s.stats.oomKills++
	s.log = append(s.log, results.LogLine{At: s.sim.Now().Duration(), Module: "kernel", Level: "error", PID: p.pid,
		Msg: fmt.Sprintf("Out of memory: Killed process %d (apache2) anon-rss:%dkB", p.pid, int(rss/1024))})
	switch o := p.owner.(type) {
	case *child:
		o.kill()
	case *daemonProc:
		o.kill()
	}
}
