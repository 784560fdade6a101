package workload

import (
	"bufio"
	"bytes"
	"fmt"
	"hash/maphash"
	"io"
	"time"
)

// A LogEntry is one line of an access log, as far as a replay cares.
type LogEntry struct {
	Line int // 1-based line number in the log

	// At is when the request was received, in UTC: httpd's
	// r->request_time, which %t and %{begin:…}t log. Lines are written when
	// requests complete, so At can go backwards from one line to the next.
	// With only %{end:…}t times, At is the end minus the recorded service
	// time (%D or %T) when the format logs one, else the end itself. It is
	// the zero Time when the format logs no time.
	At time.Time

	// Host is the client of the connection: %{c}a when logged (the peer
	// of the TCP connection, on which %k counts, where mod_remoteip puts
	// the address of the user agent behind a proxy in %h and %a), else %h
	// or %a; "" when absent.
	Host       string
	ClientPort int // %{remote}p; 0 when absent

	// Method, Path and Protocol come from %r, or from %m, %U%q and %H.
	// Path is the request target as the client sent it, with its query
	// string. A request line httpd could not read ("-" for a connection
	// that sent nothing before it timed out, or bytes that are no HTTP,
	// such as a TLS handshake on a plain-HTTP port) leaves Method and Path
	// empty.
	Method, Path, Protocol string

	Status int   // %>s, else %s; 0 when absent
	Bytes  int64 // %b or %B, else %O; 0 when absent or "-"

	// Served is the service time httpd recorded (%D, %{us}T, %{ms}T or %T):
	// reported for comparison, never used as a cost. -1 when absent.
	Served time.Duration

	// KeepAlive is %k: the keep-alive requests already served on the
	// connection before this one (log_requests_on_connection logs
	// c->keepalives − 1), so 0 for a connection's first request. -1 when
	// absent.
	KeepAlive int

	// ConnStatus is %X: 'X' the connection was aborted before the response
	// completed, '+' it may be kept alive, '-' it is closed after the
	// response (log_connection_status). 0 when absent.
	ConnStatus byte
}

// A LineError is a malformed line: where it is, why, and the line itself
// (cut to 120 bytes).
type LineError struct {
	File   string
	Line   int
	Reason string
	Text   string
}

func (e LineError) Error() string {
	return fmt.Sprintf("%s:%d: %s: %q", e.File, e.Line, e.Reason, e.Text)
}

const (
	maxLineErrors = 10      // malformed lines kept with their reason
	maxLineText   = 120     // bytes of a malformed line kept
	maxLine       = 1 << 20 // longer lines are malformed
)

// A LogReader reads the entries of an access log from a stream, one at a
// time, in the log's order, with memory that does not grow with the log:
// it keeps one line (a 64 KiB buffer, up to 1 MiB for a longer line), the
// first malformed lines, and fixed-size caches of the host names and paths
// it returns.
//
// A malformed line — one that does not follow the format — is counted and
// skipped; the first ten are kept with their line number and reason.
// Blank lines are skipped without counting as malformed. Lines may end
// with "\n" or "\r\n"; the last one needs no newline.
type LogReader struct {
	f    *LogFormat
	name string
	br   *bufio.Reader
	long []byte
	err  error

	lines, bad int
	malformed  []LineError

	clf                  clfCache
	hosts, paths, others interner
	scratch              []byte
}

// NewLogReader returns a reader of r in format f; name is how messages
// name the log (its file name).
func NewLogReader(r io.Reader, name string, f *LogFormat) *LogReader {
	return &LogReader{
		f: f, name: name, br: bufio.NewReaderSize(r, 64<<10),
		hosts: newInterner(1024), paths: newInterner(4096), others: newInterner(64),
	}
}

// Next returns the next well-formed entry, io.EOF after the last one, or
// the error that stopped reading the stream (naming the log).
func (r *LogReader) Next() (LogEntry, error) {
	for r.err == nil {
		line, tooLong, err := r.readLine()
		if err != nil {
			if err == io.EOF {
				r.err = io.EOF
			} else {
				r.err = fmt.Errorf("%s: reading after line %d: %w", r.name, r.lines, err)
			}
			break
		}
		r.lines++
		if tooLong {
			r.addBad(line, "the line is longer than 1 MiB")
			continue
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if len(line) == 0 {
			continue
		}
		var e LogEntry
		if reason := r.parse(line, &e); reason != "" {
			r.addBad(line, reason)
			continue
		}
		e.Line = r.lines
		return e, nil
	}
	return LogEntry{}, r.err
}

// Lines returns the number of lines read so far, blank ones included.
func (r *LogReader) Lines() int { return r.lines }

// Bad returns the number of malformed lines read so far.
func (r *LogReader) Bad() int { return r.bad }

// Malformed returns the first malformed lines (at most ten).
func (r *LogReader) Malformed() []LineError { return r.malformed }

// Name returns the log's name as messages give it.
func (r *LogReader) Name() string { return r.name }

func (r *LogReader) addBad(line []byte, reason string) {
	r.bad++
	if len(r.malformed) < maxLineErrors {
		text := line
		if len(text) > maxLineText {
			text = text[:maxLineText]
		}
		r.malformed = append(r.malformed, LineError{File: r.name, Line: r.lines, Reason: reason, Text: string(text)})
	}
}

// readLine returns the next line without its "\n", and whether it was cut
// because it is longer than maxLine.
func (r *LogReader) readLine() ([]byte, bool, error) {
	b, err := r.br.ReadSlice('\n')
	tooLong := false
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], b...)
		for err == bufio.ErrBufferFull {
			b, err = r.br.ReadSlice('\n')
			if !tooLong && len(r.long)+len(b) <= maxLine {
				r.long = append(r.long, b...)
			} else {
				tooLong = true
			}
		}
		b = r.long
		if err == io.EOF {
			err = nil // the last line, without a newline; EOF comes next call
		}
	}
	switch {
	case err == nil:
		if n := len(b); n > 0 && b[n-1] == '\n' {
			b = b[:n-1]
		}
		return b, tooLong, nil
	case err == io.EOF && len(b) > 0:
		return b, false, nil
	}
	return nil, false, err
}

