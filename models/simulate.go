package models

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

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
func SimulateContext(ctx context.Context, sc *scenarios.Scenario) (results.Run, error) {
	var m memorySink
	run, err := SimulateInto(ctx, sc, &m)
	run.Rows, run.Log = m.rows, m.log
	return run, err
}

// A Sink takes a run's rows and log lines as the simulation produces them
// (results.Writer writes them to files, so that days of simulated time
// need no more memory than minutes). Log lines are timed from the load's
// start. An error stops the run and is returned.
type Sink interface {
	Row(results.Row) error
	Log(results.LogLine) error
}

// A ProgressSink is a Sink told, after each row, how far the run has got
// (simulated time since the load's start, and the run's duration).
type ProgressSink interface {
	Sink
	Progress(done, total time.Duration)
}

// memorySink keeps everything.
type memorySink struct {
	rows []results.Row
	log  []results.LogLine
}

func (m *memorySink) Row(r results.Row) error     { m.rows = append(m.rows, r); return nil }
func (m *memorySink) Log(l results.LogLine) error { m.log = append(m.log, l); return nil }

// SimulateInto is SimulateContext that gives the rows and log lines to
// sink as they are produced; the returned Run holds the summary and the
// latency histogram.
func SimulateInto(ctx context.Context, sc *scenarios.Scenario, sink Sink) (run results.Run, err error) {
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
	s.sink = sink
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, s.sim.Stop)
		defer stop()
	}
	s.run()
	if s.sinkErr != nil {
		return results.Run{}, s.sinkErr
	}
	if s.sim.Stopped() {
		return results.Run{}, context.Cause(ctx)
	}
	if !s.loaded { // Apache never became ready: flush its start-up log
		s.loadStart, s.loaded = s.sim.Now(), true
		for _, l := range s.early {
			l.At -= s.loadStart.Duration()
			sink.Log(l)
		}
	}
	return results.Run{Summary: s.stats.summary(), Latencies: s.stats.latencies()}, nil
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
	s.logLine(results.LogLine{At: s.sim.Now().Duration(), Module: "kernel", Level: "error", PID: p.pid,
		Msg: fmt.Sprintf("Out of memory: Killed process %d (apache2) anon-rss:%dkB", p.pid, int(rss/1024))})
	switch o := p.owner.(type) {
	case *child:
		o.kill()
	case *daemonProc:
		o.kill()
	}
}
