package workload

import (
	"fmt"
	"strings"
	"time"
)

// Reading the times of an access log back: %t in CLF and %{format}t, as
// mod_log_config.c's log_request_time writes them.

type timeKind uint8

const (
	tCLF      timeKind = iota // [10/Oct/2000:13:55:36 -0700]
	tSec                      // seconds since the Epoch
	tMsec                     // milliseconds since the Epoch
	tUsec                     // microseconds since the Epoch
	tMsecFrac                 // the millisecond part, 3 digits
	tUsecFrac                 // the microsecond part, 6 digits
	tCustom                   // a strftime(3) format
)

// A timeItem is one time directive.
type timeItem struct {
	kind timeKind
	end  bool       // end: the time the line was written, not the request's start
	toks []timeTok  // tCustom
	set  timeFields // what it provides
}

// A timeTok is a strftime conversion (conv != 0) or literal text.
type timeTok struct {
	conv byte
	lit  string
	set  timeFields
}

// timeFields says which parts of an instant a directive (or a format's
// directives together) provide.
type timeFields uint16

const (
	pEpoch timeFields = 1 << iota // whole seconds since the Epoch
	pAbsMs                        // milliseconds since the Epoch
	pAbsUs                        // microseconds since the Epoch
	pYear
	pMon
	pDay
	pHour
	pMin
	pSec
	pZone
	pFracMs
	pFracUs
	pPM // %p: AM or PM, for %I
)

// timeSpec is what a format's begin: (or end:) directives provide together.
type timeSpec struct{ set timeFields }

func (s *timeSpec) add(t *timeItem) { s.set |= t.set }

func (s timeSpec) complete() bool {
	civil := pYear | pMon | pDay | pHour | pMin | pSec
	return s.set&(pEpoch|pAbsMs|pAbsUs) != 0 || s.set&civil == civil
}

func (s timeSpec) resolution() time.Duration {
	switch {
	case s.set&(pAbsUs|pFracUs) != 0:
		return time.Microsecond
	case s.set&(pAbsMs|pFracMs) != 0:
		return time.Millisecond
	}
	return time.Second
}

