package models

// A slab hands out zero values of T: values given back with free first,
// then new ones carved from blocks of slabBlock, one allocation per block
// instead of one per value. Requests and connections come from slabs and
// go back to them when they are dead, so a run's memory follows what is
// in flight rather than how many it ever made.
//
// Reuse must never make a stale pointer equal a live one: clients tell a
// stale answer from Apache by identity (r != c.req, cn != c.conn). So a
// value is freed only when nothing that compares or reads it holds it any
// more: requests and connections count their holders (refs), and are
// freed by the release that drops the count to zero (releaseRequest,
// releaseConn). Holders that are dropped without a release (the workers of
// a killed child) clear their pointers.
type slab[T any] struct {
	block  []T
	free   []*T
	live   int  // values handed out and not freed
	made   int  // values carved from blocks
	retain bool // never reuse (as before reuse existed): tests compare
}

const slabBlock = 256

func (s *slab[T]) new() *T {
	s.live++
	if n := len(s.free); n > 0 {
		v := s.free[n-1]
		s.free[n-1] = nil
		s.free = s.free[:n-1]
		return v
	}
	if len(s.block) == 0 {
		s.block = make([]T, slabBlock)
	}
	v := &s.block[0]
	s.block = s.block[1:]
	s.made++
	return v
}

// put zeroes v, which nothing may reference any more, for reuse.
func (s *slab[T]) put(v *T) {
	if s.retain {
		s.live--
		return
	}
	var zero T
	*v = zero
	s.live--
	s.free = append(s.free, v)
}

// A request's holders: the client while it is c.req, the connection while
// it is cn.pending, the Apache worker while it is w.req, and a proxied
// request (daemon mode) until the daemon is done with it.

// holdRequest counts one more holder of r.
func holdRequest(r *request) { r.refs++ }

// releaseRequest drops one holder of r and frees r with the last.
func (s *server) releaseRequest(r *request) {
	switch r.refs--; {
	case r.refs == 0:
		s.requests.put(r)
	case r.refs < 0:
		panic("models: request released more often than held")
	}
}

// A connection's holders: its client while it is c.conn, and Apache from
// the moment it is accepted or queued in the accept queue until the worker
// is done with it (after lingering close), the listener closes it parked,
// or its process is killed.

// releaseConn drops one holder of cn and frees cn with the last, with the
// request still pending on it.
func (s *server) releaseConn(cn *conn) {
	switch cn.refs--; {
	case cn.refs == 0:
		if cn.pending != nil {
			s.releaseRequest(cn.pending)
		}
		if !cn.dummy {
			s.conns.put(cn)
		}
	case cn.refs < 0:
		panic("models: connection released more often than held")
	}
}
