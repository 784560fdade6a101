package models

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

// Simulate runs a resolved scenario and returns its results. The scenario
// runs with the values httpd and mod_wsgi would use (Scenario.Effective).
func Simulate(sc *scenarios.Scenario) (results.Run, error) {
	return SimulateContext(context.Background(), sc)
}

// SimulateContext is Simulate that stops when ctx is done (a deadline, a
// memory limit, Ctrl-C) and returns context.Cause(ctx). A panic inside the
// model is a bug, not the user's mistake: it is returned as an
// *InternalError carrying the stack.
func SimulateContext(ctx context.Context, sc *scenarios.Scenario) (run results.Run, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &InternalError{Value: v, Stack: debug.Stack()}
		}
	}()
	eff, _ := sc.Effective()
	s, err := newServer(&eff)
	if err != nil {
		return results.Run{}, err
	}
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, s.sim.Stop)
		defer stop()
	}
	s.run()
	if s.sim.Stopped() {
		return results.Run{}, context.Cause(ctx)
	}
	return results.Run{Summary: s.stats.summary(), Rows: s.stats.rows, Log: s.logFromLoadStart(), Latencies: s.stats.latencies()}, nil
}

// An InternalError is a panic inside the simulator: a bug in forkcast.
type InternalError struct {
	Value any
	Stack []byte
}

func (e *InternalError) Error() string { return fmt.Sprintf("internal error: %v", e.Value) }

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