// parse reads line into e, or returns why it cannot.
func (r *LogReader) parse(line []byte, e *LogEntry) string {
	f := r.f
	var begin, end stamp
	var host, peer, reqLine, method, uri, query, proto []byte
	var hasReqLine, hasURI bool
	status, final := 0, 0
	var bytesB, bytesO int64
	servedUS, servedMS, servedS := int64(-1), int64(-1), int64(-1)
	e.KeepAlive = -1
	e.Served = -1
	pos := 0
	for i := range f.items {
		it := &f.items[i]
		rest := line[pos:]
		if it.field == fLiteral {
			if len(rest) < len(it.lit) || string(rest[:len(it.lit)]) != it.lit {
				return fmt.Sprintf("expected %q at column %d", it.lit, pos+1)
			}
			pos += len(it.lit)
			continue
		}
		var v []byte
		switch it.syntax {
		case sTime:
			if len(rest) > 0 && rest[0] == '-' && (len(rest) == 1 || rest[1] < '0' || rest[1] > '9') {
				return fmt.Sprintf("%s: the time is missing (\"-\") at column %d", it.lit, pos+1)
			}
			st := &begin
			if it.time.end {
				st = &end
			}
			n, reason := it.time.parse(rest, st, &r.clf)
			if reason != "" {
				return fmt.Sprintf("%s: %s at column %d", it.lit, reason, pos+1)
			}
			pos += n
			continue
		case sNumber:
			n, w, absent, ok := number(rest)
			if !ok {
				return fmt.Sprintf("%s: expected a number at column %d", it.lit, pos+1)
			}
			pos += w
			if absent {
				continue
			}
			switch it.field {
			case fStatus:
				status = int(n)
			case fFinalStatus:
				final = int(n)
			case fBytes:
				bytesB = n
			case fBytesIO:
				bytesO = n
			case fServedUS:
				servedUS = n
			case fServedMS:
				servedMS = n
			case fServedS:
				servedS = n
			case fKeepAlive:
				if n < 0 || n > 1<<30 {
					return fmt.Sprintf("%s: %d keep-alive requests is out of range", it.lit, n)
				}
				e.KeepAlive = int(n)
			case fClientPort:
				if n < 0 || n > 65535 {
					return fmt.Sprintf("%s: port %d is out of range", it.lit, n)
				}
				e.ClientPort = int(n)
			}
			continue
		case sChar:
			if len(rest) == 0 {
				return fmt.Sprintf("%s: the line ends where the value should be", it.lit)
			}
			if c := rest[0]; c == 'X' || c == '+' || c == '-' {
				e.ConnStatus = c
			} else {
				return fmt.Sprintf("%s: connection status %q is not X, + or -", it.lit, c)
			}
			pos++
			continue
		case sQuoted:
			j := quotedEnd(rest)
			if j < 0 {
				return fmt.Sprintf("%s: no closing quote after column %d", it.lit, pos)
			}
			v = rest[:j]
		case sText:
			limit := len(rest)
			if it.stopQ {
				if q := &f.items[i+1]; q.stop != "" {
					if k := bytes.Index(rest, q.stopB); k >= 0 {
						limit = k
					}
				}
				if k := bytes.IndexByte(rest[:limit], '?'); k >= 0 {
					limit = k
				}
			} else if it.stop != "" {
				k := bytes.Index(rest, it.stopB)
				if k < 0 {
					return fmt.Sprintf("%s: expected %q after column %d", it.lit, it.stop, pos+1)
				}
				limit = k
			}
			v = rest[:limit]
		}
		pos += len(v)
		switch it.field {
		case fHost:
			host = v
		case fPeer:
			peer = v
		case fRequestLine:
			reqLine, hasReqLine = v, true
		case fMethod:
			method = v
		case fURI:
			uri, hasURI = v, true
		case fQuery:
			query = v
		case fProtocol:
			proto = v
		}
	}
	if pos != len(line) {
		rest := line[pos:]
		if len(rest) > 40 {
			rest = rest[:40]
		}
		return fmt.Sprintf("unexpected text %q after the format's last field (is the log format right?)", rest)
	}

	e.Status = final
	if e.Status == 0 {
		e.Status = status
	}
	e.Bytes = bytesB
	if !f.has.has(fBytes) {
		e.Bytes = bytesO
	}
	switch {
	case servedUS >= 0:
		e.Served = time.Duration(servedUS) * time.Microsecond
	case servedMS >= 0:
		e.Served = time.Duration(servedMS) * time.Millisecond
	case servedS >= 0:
		e.Served = time.Duration(servedS) * time.Second
	}
	if f.res > 0 {
		st := &begin
		if f.useEnd {
			st = &end
		}
		ns, ok := st.unixNano()
		if !ok {
			return "the time is out of range"
		}
		if f.useEnd && e.Served > 0 {
			ns -= int64(e.Served)
		}
		e.At = time.Unix(0, ns).UTC()
	}
	if f.has.has(fPeer) {
		host = peer
	}
	if len(host) > 0 && !(len(host) == 1 && host[0] == '-') {
		e.Host = r.hosts.get(r.unescape(host))
	}
	switch {
	case hasReqLine:
		r.splitRequestLine(r.unescape(reqLine), e)
	case hasURI:
		if !(len(method) == 1 && method[0] == '-') {
			e.Method = r.method(method)
		}
		if !(len(uri) == 1 && uri[0] == '-') {
			if len(query) > 0 {
				r.scratch = append(append(r.scratch[:0], uri...), query...)
				uri = r.scratch
			}
			e.Path = r.paths.get(r.unescape(uri))
		}
		e.Protocol = r.protocol(proto)
	}
	return ""
}

