package models

// acceptQueue is the kernel's accept queue of the Listen socket.
type acceptQueue struct {
	fifo[*conn]
	limit int
}

// connect is a connection arriving at the Listen socket. One Listen and
// Linux ≥ 2.2 means no accept mutex (SINGLE_LISTEN_UNSERIALIZED_ACCEPT):
// every child able to accept waits in accept() and the kernel hands the
// connection to one of them, here the one waiting longest. Otherwise the
// connection waits in the accept queue, which holds ListenBacklog+1; beyond
// that the kernel drops the SYN and the client retransmits.
func (s *server) connect(cn *conn) {
	if s.listenClosed {
		if cn.client != nil {
			cn.client.refused(cn)
		}
		return
	}
	if s.cfg.acceptDefer && cn.deferUntil == 0 && !cn.dummy && !cn.clientClosed && (cn.pending == nil || cn.pending.sent > s.sim.Now()) {
		s.deferConn(cn) // AcceptFilter data: nothing to read yet
		return
	}
	cn.refs++ // Apache holds it, accepted or queued, unless the SYN is dropped
	for s.acceptors.len() > 0 {
		c := s.acceptors.pop()
		c.waiting = false
		if c.canAccept() {
			c.accept(cn)
			s.offer(c)
			return
		}
	}
	if s.listen.len() < s.listen.limit {
		s.listen.push(cn)
		s.stats.listenQueue.Set(s.sim.Now(), float64(s.listen.len()))
		return
	}
	if cn.client != nil {
		cn.client.synDropped(cn)
	}
	s.releaseConn(cn)
}

// offer lets child c accept: it takes queued connections while it can, then
// waits in accept().
func (s *server) offer(c *child) {
	for c.canAccept() {
		if s.listen.len() == 0 {
			if !c.waiting {
				c.waiting = true
				s.acceptors.push(c)
			}
			return
		}
		cn := s.listen.pop()
		s.stats.listenQueue.Set(s.sim.Now(), float64(s.listen.len()))
		c.accept(cn)
	}
}

// requestArrives is a client sending a request on an open connection.
func (s *server) requestArrives(cn *conn) {
	w := cn.worker
	switch {
	case cn.deferred:
		s.undefer(cn) // its first data: the kernel completes the connection
	case w != nil && w.status == BusyKeepalive:
		// The next request's first byte: mod_reqtimeout's header stage
		// starts now (reqtimeout_filter's in_keep_alive wait is over).
		w.timer.Stop()
		w.set(BusyRead)
		w.startRead(s.sim.Now())
	case w != nil && w.status == BusyRead && w.req == nil:
		w.timer.Stop()
		w.startRead(w.readStart) // the read began at accept
	case cn.parked:
		// The listener sees the parked connection readable and asks for a
		// worker without blocking; with none free it closes the connection
		// ("the client can re-connect to a different process").
		c := cn.child
		if len(c.idle) == 0 {
			c.closeParked(cn)
			return
		}
		c.unpark(cn)
		c.takeIdle().serve(cn)
	}
	// Otherwise the connection is still in the accept queue, or its worker
	// is busy: the request waits in the socket.
}

// clientClosed is the client closing its side of cn.
func (s *server) clientClosed(cn *conn) {
	w := cn.worker
	switch {
	case cn.deferred:
		s.undefer(cn) // the FIN completes the connection: Apache accepts it and reads EOF
	case w != nil && w.status == BusyKeepalive:
		w.close() // the keep-alive read sees EOF
	case w != nil && w.status == BusyRead && w.req == nil:
		w.close()
	case cn.parked:
		cn.child.closeParked(cn)
	}
	// In the accept queue or being served: Apache finds out later; a
	// request it already has is still served.
}
