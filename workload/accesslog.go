package workload

import (
	"fmt"
	"strings"
	"time"
)

// Named log formats: the ones httpd's documentation and Debian's
// apache2.conf define. Debian's "combined" and "common" log %O (bytes sent
// with headers, mod_logio) where httpd's log %b; the two read alike (a
// number, or "-" for %b), so the formats below read both.
var namedFormats = map[string]string{
	"common":         `%h %l %u %t "%r" %>s %b`,
	"combined":       `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"`,
	"vhost_combined": `%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"`,
}

// A LogFormat is a compiled Apache LogFormat string: what each line of an
// access log holds and how to read it back. ParseLogFormat compiles one.
//
// It follows mod_log_config.c (parse_log_string, parse_log_item and the
// log_* functions that write each directive); the directives that matter
// for a replay are read, every other one is read as an opaque value:
//
//	%h %a %{c}a        the client (Host): the key for keep-alive connections;
//	                   %{c}a, the connection's peer, wins over the others
//	%{remote}p         the client's port: with it, (host, port) names one TCP connection
//	%t %{…}t           when the request was received (see below)
//	%r                 the request line: method, target, protocol
//	%m %U %q %H        method, URL path, query string ("?…" or empty), protocol
//	%>s %s %<s         final and original status (the final one wins)
//	%b %B %O           bytes sent ("-" is 0); %O only when neither %b nor %B is logged
//	%D %{us}T          service time in µs; %T %{s}T in s; %{ms}T in ms
//	%k                 keep-alive requests already served on the connection
//	%X                 connection status after the response: X aborted, + kept alive, - closed
//	%l %u %v %V %p %P %{pid}P %{tid}P %A %f %L %R %{…}i %{…}o %{…}n %{…}e %{…}C %{…}^ti …
//	                   read and ignored; so is any directive httpd does not know
//
// Conditions (%400,501{User-agent}i, %!200h) and the < > modifiers are
// accepted; a value whose condition failed is logged as "-", which reads as
// missing. "%%" is a literal percent sign; \n, \t, \r and \\ in literal text
// are the characters they name (parse_log_misc_string), and \" is a quote,
// as httpd's configuration reader (ap_getword_conf) makes it when it reads
// a quoted LogFormat argument, so a format can be pasted from httpd.conf.
//
// Time. %t is the time the request was received (r->request_time, set
// when its request line was read in read_request_line), in CLF,
// "[10/Oct/2000:13:55:36 -0700]". %{format}t takes a strftime(3) format or
// one of httpd's tokens sec, msec, usec (since the Epoch), msec_frac and
// usec_frac (the fraction of the second, 3 and 6 digits), each optionally
// prefixed by begin: (the default, the request's start) or end: (when the
// line was written); several may combine into one instant, as in httpd's
// own example "%{%d/%b/%Y %T}t.%{msec_frac}t %{%z}t". The strftime
// conversions read back are %Y %m %d %e %H %M %S %y %b %h %B %a %A %z %Z
// %s %p %I %u %w %T %D %F %R %r %n %t %% in the C locale; %Z is read and
// ignored, and a time without %z is taken as UTC (only differences of time
// matter to a replay, but a daylight-saving change then shows as an hour's
// jump). Any other conversion is refused by ParseLogFormat.
//
// A value is delimited by the text that follows it in the format: a value
// between two literal quotes ends at the first quote not escaped with a
// backslash (ap_escape_logitem escapes ", \ and control characters);
// numbers and times end where their syntax ends; any other value ends where
// the next literal text begins, or at the end of the line. Two values that
// touch with nothing between them ("%h%u") cannot be told apart and are
// refused, except %U%q, split at the "?".
type LogFormat struct {
	spec  string
	items []item

	begin, end timeSpec      // what the begin: and end: time directives provide
	res        time.Duration // resolution of the time used for At
	useEnd     bool          // At comes from the end: time
	has        fieldSet      // which fields the format logs
}

// field is what a directive's value means to a replay.
type field uint8

const (
	fLiteral     field = iota
	fOpaque            // read and ignored
	fHost              // %h %a
	fPeer              // %{c}a %{c}h: the connection's peer
	fClientPort        // %{remote}p
	fRequestLine       // %r
	fMethod            // %m
	fURI               // %U
	fQuery             // %q
	fProtocol          // %H
	fStatus            // %s %<s
	fFinalStatus       // %>s
	fBytes             // %b %B
	fBytesIO           // %O
	fServedUS          // %D %{us}T
	fServedMS          // %{ms}T
	fServedS           // %T %{s}T
	fKeepAlive         // %k
	fConnStatus        // %X
	fTime              // %t %{…}t
	fNumber            // an ignored number: %P %p %I %S …
)