// splitRequestLine splits %r, "GET /a?b HTTP/1.1", into e; a line that is
// not a request (no method token and target) leaves them empty.
func (r *LogReader) splitRequestLine(rl []byte, e *LogEntry) {
	sp := bytes.IndexByte(rl, ' ')
	if sp <= 0 || !isToken(rl[:sp]) {
		return
	}
	target := rl[sp+1:]
	var proto []byte
	if k := bytes.LastIndexByte(target, ' '); k >= 0 && bytes.HasPrefix(target[k+1:], []byte("HTTP/")) {
		target, proto = target[:k], target[k+1:]
	}
	if len(target) == 0 {
		return
	}
	e.Method = r.method(rl[:sp])
	e.Path = r.paths.get(target)
	e.Protocol = r.protocol(proto)
}

// isToken reports whether b is an HTTP method token (RFC 9110's tchar).
func isToken(b []byte) bool {
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0:
		default:
			return false
		}
	}
	return true
}

func (r *LogReader) method(b []byte) string {
	switch string(b) {
	case "GET":
		return "GET"
	case "POST":
		return "POST"
	case "HEAD":
		return "HEAD"
	}
	return r.others.get(b)
}

func (r *LogReader) protocol(b []byte) string {
	switch string(b) {
	case "HTTP/1.1":
		return "HTTP/1.1"
	case "HTTP/1.0":
		return "HTTP/1.0"
	case "HTTP/2.0":
		return "HTTP/2.0"
	case "", "-":
		return ""
	}
	return r.others.get(b)
}

// quotedEnd returns the index of the first quote in b that no backslash
// escapes, or -1.
func quotedEnd(b []byte) int {
	off := 0
	for {
		j := bytes.IndexByte(b[off:], '"')
		if j < 0 {
			return -1
		}
		j += off
		n := 0
		for k := j - 1; k >= 0 && b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return j
		}
		off = j + 1
	}
}

// unescape undoes ap_escape_logitem (\" \\ \b \n \r \t \v \xhh); it
// returns b itself when there is nothing to undo. The result goes to the
// reader's scratch buffer; b may be that buffer, since the output never
// runs ahead of the input.
func (r *LogReader) unescape(b []byte) []byte {
	if bytes.IndexByte(b, '\\') < 0 {
		return b
	}
	out := r.scratch[:0]
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' || i+1 >= len(b) {
			out = append(out, c)
			continue
		}
		i++
		switch b[i] {
		case 'b':
			out = append(out, '\b')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'v':
			out = append(out, '\v')
		case 'x':
			if i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]) {
				out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
				i += 2
			} else {
				out = append(out, '\\', 'x')
			}
		default:
			out = append(out, b[i])
		}
	}
	r.scratch = out
	return out
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f' }

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}

// An interner returns one string for equal byte slices it sees often, from
// a fixed number of slots (direct-mapped by hash, the newest string
// winning): repeated hosts and paths cost no allocation, and its memory
// stays bounded however many distinct ones a log holds.
type interner struct {
	seed  maphash.Seed
	slots []string
}

func newInterner(n int) interner {
	return interner{seed: maphash.MakeSeed(), slots: make([]string, n)}
}

func (in *interner) get(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	s := &in.slots[maphash.Bytes(in.seed, b)&uint64(len(in.slots)-1)]
	if *s != string(b) {
		*s = string(b)
	}
	return *s
}