// parseTimeItem compiles the argument of a %{…}t directive the way
// log_request_time reads it: an optional begin or end, then ":" and a
// format, where sec, msec, usec, msec_frac and usec_frac are httpd's own
// tokens and anything else is a strftime format; "begin" or "end" alone,
// or no argument, mean CLF.
func parseTimeItem(arg string) (*timeItem, error) {
	t := &timeItem{}
	a := arg
	if rest, ok := strings.CutPrefix(a, "begin"); ok && (rest == "" || rest[0] == ':') {
		a = strings.TrimPrefix(rest, ":")
	} else if rest, ok := strings.CutPrefix(a, "end"); ok && (rest == "" || rest[0] == ':') {
		t.end = true
		a = strings.TrimPrefix(rest, ":")
	}
	switch a {
	case "":
		t.kind, t.set = tCLF, pEpoch
	case "sec":
		t.kind, t.set = tSec, pEpoch
	case "msec":
		t.kind, t.set = tMsec, pAbsMs
	case "usec":
		t.kind, t.set = tUsec, pAbsUs
	case "msec_frac":
		t.kind, t.set = tMsecFrac, pFracMs
	case "usec_frac":
		t.kind, t.set = tUsecFrac, pFracUs
	default:
		t.kind = tCustom
		if err := t.compileStrftime(a); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// strftimeAlias expands the conversions that stand for several others.
var strftimeAlias = map[byte]string{
	'T': "%H:%M:%S",
	'D': "%m/%d/%y",
	'F': "%Y-%m-%d",
	'R': "%H:%M",
	'r': "%I:%M:%S %p",
	'h': "%b",
	'n': "\n",
	't': "\t",
	'%': "%",
}

// strftimeFields are the conversions read back and what each provides.
var strftimeFields = map[byte]timeFields{
	'Y': pYear, 'y': pYear, 'm': pMon, 'b': pMon, 'B': pMon, 'd': pDay, 'e': pDay,
	'H': pHour, 'I': pHour, 'M': pMin, 'S': pSec, 'z': pZone, 's': pEpoch, 'p': pPM,
	'a': 0, 'A': 0, 'Z': 0, 'u': 0, 'w': 0,
}

func (t *timeItem) compileStrftime(format string) error {
	var lit strings.Builder
	var walk func(f string, depth int) error
	walk = func(f string, depth int) error {
		for i := 0; i < len(f); i++ {
			if f[i] != '%' {
				lit.WriteByte(f[i])
				continue
			}
			if i+1 >= len(f) {
				return fmt.Errorf("strftime format %q ends with a lone %%", format)
			}
			i++
			c := f[i]
			if alias, ok := strftimeAlias[c]; ok && depth == 0 {
				if err := walk(alias, 1); err != nil {
					return err
				}
				continue
			}
			if c == '%' {
				lit.WriteByte('%')
				continue
			}
			set, ok := strftimeFields[c]
			if !ok {
				return fmt.Errorf("strftime conversion %%%c in %q cannot be read back; use %%Y %%m %%d %%H %%M %%S %%z (or %%T %%F %%D), %%b, %%s, or httpd's sec, msec, usec, msec_frac, usec_frac", c, format)
			}
			if lit.Len() > 0 {
				t.toks = append(t.toks, timeTok{lit: lit.String()})
				lit.Reset()
			}
			t.toks = append(t.toks, timeTok{conv: c, set: set})
			t.set |= set
		}
		return nil
	}
	if err := walk(format, 0); err != nil {
		return err
	}
	if lit.Len() > 0 {
		t.toks = append(t.toks, timeTok{lit: lit.String()})
	}
	return nil
}

// stamp collects the parts of one instant from a line's time directives.
type stamp struct {
	set                                timeFields
	epoch                              int64 // seconds
	abs                                int64 // ns since the Epoch, from msec or usec
	frac                               int64 // ns within the second
	year, mon, day, hour, min, sec, pm int
	zone                               int // seconds east of UTC
}

// unixNano returns the instant in ns since the Epoch; ok is false when the
// parts do not make one.
func (s *stamp) unixNano() (int64, bool) {
	if s.set&(pAbsMs|pAbsUs) != 0 {
		return s.abs, true
	}
	if s.set&pEpoch != 0 {
		if s.epoch < -maxEpoch || s.epoch > maxEpoch {
			return 0, false
		}
		return s.epoch*1e9 + s.frac, true
	}
	civil := pYear | pMon | pDay | pHour | pMin | pSec
	if s.set&civil != civil {
		return 0, false
	}
	h := s.hour
	if s.set&pPM != 0 {
		if h < 1 || h > 12 {
			return 0, false
		}
		h %= 12
		if s.pm == 2 {
			h += 12
		}
	}
	sec := daysFromCivil(s.year, s.mon, s.day)*86400 + int64(h*3600+s.min*60+s.sec) - int64(s.zone)
	if sec < -maxEpoch || sec > maxEpoch {
		return 0, false
	}
	return sec*1e9 + s.frac, true
}

// maxEpoch bounds the seconds since the Epoch so that nanoseconds fit an
// int64 (years 1678–2262).
const maxEpoch = 9e9

// daysFromCivil returns the days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (Howard Hinnant's days_from_civil).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

var monthNames = [12]string{"January", "February", "March", "April", "May", "June",
	"July", "August", "September", "October", "November", "December"}

// month3 returns the month 1–12 of an English abbreviation as
// apr_month_snames writes it, or 0.
func month3(b []byte) int {
	if len(b) < 3 {
		return 0
	}
	switch string(b[:3]) {
	case "Jan":
		return 1
	case "Feb":
		return 2
	case "Mar":
		return 3
	case "Apr":
		return 4
	case "May":
		return 5
	case "Jun":
		return 6
	case "Jul":
		return 7
	case "Aug":
		return 8
	case "Sep":
		return 9
	case "Oct":
		return 10
	case "Nov":
		return 11
	case "Dec":
		return 12
	}
	return 0
}

// digits reads exactly n decimal digits at the start of b.
func digits(b []byte, n int) (int, bool) {
	if len(b) < n {
		return 0, false
	}
	v := 0
	for _, c := range b[:n] {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// clfCache remembers the last CLF time read: consecutive lines of a log
// mostly share their second, and comparing 26 bytes is cheaper than
// parsing them.
type clfCache struct {
	key [26]byte
	sec int64
	ok  bool
}

// parseCLF reads "[10/Oct/2000:13:55:36 -0700]" at the start of b, as
// log_request_time writes it ("[%02d/%s/%d:%02d:%02d:%02d %c%.2d%.2d]"),
// and returns the seconds since the Epoch and the length read.
func (c *clfCache) parseCLF(b []byte) (int64, int, string) {
	if len(b) < 28 || b[0] != '[' || b[27] != ']' {
		return 0, 0, "expected a time like [10/Oct/2000:13:55:36 -0700]"
	}
	k := [26]byte(b[1:27])
	if c.ok && k == c.key {
		return c.sec, 28, ""
	}
	day, ok1 := digits(k[0:], 2)
	mon := month3(k[3:])
	year, ok2 := digits(k[7:], 4)
	hour, ok3 := digits(k[12:], 2)
	min, ok4 := digits(k[15:], 2)
	sec, ok5 := digits(k[18:], 2)
	zh, ok6 := digits(k[22:], 2)
	zm, ok7 := digits(k[24:], 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || mon == 0 ||
		k[2] != '/' || k[6] != '/' || k[11] != ':' || k[14] != ':' || k[17] != ':' || k[20] != ' ' ||
		(k[21] != '+' && k[21] != '-') {
		return 0, 0, "expected a time like [10/Oct/2000:13:55:36 -0700]"
	}
	if day < 1 || day > daysIn(year, mon) || hour > 23 || min > 59 || sec > 60 || zm > 59 {
		return 0, 0, "the time is not a valid date"
	}
	zone := zh*3600 + zm*60
	if k[21] == '-' {
		zone = -zone
	}
	s := daysFromCivil(year, mon, day)*86400 + int64(hour*3600+min*60+sec) - int64(zone)
	c.key, c.sec, c.ok = k, s, true
	return s, 28, ""
}

// number reads an optional '-' and decimal digits at the start of b; a
// lone "-" is a missing value (absent true). It returns the length read.
func number(b []byte) (v int64, n int, absent bool, ok bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg = true
		n = 1
	}
	start := n
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		if n-start >= 18 {
			return 0, 0, false, false // past what int64 holds
		}
		v = v*10 + int64(b[n]-'0')
		n++
	}
	if n == start {
		if neg {
			return 0, 1, true, true
		}
		return 0, 0, false, false
	}
	if neg {
		v = -v
	}
	return v, n, false, true
}

// parse reads this directive's value at the start of b into st and returns
// the length read, or a reason it could not.
func (t *timeItem) parse(b []byte, st *stamp, cache *clfCache) (int, string) {
	switch t.kind {
	case tCLF:
		s, n, reason := cache.parseCLF(b)
		if reason != "" {
			return 0, reason
		}
		st.epoch = s
		st.set |= pEpoch
		return n, ""
	case tSec, tMsec, tUsec:
		v, n, absent, ok := number(b)
		if !ok || absent || v < 0 {
			return 0, "expected a number of " + [...]string{"seconds", "milliseconds", "microseconds"}[t.kind-tSec] + " since the Epoch"
		}
		switch t.kind {
		case tSec:
			st.epoch, st.set = v, st.set|pEpoch
		case tMsec:
			if v > maxEpoch*1e3 {
				return 0, "the time is out of range"
			}
			st.abs, st.set = v*1e6, st.set|pAbsMs
		case tUsec:
			if v > maxEpoch*1e6 {
				return 0, "the time is out of range"
			}
			st.abs, st.set = v*1e3, st.set|pAbsUs
		}
		return n, ""
	case tMsecFrac, tUsecFrac:
		w, scale := 3, int64(1e6)
		if t.kind == tUsecFrac {
			w, scale = 6, 1e3
		}
		v, ok := digits(b, w)
		if !ok {
			return 0, fmt.Sprintf("expected %d digits of a fraction of a second", w)
		}
		st.frac = int64(v) * scale
		st.set |= t.set
		return w, ""
	}
	return t.parseCustom(b, st)
}

func (t *timeItem) parseCustom(b []byte, st *stamp) (int, string) {
	pos := 0
	bad := func(what string) (int, string) {
		return 0, "expected " + what + " in the time"
	}
	for _, tok := range t.toks {
		rest := b[pos:]
		if tok.conv == 0 {
			if len(rest) < len(tok.lit) || string(rest[:len(tok.lit)]) != tok.lit {
				return bad(fmt.Sprintf("%q", tok.lit))
			}
			pos += len(tok.lit)
			continue
		}
		two := func(lo, hi int) (int, bool) {
			v, ok := digits(rest, 2)
			if ok && v >= lo && v <= hi {
				pos += 2
				return v, true
			}
			return 0, false
		}
		var ok bool
		switch tok.conv {
		case 'Y':
			st.year, ok = digits(rest, 4)
			if !ok {
				return bad("a 4-digit year (%Y)")
			}
			pos += 4
		case 'y':
			var y int
			if y, ok = two(0, 99); !ok {
				return bad("a 2-digit year (%y)")
			}
			// POSIX strptime: 69–99 are 1969–1999, 00–68 are 2000–2068.
			if y >= 69 {
				st.year = 1900 + y
			} else {
				st.year = 2000 + y
			}
		case 'm':
			if st.mon, ok = two(1, 12); !ok {
				return bad("a month 01–12 (%m)")
			}
		case 'd':
			if st.day, ok = two(1, 31); !ok {
				return bad("a day 01–31 (%d)")
			}
		case 'e':
			if len(rest) >= 2 && rest[0] == ' ' {
				st.day, ok = digits(rest[1:], 1)
			} else {
				st.day, ok = digits(rest, 2)
			}
			if !ok || st.day < 1 || st.day > 31 {
				return bad("a day (%e)")
			}
			pos += 2
		case 'H':
			if st.hour, ok = two(0, 23); !ok {
				return bad("an hour 00–23 (%H)")
			}
		case 'I':
			if st.hour, ok = two(1, 12); !ok {
				return bad("an hour 01–12 (%I)")
			}
		case 'M':
			if st.min, ok = two(0, 59); !ok {
				return bad("minutes 00–59 (%M)")
			}
		case 'S':
			if st.sec, ok = two(0, 60); !ok {
				return bad("seconds 00–60 (%S)")
			}
		case 'p':
			switch {
			case len(rest) >= 2 && string(rest[:2]) == "AM":
				st.pm = 1
			case len(rest) >= 2 && string(rest[:2]) == "PM":
				st.pm = 2
			default:
				return bad("AM or PM (%p)")
			}
			pos += 2
		case 'b':
			if st.mon = month3(rest); st.mon == 0 {
				return bad("a month's abbreviation (%b)")
			}
			pos += 3
		case 'B':
			st.mon = 0
			for i, name := range monthNames {
				if len(rest) >= len(name) && string(rest[:len(name)]) == name {
					st.mon = i + 1
					pos += len(name)
					break
				}
			}
			if st.mon == 0 {
				return bad("a month's name (%B)")
			}
		case 'a', 'A', 'Z':
			n := 0
			for n < len(rest) && (rest[n]|0x20 >= 'a' && rest[n]|0x20 <= 'z') {
				n++
			}
			if n == 0 {
				return bad("a name (%" + string(tok.conv) + ")")
			}
			pos += n
		case 'u', 'w':
			if _, ok = digits(rest, 1); !ok {
				return bad("a weekday number")
			}
			pos++
		case 'z':
			if len(rest) < 5 || (rest[0] != '+' && rest[0] != '-') {
				return bad("a zone like +0200 (%z)")
			}
			zh, ok1 := digits(rest[1:], 2)
			zm, ok2 := digits(rest[3:], 2)
			if !ok1 || !ok2 || zm > 59 {
				return bad("a zone like +0200 (%z)")
			}
			st.zone = zh*3600 + zm*60
			if rest[0] == '-' {
				st.zone = -st.zone
			}
			pos += 5
		case 's':
			v, n, absent, ok := number(rest)
			if !ok || absent {
				return bad("seconds since the Epoch (%s)")
			}
			st.epoch = v
			pos += n
		}
		st.set |= tok.set
	}
	if st.set&(pDay|pMon|pYear) == pDay|pMon|pYear && st.day > daysIn(st.year, st.mon) {
		return 0, "the time is not a valid date"
	}
	return pos, ""
}
