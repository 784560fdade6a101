package models

import (
	"math"
	"strconv"
	"strings"

	"github.com/forkcast/forkcast/sim"
)

// Reading a request, and the connections the kernel holds before Apache
// sees them (docs/model.md §4.9, §4.10).
//
// A worker that starts reading a request (a new connection's first, just
// accepted; a kept-alive connection's next, from its first byte) waits in
// BUSY_READ until the request's line and headers have all arrived: at
// once for most clients, header_time after the first byte for slow ones.
// mod_reqtimeout bounds that wait (mod_reqtimeout.c: reqtimeout_filter,
// extend_timeout): the header stage's timeout counts from the read's
// start, each MinRate bytes received add a second, up to the stage's
// maximum; when it expires Apache logs AH01382 and answers 408 — or, when
// nothing at all arrived, closes the connection (httpd logs a 408 but sends
// nothing). Without mod_reqtimeout only Timeout bounds a read that receives
// nothing; a trickle of bytes resets it.
//
// AcceptFilter http data (Linux: TCP_DEFER_ACCEPT) keeps a new connection
// in the kernel, out of accept() and off every worker, until its first
// data — or its FIN — arrives, or the defer period ends (deferRelease);
// then it joins the accept queue like any other.

// deferRelease returns when the kernel puts a silent connection that
// connected at t into the accept queue under httpd's TCP_DEFER_ACCEPT of
// 30 s (listen.c: ap_apply_accept_filter). The kernel turns 30 s into
// SYN-ACK retransmissions (tcp.c do_tcp_setsockopt: secs_to_retrans, 5:
// 1+2+4+8+16 = 31 s); the client's bare ACKs are dropped until the fifth
// retransmission's (tcp_minisocks.c tcp_check_req,
// inet_connection_sock.c syn_ack_recalc), whose ACK makes the connection
// acceptable. The request's timer is armed at the SYN for 1 s
// (inet_csk_reqsk_queue_hash_add) and, each time it fires, again for
// twice as long from the jiffy it fired at (reqsk_timer_handler). It is a
// timer-wheel timer: calc_wheel_index puts it on the level its delay
// reaches and calc_index rounds its expiry up past the next multiple of
// that level's granularity — with Debian's HZ=250, 32 ms for the 1 s and
// 2 s timers (level 1), 256 ms for the 4, 8 and 16 s ones (level 2) —
// where it fires. So the connection is released on the 256 ms grid of
// the kernel's jiffies, 31.368–31.624 s after it connected (31.496 s on
// average), and connections close together leave together. jiffies is
// where sim time 0 falls in the kernel's 256 ms grid (server.jiffies).
// Measured on this machine: 20 silent connections reached prefork
// children 31.38–31.64 s after they connected, in batches 256 ms apart.
func deferRelease(t, jiffies sim.Time) sim.Time {
	const jiffy = 4 * sim.Millisecond // HZ=250
	j := int64((t + jiffies) / jiffy) // jiffies at the SYN
	timeout := int64(sim.Second / jiffy)
	for range deferRetransmits {
		expires := j + timeout
		shift := wheelShift(timeout) // delta = expires - clk, clk = j
		j = (expires>>shift + 1) << shift
		timeout *= 2
	}
	return sim.Time(j)*jiffy - jiffies
}

// deferRetransmits is secs_to_retrans(30, 1, 120): the SYN-ACK timeouts,
// from 1 s doubling, until they add up to 30 s.
const deferRetransmits = 5

// deferGrid is the granularity of the wheel level of the last defer timer
// (16 s): 64 jiffies of 4 ms.
const deferGrid = 256 * sim.Millisecond

// wheelShift is log2 of the granularity, in jiffies, of the timer-wheel
// level a timer due delta jiffies ahead goes to (kernel/time/timer.c:
// calc_wheel_index, LVL_START(n) = 63 << 3(n-1), LVL_SHIFT(n) = 3n).
func wheelShift(delta int64) uint {
	var shift uint
	for start := int64(63); delta >= start; start <<= 3 {
		shift += 3
	}
	return shift
}

// reqTimeout is mod_reqtimeout's header stage as the model uses it.
type reqTimeout struct {
	on           bool
	timeout, max sim.Time // the stage's timeout and maximum (0: none)
	minRate      float64  // bytes per second that extend it by a second; 0: no extension
}

// parseReqTimeout reads RequestReadTimeout's header stage (set_reqtimeouts:
// header=T[-MAX][,MinRate=R]); a value without one gives mod_reqtimeout's
// built-in header=20-40,MinRate=500 (MRT_DEFAULT_header_*); "" means the
// module is not loaded.
func parseReqTimeout(v string) reqTimeout {
	if strings.TrimSpace(v) == "" {
		return reqTimeout{}
	}
	rt := reqTimeout{on: true, timeout: 20 * sim.Second, max: 40 * sim.Second, minRate: 500}
	for _, f := range strings.Fields(v) {
		stage, val, _ := strings.Cut(f, "=")
		if !strings.EqualFold(stage, "header") {
			continue
		}
		times, rate, hasRate := strings.Cut(val, ",")
		lo, hi, hasHi := strings.Cut(times, "-")
		t, _ := strconv.Atoi(lo)
		rt.timeout, rt.max, rt.minRate = sim.Time(t)*sim.Second, 0, 0
		if hasHi {
			m, _ := strconv.Atoi(hi)
			rt.max = sim.Time(m) * sim.Second
		}
		if hasRate {
			_, r, _ := strings.Cut(rate, "=")
			rt.minRate, _ = strconv.ParseFloat(r, 64)
		}
		if t == 0 {
			rt.on = false // header=0 disables the stage
		}
	}
	return rt
}

