package workload

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// ReplayOptions say which part of a log to replay, how much and how fast.
type ReplayOptions struct {
	// WindowStart and WindowEnd cut the log: an entry is replayed when its
	// time, as an offset from the log's origin, is in [WindowStart,
	// WindowEnd). The origin is the start of the second of the log's
	// earliest entry (the first in time order once the look-ahead has
	// reordered the first lines). WindowEnd 0
	// means to the end of the log. For a log of 1 s resolution both bounds
	// are rounded up to whole seconds, so a window holds whole seconds of
	// the log. The replay's time 0 is the window's start, and reading stops
	// once the window has passed.
	WindowStart, WindowEnd time.Duration

	// Rate k multiplies the traffic: each entry in the window is replayed
	// ⌊k⌋ times, plus once more with probability k − ⌊k⌋, drawn from the
	// stream given to NewReplay (one Float64 per entry in the window, in
	// replay order, only when k is not a whole number). So k = 3 triples
	// every second's arrivals exactly and k = 0.5 keeps each entry with
	// probability ½. Entries are drawn one by one, so thinning a
	// keep-alive connection may leave gaps in it. The copies of an entry
	// are separate clients, each on its own connection (ReplayRequest.Copy
	// numbers them): with a log of 1 s resolution they are spread over the
	// second with the rest of its requests; with a finer log they arrive
	// at the entry's own instant, one after another in copy order. 0 means
	// 1; at most 1000.
	Rate float64

	// Speed compresses time: the replay's instants are the log's offsets
	// from the window's start divided by Speed, so 2 replays the log twice
	// as fast (the same requests in half the time). 0 means 1; from 0.001
	// to 10⁶.
	Speed float64

	// MaxMalformed is the share of malformed lines (of the lines read)
	// past which the replay is refused: Err then returns a
	// *MalformedLogError naming the log, the count and the first bad
	// lines. 0 refuses any malformed line, 1 accepts any share. The share
	// is known only once the log has been read, so the refusal comes after
	// the last request; CheckLog gives it before a run.
	MaxMalformed float64

	// LookAhead bounds the reordering. Lines are written when requests
	// complete but carry the time they were received, so a slow request's
	// line comes after lines of later requests. The replay holds the
	// entries of the last LookAhead of log time and yields a request only
	// once an entry more than LookAhead newer has been read, so it yields
	// every request in time order as long as no line is written more than
	// LookAhead after its request arrived. An entry older than a request
	// already yielded is counted as out of order and dropped, never moved
	// (OutOfOrder names the first ones). Memory is the entries of one
	// LookAhead of log time, 80 bytes each: at 1000 requests/s and 60 s,
	// 60 000 entries, about 5 MB, whatever the log's length. 0 means 60 s;
	// at most 1 h.
	LookAhead time.Duration

	// Static says whether a path is a static file; nil means IsStaticPath.
	Static func(path string) bool
}