type fieldSet uint32

func (s fieldSet) has(f field) bool { return s&(1<<f) != 0 }

// syntax is how a value is delimited in a line.
type syntax uint8

const (
	sText   syntax = iota // up to the next literal text (stop), or the end of the line
	sQuoted               // up to the next unescaped quote
	sNumber               // an optional '-' and digits, or "-"
	sChar                 // one byte
	sTime                 // parsed by its time format
)

type item struct {
	field  field
	syntax syntax
	lit    string // the literal text, or the directive as written (for messages)
	stop   string // sText: the literal that ends the value; "" ends it at the line's end
	stopB  []byte // stop, as bytes
	stopQ  bool   // sText: %U followed by %q ends at '?'
	time   *timeItem
}

// ParseLogFormat compiles spec: "common", "combined", "vhost_combined" or a
// LogFormat string as in httpd.conf. It refuses strings httpd would refuse
// (a directive cut off at the end), directives whose values could not be
// told apart in a line, and time formats it cannot read back.
func ParseLogFormat(spec string) (*LogFormat, error) {
	s := spec
	if named, ok := namedFormats[strings.TrimSpace(spec)]; ok {
		s = named
	}
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("log format %q is empty: use common, combined, vhost_combined or a LogFormat string", spec)
	}
	f := &LogFormat{spec: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			f.items = append(f.items, item{field: fLiteral, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '\\':
				lit.WriteByte('\\')
			case 'n':
				lit.WriteByte('\n')
			case 't':
				lit.WriteByte('\t')
			case 'r':
				lit.WriteByte('\r')
			case '"':
				lit.WriteByte('"')
			default:
				lit.WriteByte('\\')
				i++
				continue
			}
			i += 2
			continue
		}
		if c != '%' {
			lit.WriteByte(c)
			i++
			continue
		}
		if i+1 < len(s) && s[i+1] == '%' {
			lit.WriteByte('%')
			i += 2
			continue
		}
		it, n, err := parseDirective(s[i:])
		if err != nil {
			return nil, fmt.Errorf("log format %q: %v", spec, err)
		}
		flush()
		f.items = append(f.items, it)
		i += n
	}
	flush()
	if err := f.compile(); err != nil {
		return nil, fmt.Errorf("log format %q: %v", spec, err)
	}
	return f, nil
}

// parseDirective reads one %… directive at the start of s, the way
// parse_log_item does: modifiers ! < > , {arg} and status conditions, then
// the letter (or ^ and two letters). It returns the item and its length.
func parseDirective(s string) (item, int, error) {
	i := 1
	arg := ""
	for i < len(s) {
		c := s[i]
		switch {
		case c == '!' || c == '<' || c == '>' || c == ',':
			i++
			continue
		case c >= '0' && c <= '9':
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				i++
			}
			continue
		case c == '{':
			j := strings.IndexByte(s[i+1:], '}')
			if j < 0 {
				return item{}, 0, fmt.Errorf("%s: no closing } (httpd: Ran off end of LogFormat parsing args to some directive)", s)
			}
			arg = s[i+1 : i+1+j]
			i += j + 2
			continue
		}
		letter := string(c)
		n := i + 1
		if c == '^' {
			if i+2 >= len(s) {
				return item{}, 0, fmt.Errorf("%s: %%^ needs two letters", s)
			}
			letter = s[i : i+3]
			n = i + 3
		}
		it, err := directive(letter, arg, s[:n])
		return it, n, err
	}
	return item{}, 0, fmt.Errorf("%q: a directive is cut off at the end (httpd: Ran off end of LogFormat parsing args to some directive)", s)
}