// readDeadline is when a read that started at start gives up on a request
// whose first byte arrives at sent (sim.Never: not yet known) and whose
// bytes arrive evenly over header; the read succeeds if the request is
// complete (sent + header) before it.
func (s *server) readDeadline(start, sent, header sim.Time, bytes int) sim.Time {
	rt := s.cfg.reqTimeout
	if !rt.on {
		if timeout := start + s.cfg.timeout; sent > timeout {
			return timeout // Timeout: nothing arrived
		}
		return sim.Never // a trickle of bytes resets Timeout
	}
	base := start + rt.timeout
	maxAt := sim.Never
	if rt.max > 0 {
		maxAt = start + rt.max
	}
	if sent >= base || header <= 0 || rt.minRate <= 0 {
		return base
	}
	// While the bytes arrive, the timeout moves by k seconds per second.
	k := float64(bytes) / (header.Seconds() * rt.minRate)
	if k >= 1 {
		return maxAt
	}
	t := (base.Seconds() - k*sent.Seconds()) / (1 - k)
	return min(sim.FromSeconds(math.Max(t, 0)), maxAt)
}

// startRead begins reading the request pending on the worker's connection
// (the read began at readStart); without one, the worker waits for it.
func (w *worker) startRead(readStart sim.Time) {
	s := w.c.s
	w.readStart = readStart
	r := w.conn.pending
	if r == nil {
		if d := s.readDeadline(readStart, sim.Never, 0, 0); d != sim.Never {
			w.timer.SetFunc(w.readTimedOut)
			w.timer.ResetAt(d)
		}
		return
	}
	done := r.sent + r.header
	if done <= s.sim.Now() {
		w.read(r) // the usual case: the whole request is there
		return
	}
	if d := s.readDeadline(readStart, r.sent, r.header, r.bytes); d < done {
		w.timer.SetFunc(w.readTimedOut)
		w.timer.ResetAt(max(d, s.sim.Now()))
		return
	}
	w.timer.SetFunc(w.readComplete)
	w.timer.ResetAt(done)
}

// readComplete: the last byte of a slow request's headers arrived.
func (w *worker) readComplete() {
	if r := w.conn.pending; r != nil {
		w.read(r)
	}
}

// readTimedOut: mod_reqtimeout (or Timeout) gave up on the request.
// httpd answers 408 only once the request line has arrived: a timeout in
// the header lines fails ap_get_mime_headers_core and ap_read_request
// answers with ap_die(408); a timeout before the request line's end fails
// read_request_line, and ap_read_request "just logs" a 408 in the access
// log and closes the connection without an answer (protocol.c) — the
// client, which sent part of a request, sees it reset. (It logs AH01382
// either way.)
func (w *worker) readTimedOut() {
	s := w.c.s
	if s.cfg.reqTimeout.on {
		s.logf("reqtimeout", "info", w.c.proc.pid, "AH01382: Request header read timeout")
	}
	cn := w.conn
	r := cn.pending
	if r == nil {
		w.close() // nothing arrived
		return
	}
	if s.sim.Now() < r.lineDone() {
		if cl := cn.client; cl != nil && !cn.clientClosed {
			cl.reset(cn)
		}
		w.close()
		return
	}
	cn.pending = nil
	w.req = r
	w.respond(408)
}

// lineDone is when the last byte of the request line ("GET path
// HTTP/1.1\r\n") arrives, its bytes coming evenly over the request's
// header time with the rest.
func (r *request) lineDone() sim.Time {
	if r.header <= 0 || r.bytes <= 0 {
		return r.sent
	}
	line := len("GET ") + len(r.path) + len(" HTTP/1.1\r\n")
	return r.sent + sim.Time(float64(r.header)*math.Min(1, float64(line)/float64(r.bytes)))
}

// deferConn puts a new connection that has sent nothing in the kernel's
// deferred set (AcceptFilter data): it reaches the accept queue when its
// data or FIN comes (undefer), or when the defer period ends.
func (s *server) deferConn(cn *conn) {
	cn.refs++ // the deferred set holds it until deferExpired takes it out
	cn.deferred = true
	cn.deferUntil = deferRelease(s.sim.Now(), s.jiffies)
	s.deferred.push(cn)
	if !s.deferT.Pending() {
		s.deferT.ResetAt(cn.deferUntil)
	}
}

// undefer hands a deferred connection to the accept queue.
func (s *server) undefer(cn *conn) {
	if cn.deferred {
		cn.deferred = false
		s.connect(cn)
	}
}

// deferExpired moves the connections whose defer period is over to the
// accept queue (those already undeferred are skipped: the set is a FIFO
// of deadlines in connection order).
func (s *server) deferExpired() {
	now := s.sim.Now()
	for s.deferred.len() > 0 {
		cn := s.deferred.peek()
		if cn.deferred && cn.deferUntil > now {
			s.deferT.ResetAt(cn.deferUntil)
			return
		}
		s.deferred.pop()
		s.undefer(cn)
		s.releaseConn(cn)
	}
}