// A ReplayRequest is one request of the replay.
type ReplayRequest struct {
	// At is when the request is sent: since the replay's start (the
	// window's start), after Speed. Requests come in order of At.
	At time.Duration

	Method, Path string // as logged; Path is the target with its query string
	Static       bool   // ReplayOptions.Static(Path), by default IsStaticPath

	// Conn is a connection key: requests that share it are sent one after
	// another on one keep-alive connection. It is (connection << 10) |
	// Copy, connections numbered from 1 in the order the replay first
	// uses them. Without %k every request is its own connection. With %k,
	// a request logged with %k = n > 0 continues the connection of the
	// same client (%h, and %{remote}p when logged) whose latest request
	// had %k = n − 1 — the latest such connection when several match,
	// since a client behind one address may hold many. A request with %k
	// = 0 starts a connection. A request with %k = n > 0 that finds no
	// such connection (its predecessor came before the log began, was out
	// of order, or left the look-ahead long before) starts one too and is
	// counted in ReplayStats.Orphans (see LastOnConn). Connections are
	// matched in the log's order, which is the order requests completed:
	// on one connection, a request completes and is logged before the next
	// is read. One special case follows ap_set_keepalive: a request that
	// ends a connection (%X '-' or 'X') for another reason than
	// MaxKeepAliveRequests is not counted in c->keepalives, so it logs the
	// same %k as the request before it; such a request continues the
	// latest connection whose latest request had the same %k and %X '+'.
	// With %k = 0 this case cannot be told from a new connection, which is
	// what it is taken for, unless the client's port is logged: a client
	// cannot open a connection from the (address, port) of one still open.
	Conn uint64
	Copy int // which copy of the log entry (0 … ⌈Rate⌉−1)

	// LastOnConn is true when no request follows on Conn: the log says the
	// server closed the connection (%X '-' or 'X'), or the format has no
	// %k, or no later request of the connection came in the log before a
	// line more than LookAhead newer than this one (then a later request
	// with %k = n + 1 starts a new connection, as an orphan). When it is
	// false a later request on the same connection follows in the log; it
	// may not follow in the replay when the window ends first, or for a
	// copy or under a rate below 1, since each entry is drawn on its own:
	// a client then keeps the connection open until the server's
	// KeepAliveTimeout closes it, as a browser does.
	LastOnConn bool
	// KeptAlive is true when the log says Apache kept the connection
	// alive after this request (%X '+'). On a LastOnConn request it means
	// the client did not close: it left the connection open and idle, as
	// a browser does, and Apache closed it after KeepAliveTimeout (or
	// event parked it). Replays keep such a connection open until the
	// server closes it, so that it holds a prefork child or worker thread
	// in keep-alive as it did when the log was written. Without %X in the
	// format it is false and the client closes after its last request.
	KeptAlive bool

	Line   int           // the entry's line in the log
	Status int           // the status the log recorded (reported, not replayed)
	Served time.Duration // the service time the log recorded, -1 when absent (reported, never a cost)
}

// ReplayStats count what a replay has done so far.
type ReplayStats struct {
	Lines      int // lines read
	Entries    int // well-formed entries read
	Malformed  int // malformed lines, skipped
	NoRequest  int // entries without a request (%r "-" or not HTTP), skipped
	OutOfOrder int // entries older than a request already yielded, dropped
	Window     int // entries outside the window (those after its end only up to where reading stopped)
	Thinned    int // entries in the window the rate draw left out
	Replayed   int // entries in the window replayed at least once
	Duplicates int // copies beyond each entry's first
	Requests   int // requests yielded
	Conns      int // connections yielded (without copies)
	Orphans    int // %k > 0 entries whose connection was not found: they start one
}

// A Replay turns an access log into traffic, streaming: it reads the log as
// it is consumed and its memory does not grow with the log's length.
type Replay struct {
	rd     *LogReader
	name   string
	o      ReplayOptions
	rng    *rand.Rand
	res    time.Duration
	look   int64
	static func(string) bool

	heap      []pending
	maxKey    int64
	eof, done bool
	finished  bool
	err       error

	started   bool
	origin    int64 // ns since the Epoch
	ws, we    int64 // window bounds, ns since the Epoch
	hasEnd    bool
	watermark int64 // entries with key < watermark are out of order

	conns    map[connKey][]*conn
	nextConn uint64

	group  []pending
	copies []int
	out    []ReplayRequest
	next   int

	stats      ReplayStats
	outOfOrder []LineError
}

// pending is an entry waiting in the look-ahead.
type pending struct {
	key    int64 // the instant in ns, floored to the second for a 1 s log
	at     int64
	line   int
	method string
	path   string
	status int
	served time.Duration
	x      byte // %X
	c      *conn
}

// A conn is a keep-alive connection of the log.
type conn struct {
	key    connKey // its bucket: client and the %k of its latest request
	id     uint64  // 0 until first yielded
	latest int     // line of its latest request
	lastX  byte    // %X of its latest request
	open   bool    // in a bucket, waiting for more
}

type connKey struct {
	host string
	port int
	k    int
}

const (
	maxRate          = 1000
	copyBits         = 10 // Conn = connection<<copyBits | Copy
	defaultLookAhead = 60 * time.Second
)