// directive maps a directive letter and its {argument} to an item.
func directive(letter, arg, written string) (item, error) {
	it := item{lit: written, field: fOpaque, syntax: sText}
	num := func(f field) { it.field, it.syntax = f, sNumber }
	switch letter {
	case "h", "a":
		// log_remote_host and log_remote_address: with the argument c, the
		// connection's peer rather than the user agent's address that
		// mod_remoteip may have put in its place.
		it.field = fHost
		if arg == "c" {
			it.field = fPeer
		}
	case "r":
		it.field = fRequestLine
	case "m":
		it.field = fMethod
	case "U":
		it.field = fURI
	case "q":
		it.field = fQuery
	case "H":
		it.field = fProtocol
	case "s":
		if strings.Contains(written, ">") {
			num(fFinalStatus)
		} else {
			num(fStatus)
		}
	case "b", "B":
		num(fBytes)
	case "O":
		num(fBytesIO)
	case "I", "S":
		num(fNumber)
	case "D":
		num(fServedUS)
	case "T":
		// log_request_duration_scaled: s (default), ms, us; any other
		// argument is logged as itself.
		switch strings.ToLower(arg) {
		case "", "s":
			num(fServedS)
		case "ms":
			num(fServedMS)
		case "us":
			num(fServedUS)
		}
	case "k":
		num(fKeepAlive)
	case "X":
		it.field, it.syntax = fConnStatus, sChar
	case "p":
		// log_server_port: canonical (default), local or remote; any other
		// argument is logged as itself.
		switch strings.ToLower(arg) {
		case "", "canonical", "local":
			num(fNumber)
		case "remote":
			num(fClientPort)
		}
	case "P":
		// log_pid_tid: pid and tid are numbers; hextid is hex; any other
		// argument is logged as itself.
		switch strings.ToLower(arg) {
		case "", "pid", "tid":
			num(fNumber)
		}
	case "t":
		ti, err := parseTimeItem(arg)
		if err != nil {
			return it, fmt.Errorf("%s: %v", written, err)
		}
		it.field, it.syntax, it.time = fTime, sTime, ti
	}
	return it, nil
}

// compile works out how each value is delimited and what the format's
// times provide, and refuses what cannot be read back.
func (f *LogFormat) compile() error {
	for i := range f.items {
		it := &f.items[i]
		if it.field == fLiteral {
			continue
		}
		f.has |= 1 << it.field
		if it.field == fTime {
			if it.time.end {
				f.end.add(it.time)
			} else {
				f.begin.add(it.time)
			}
		}
		var prev, next *item
		if i > 0 {
			prev = &f.items[i-1]
		}
		if i+1 < len(f.items) {
			next = &f.items[i+1]
		}
		quotedBefore := prev != nil && prev.field == fLiteral && strings.HasSuffix(prev.lit, `"`)
		quotedAfter := next != nil && next.field == fLiteral && strings.HasPrefix(next.lit, `"`)
		if it.syntax == sText && quotedBefore && quotedAfter {
			it.syntax = sQuoted
		}
		if next == nil || next.field == fLiteral {
			if it.syntax == sText && next != nil {
				it.stop, it.stopB = next.lit, []byte(next.lit)
			}
			continue
		}
		// Two directives touch.
		switch {
		case it.field == fURI && next.field == fQuery:
			it.stopQ = true
		case it.syntax == sText || it.syntax == sQuoted:
			return fmt.Errorf("%s%s: nothing separates the two values, so a line cannot be split between them", it.lit, next.lit)
		case it.syntax == sNumber && next.syntax == sNumber:
			return fmt.Errorf("%s%s: two numbers with nothing between them cannot be told apart", it.lit, next.lit)
		}
	}
	if !f.has.has(fTime) {
		f.res = 0
		return nil
	}
	switch {
	case f.begin.complete():
		f.res = f.begin.resolution()
	case f.end.complete():
		f.useEnd = true
		f.res = f.end.resolution()
	default:
		return fmt.Errorf("its time directives do not give a complete instant (a date and a time of day, or seconds since the Epoch)")
	}
	return nil
}

// String returns the LogFormat string the format was compiled from.
func (f *LogFormat) String() string { return f.spec }

// HasTime reports whether the format logs a complete instant per request,
// which a replay needs.
func (f *LogFormat) HasTime() bool { return f.res > 0 }

// Resolution is the step of the format's times: 1 s for %t and strftime
// formats, 1 ms with msec or msec_frac, 1 µs with usec or usec_frac. 0
// when the format has no time.
func (f *LogFormat) Resolution() time.Duration { return f.res }

// HasKeepAlive reports whether the format logs %k, which groups requests
// into keep-alive connections.
func (f *LogFormat) HasKeepAlive() bool { return f.has.has(fKeepAlive) }

// HasServed reports whether the format logs a service time (%D or %T).
func (f *LogFormat) HasServed() bool {
	return f.has.has(fServedUS) || f.has.has(fServedMS) || f.has.has(fServedS)
}
