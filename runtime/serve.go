package runtime

import (
	"context"
	"os"
	"time"

	"github.com/forkcast/forkcast/scenarios"
)

// Server is an Apache started by Serve: the scenario's configuration and
// app on 127.0.0.1, without load. Other programs' tests (simulate inspect)
// use it to have a real Apache to look at.
type Server struct {
	Layout Layout
	Pid    int // the parent
	srv    *server
}

// Serve starts Apache for s as Run does (the same configuration, app,
// readiness and warm-up) and returns once it answers. Stop stops it and
// removes its files.
func Serve(ctx context.Context, s *scenarios.Scenario, opt Options) (*Server, error) {
	if opt.StartTimeout <= 0 {
		opt.StartTimeout = 60 * time.Second
	}
	if err := Check(s); err != nil {
		return nil, err
	}
	in, err := Locate(opt.Binary)
	if err != nil {
		return nil, err
	}
	root, err := os.MkdirTemp("", "forkcast-serve-")
	if err != nil {
		return nil, err
	}
	l := Layout{Install: in, Root: root}
	if os.Geteuid() == 0 {
		l.User, l.Group = "nobody", "nogroup"
	}
	fail := func(srv *server, err error) (*Server, error) {
		if srv != nil {
			srv.stop(15 * time.Second)
		}
		os.RemoveAll(root)
		return nil, err
	}
	if err := writeApp(s, l); err != nil {
		return fail(nil, err)
	}
	if l.Port, err = freePort(); err != nil {
		return fail(nil, err)
	}
	conf, err := Config(s, l)
	if err != nil {
		return fail(nil, err)
	}
	if err := os.WriteFile(l.ConfPath(), []byte(conf), 0o644); err != nil {
		return fail(nil, err)
	}
	srv, err := startServer(l)
	if err != nil {
		return fail(nil, err)
	}
	if err := srv.waitReady(ctx, opt.StartTimeout); err != nil {
		return fail(srv, err)
	}
	if err := warmUp(ctx, s, l, srv, opt.StartTimeout); err != nil {
		return fail(srv, err)
	}
	return &Server{Layout: l, Pid: srv.pid, srv: srv}, nil
}

// Stop stops Apache and everything it started, and removes its files.
func (s *Server) Stop() error {
	err := s.srv.stop(15 * time.Second)
	os.RemoveAll(s.Layout.Root)
	return err
}