// NewReplay prepares the replay of the log read from r, in format f; name
// is how messages name the log. rng is the stream of the rate draws; it
// may be nil when Rate is a whole number.
func NewReplay(r io.Reader, name string, f *LogFormat, o ReplayOptions, rng *rand.Rand) (*Replay, error) {
	if f == nil || !f.HasTime() {
		return nil, fmt.Errorf("%s: the log format has no time; a replay needs %%t or %%{…}t", name)
	}
	if err := o.check(rng); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if o.Rate == 0 {
		o.Rate = 1
	}
	if o.Speed == 0 {
		o.Speed = 1
	}
	if o.LookAhead == 0 {
		o.LookAhead = defaultLookAhead
	}
	rp := &Replay{
		rd: NewLogReader(r, name, f), name: name, o: o, rng: rng,
		res: f.Resolution(), look: int64(o.LookAhead), static: o.Static,
		maxKey: math.MinInt64, conns: make(map[connKey][]*conn),
	}
	if rp.static == nil {
		rp.static = IsStaticPath
	}
	return rp, nil
}

func (o ReplayOptions) check(rng *rand.Rand) error {
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	switch {
	case o.WindowStart < 0 || o.WindowEnd < 0:
		return fmt.Errorf("window_start and window_end must not be negative (%v, %v)", o.WindowStart, o.WindowEnd)
	case o.WindowEnd != 0 && o.WindowEnd <= o.WindowStart:
		return fmt.Errorf("window_end (%v) must be after window_start (%v)", o.WindowEnd, o.WindowStart)
	case bad(o.Rate) || o.Rate < 0 || o.Rate > maxRate:
		return fmt.Errorf("rate = %g: must be more than 0 and at most %d", o.Rate, maxRate)
	case bad(o.Speed) || o.Speed < 0 || (o.Speed != 0 && (o.Speed < 0.001 || o.Speed > 1e6)):
		return fmt.Errorf("speed = %g: must be from 0.001 to 1e6", o.Speed)
	case bad(o.MaxMalformed) || o.MaxMalformed < 0 || o.MaxMalformed > 1:
		return fmt.Errorf("max_malformed = %g: must be a share from 0 to 1", o.MaxMalformed)
	case o.LookAhead < 0 || o.LookAhead > time.Hour:
		return fmt.Errorf("look-ahead %v: must be from 0 to 1h", o.LookAhead)
	case rng == nil && o.Rate != math.Trunc(o.Rate):
		return fmt.Errorf("rate = %g is not a whole number, so the replay needs a random stream", o.Rate)
	}
	return nil
}

// Next returns the next request in time order, or false at the end (then
// Err says whether the replay was complete).
func (r *Replay) Next() (ReplayRequest, bool) {
	for r.next >= len(r.out) {
		if !r.advance() {
			return ReplayRequest{}, false
		}
	}
	q := r.out[r.next]
	r.next++
	return q, true
}

// Err returns, after the end, why the replay is not to be trusted: an
// error reading the log, a *MalformedLogError when there are more
// malformed lines than MaxMalformed allows, a log without entries, or a
// window that holds none of its requests.
func (r *Replay) Err() error { return r.err }

// Stats returns the counters so far.
func (r *Replay) Stats() ReplayStats {
	s := r.stats
	s.Lines, s.Malformed = r.rd.Lines(), r.rd.Bad()
	return s
}

// Malformed returns the first malformed lines (at most ten).
func (r *Replay) Malformed() []LineError { return r.rd.Malformed() }

// OutOfOrder returns the first entries dropped as out of order (at most
// ten).
func (r *Replay) OutOfOrder() []LineError { return r.outOfOrder }

// Origin returns the log's instant that the window offsets count from
// (the zero Time before the first request).
func (r *Replay) Origin() time.Time {
	if !r.started {
		return time.Time{}
	}
	return time.Unix(0, r.origin).UTC()
}

// advance fills out with the requests of the next entry (of a 1 s log: of
// the next second); false at the end.
func (r *Replay) advance() bool {
	r.out, r.next = r.out[:0], 0
	if r.done {
		return false
	}
	for !r.eof && (len(r.heap) == 0 || r.heap[0].key+r.look >= r.maxKey) {
		r.read()
	}
	if len(r.heap) == 0 {
		r.finish()
		return false
	}
	key := r.heap[0].key
	if !r.started {
		r.start(key)
	}
	r.group = r.group[:0]
	if r.res >= time.Second {
		for len(r.heap) > 0 && r.heap[0].key == key {
			r.group = append(r.group, r.pop())
		}
		r.watermark = key + 1
	} else {
		r.group = append(r.group, r.pop())
		r.watermark = key
	}
	if r.hasEnd && key >= r.we {
		r.stats.Window += len(r.group) + len(r.heap)
		r.heap = r.heap[:0]
		r.finish()
		return false
	}
	inWindow := key >= r.ws
	r.copies = r.copies[:0]
	total := 0
	for range r.group {
		n := 0
		if inWindow {
			n = r.draw()
		}
		r.copies = append(r.copies, n)
		total += n
	}
	seq := 0
	for i := range r.group {
		p := &r.group[i]
		last := r.lastOnConn(p)
		if !inWindow {
			r.stats.Window++
			continue
		}
		n := r.copies[i]
		if n == 0 {
			r.stats.Thinned++
			continue
		}
		r.stats.Replayed++
		r.stats.Duplicates += n - 1
		id := r.connID(p)
		static := r.static(p.path)
		for j := 0; j < n; j++ {
			at := p.at
			if r.res >= time.Second {
				// Spread the second's requests evenly, in log order.
				at = key + int64(seq)*int64(time.Second)/int64(total)
			}
			seq++
			r.out = append(r.out, ReplayRequest{
				At: r.scale(at - r.ws), Method: p.method, Path: p.path, Static: static,
				Conn: id<<copyBits | uint64(j), Copy: j, LastOnConn: last, KeptAlive: p.x == '+',
				Line: p.line, Status: p.status, Served: p.served,
			})
		}
	}
	r.stats.Requests += len(r.out)
	return true
}

// draw returns how many times an entry is replayed.
func (r *Replay) draw() int {
	k := r.o.Rate
	n := math.Floor(k)
	if k > n && r.rng.Float64() < k-n {
		n++
	}
	return int(n)
}

func (r *Replay) scale(d int64) time.Duration {
	if r.o.Speed == 1 {
		return time.Duration(d)
	}
	return time.Duration(math.Round(float64(d) / r.o.Speed))
}

func (r *Replay) start(key int64) {
	r.started = true
	r.origin = floorSecond(key)
	ws, we := r.o.WindowStart, r.o.WindowEnd
	if r.res >= time.Second {
		ws, we = ceilSecond(ws), ceilSecond(we)
	}
	r.ws = r.origin + int64(ws)
	r.we, r.hasEnd = r.origin+int64(we), we > 0
}

// read reads one entry into the look-ahead.
func (r *Replay) read() {
	e, err := r.rd.Next()
	if err != nil {
		r.eof = true
		if err != io.EOF {
			r.err = err
		}
		return
	}
	r.stats.Entries++
	if e.Path == "" {
		r.stats.NoRequest++
		return
	}
	at := e.At.UnixNano()
	key := at
	if r.res >= time.Second {
		key = floorSecond(at)
	}
	if r.started && key < r.watermark {
		r.stats.OutOfOrder++
		if len(r.outOfOrder) < maxLineErrors {
			r.outOfOrder = append(r.outOfOrder, LineError{File: r.name, Line: e.Line,
				Reason: fmt.Sprintf("logged %v behind the newest line before it: more out of order than the look-ahead (%v) reorders",
					time.Duration(r.maxKey-key), r.o.LookAhead),
				Text: e.At.Format("02/Jan/2006:15:04:05.999999 -0700") + " " + e.Method + " " + e.Path})
		}
		return
	}
	r.push(pending{key: key, at: at, line: e.Line, method: e.Method, path: e.Path,
		status: e.Status, served: e.Served, x: e.ConnStatus, c: r.assign(&e)})
	if key > r.maxKey {
		r.maxKey = key
	}
}

// assign finds the keep-alive connection of an entry, in the log's order
// (the order requests completed, which on one connection is the order they
// were sent). nil: the entry is its own connection.
func (r *Replay) assign(e *LogEntry) *conn {
	if e.KeepAlive < 0 {
		return nil
	}
	closed := e.ConnStatus == '-' || e.ConnStatus == 'X'
	var c *conn
	if e.KeepAlive > 0 {
		c = r.take(connKey{e.Host, e.ClientPort, e.KeepAlive - 1}, false)
	}
	if c == nil && closed && (e.KeepAlive > 0 || e.ClientPort > 0) {
		c = r.take(connKey{e.Host, e.ClientPort, e.KeepAlive}, true)
	}
	if c == nil && e.KeepAlive > 0 {
		r.stats.Orphans++
	}
	if c == nil {
		c = &conn{}
	}
	c.latest, c.lastX = e.Line, e.ConnStatus
	if !closed {
		c.key, c.open = connKey{e.Host, e.ClientPort, e.KeepAlive}, true
		r.conns[c.key] = append(r.conns[c.key], c)
	}
	return c
}

// take removes from its bucket and returns the latest open connection of
// key (with %X '+' when plus), or nil.
func (r *Replay) take(key connKey, plus bool) *conn {
	list := r.conns[key]
	for i := len(list) - 1; i >= 0; i-- {
		if c := list[i]; !plus || c.lastX == '+' {
			r.remove(key, i)
			return c
		}
	}
	return nil
}

func (r *Replay) remove(key connKey, i int) {
	list := r.conns[key]
	list[i].open = false
	copy(list[i:], list[i+1:])
	list[len(list)-1] = nil
	if list = list[:len(list)-1]; len(list) == 0 {
		delete(r.conns, key)
	} else {
		r.conns[key] = list
	}
}

// lastOnConn says whether p is its connection's last request, and closes a
// connection whose latest request leaves the look-ahead with no successor.
func (r *Replay) lastOnConn(p *pending) bool {
	c := p.c
	if c == nil {
		return true
	}
	if c.latest != p.line {
		return false
	}
	if c.open {
		list := r.conns[c.key]
		for i := len(list) - 1; i >= 0; i-- {
			if list[i] == c {
				r.remove(c.key, i)
				break
			}
		}
	}
	return true
}

func (r *Replay) connID(p *pending) uint64 {
	if p.c == nil {
		r.nextConn++
		r.stats.Conns++
		return r.nextConn
	}
	if p.c.id == 0 {
		r.nextConn++
		r.stats.Conns++
		p.c.id = r.nextConn
	}
	return p.c.id
}

// finish ends the replay and decides whether it stands.
func (r *Replay) finish() {
	if r.finished {
		return
	}
	r.finished, r.done = true, true
	r.group, r.out, r.copies = nil, nil, nil
	clear(r.conns)
	if r.err != nil {
		return
	}
	r.err = checkMalformed(r.rd, r.o.MaxMalformed)
	switch {
	case r.err != nil:
	case r.stats.Entries == 0:
		r.err = fmt.Errorf("%s: the log has no entries (%d lines read)", r.name, r.rd.Lines())
	case r.started && r.stats.Replayed+r.stats.Thinned == 0:
		end := "the end"
		if r.hasEnd {
			end = r.o.WindowEnd.String()
		}
		r.err = fmt.Errorf("%s: no request of the log falls in the window from %v to %s: its requests span %v from %s",
			r.name, r.o.WindowStart, end, time.Duration(r.maxKey-r.origin), time.Unix(0, r.origin).UTC().Format(time.RFC3339))
	}
}

// A MalformedLogError refuses a log with too many malformed lines.
type MalformedLogError struct {
	File       string
	Lines, Bad int
	Max        float64     // the share allowed
	First      []LineError // the first malformed lines (at most ten)
}

func (e *MalformedLogError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d of %d lines are malformed (%.3g%%), more than max_malformed = %g allows",
		e.File, e.Bad, e.Lines, 100*float64(e.Bad)/float64(max(e.Lines, 1)), e.Max)
	for i, l := range e.First {
		if i == 3 {
			fmt.Fprintf(&b, "; …")
			break
		}
		sep := "; "
		if i == 0 {
			sep = "; the first: "
		}
		b.WriteString(sep + l.Error())
	}
	return b.String()
}

func checkMalformed(rd *LogReader, share float64) error {
	if rd.Bad() == 0 || float64(rd.Bad()) <= share*float64(rd.Lines()) {
		return nil
	}
	return &MalformedLogError{File: rd.Name(), Lines: rd.Lines(), Bad: rd.Bad(), Max: share,
		First: append([]LineError(nil), rd.Malformed()...)}
}

// A LogSummary describes a whole log.
type LogSummary struct {
	Lines, Entries, Malformed int
	First, Last               time.Time   // the earliest and latest At
	Bad                       []LineError // the first malformed lines (at most ten)
}

// CheckLog reads a whole log and refuses it as a replay would at its end:
// a *MalformedLogError past maxMalformed, or an error for a log without
// entries or a format without time. It reads about a million lines a
// second, so a caller can check a log before a run.
func CheckLog(r io.Reader, name string, f *LogFormat, maxMalformed float64) (LogSummary, error) {
	var s LogSummary
	if f == nil || !f.HasTime() {
		return s, fmt.Errorf("%s: the log format has no time; a replay needs %%t or %%{…}t", name)
	}
	if math.IsNaN(maxMalformed) || maxMalformed < 0 || maxMalformed > 1 {
		return s, fmt.Errorf("%s: max_malformed = %g: must be a share from 0 to 1", name, maxMalformed)
	}
	rd := NewLogReader(r, name, f)
	for {
		e, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return s, err
		}
		if s.Entries == 0 || e.At.Before(s.First) {
			s.First = e.At
		}
		if s.Entries == 0 || e.At.After(s.Last) {
			s.Last = e.At
		}
		s.Entries++
	}
	s.Lines, s.Malformed, s.Bad = rd.Lines(), rd.Bad(), rd.Malformed()
	if err := checkMalformed(rd, maxMalformed); err != nil {
		return s, err
	}
	if s.Entries == 0 {
		return s, fmt.Errorf("%s: the log has no entries (%d lines read)", name, s.Lines)
	}
	return s, nil
}

func floorSecond(ns int64) int64 {
	s := ns / int64(time.Second)
	if ns < 0 && ns%int64(time.Second) != 0 {
		s--
	}
	return s * int64(time.Second)
}

func ceilSecond(d time.Duration) time.Duration {
	return (d + time.Second - 1) / time.Second * time.Second
}

// The look-ahead is a binary min-heap of pending entries by (key, line):
// by time, then in the log's order.

func (a *pending) less(b *pending) bool {
	return a.key < b.key || (a.key == b.key && a.line < b.line)
}

func (r *Replay) push(p pending) {
	h := append(r.heap, p)
	for i := len(h) - 1; i > 0; {
		parent := (i - 1) / 2
		if !h[i].less(&h[parent]) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
	r.heap = h
}

func (r *Replay) pop() pending {
	h := r.heap
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h[n] = pending{}
	h = h[:n]
	for i := 0; ; {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if rr := l + 1; rr < n && h[rr].less(&h[l]) {
			m = rr
		}
		if !h[m].less(&h[i]) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	r.heap = h
	return top
}

// IsStaticPath is the default guess of whether a request is for a static
// file, which Apache serves itself without the WSGI application: true when
// the last segment of the path (before any query string) has the extension
// of a stylesheet, script, image, font, media file, document or archive —
// css js mjs map png jpg jpeg gif ico svg webp avif bmp woff woff2 ttf otf
// eot mp4 webm ogg mp3 wav pdf zip gz tgz txt html htm. Paths without an
// extension, and .json and .xml (which applications often generate), are
// taken as dynamic.
func IsStaticPath(path string) bool {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	seg := path[strings.LastIndexByte(path, '/')+1:]
	dot := strings.LastIndexByte(seg, '.')
	if dot < 0 || len(seg)-dot-1 > 5 {
		return false
	}
	var buf [5]byte
	ext := buf[:0]
	for i := dot + 1; i < len(seg); i++ {
		c := seg[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		ext = append(ext, c)
	}
	switch string(ext) {
	case "css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "ico", "svg", "webp", "avif", "bmp",
		"woff", "woff2", "ttf", "otf", "eot", "mp4", "webm", "ogg", "mp3", "wav", "pdf", "zip", "gz",
		"tgz", "txt", "html", "htm":
		return true
	}
	return false
}
