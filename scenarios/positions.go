package scenarios

import (
	"fmt"
	"strconv"
	"strings"
)

// BurntSushi/toml does not report where a key is written, so keyLines scans
// the source for it: table headers, arrays of tables, dotted keys, and arrays
// of inline tables spread over several lines. Values are skipped with enough
// care for strings and nested brackets.

// Key paths name a value in the scenario the way errors print them: segments
// joined with dots, quoted when they are not bare TOML keys, and array
// elements as [i] (0-based): wsgi.daemon_process.app.threads,
// workload.urls."/api", workload.phase[1].rate.

// joinKey appends one key segment to a path.
func joinKey(path, seg string) string {
	if !isBareKey(seg) {
		seg = strconv.Quote(seg)
	}
	if path == "" {
		return seg
	}
	return path + "." + seg
}

// indexKey appends an array index to a path.
func indexKey(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

func isBareKey(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !isBareChar(byte(c)) || c > 127 {
			return false
		}
	}
	return true
}

func isBareChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// A keySeg is one step of a key path: a table key, or an index when isIndex.
type keySeg struct {
	name    string
	index   int
	isIndex bool
}

// splitKey parses a key path written as joinKey and indexKey write it (and as
// --set accepts it).
func splitKey(k string) ([]keySeg, error) {
	var segs []keySeg
	i := 0
	for {
		for i < len(k) && (k[i] == ' ' || k[i] == '\t') {
			i++
		}
		if i >= len(k) {
			return nil, fmt.Errorf("key %q is empty or ends with a dot", k)
		}
		name, n, err := readKeySegment(k[i:])
		if err != nil {
			return nil, fmt.Errorf("key %q: %v", k, err)
		}
		segs = append(segs, keySeg{name: name})
		i += n
		for i < len(k) && (k[i] == ' ' || k[i] == '\t') {
			i++
		}
		for i < len(k) && k[i] == '[' {
			j := strings.IndexByte(k[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("key %q: unclosed [", k)
			}
			n, err := strconv.Atoi(strings.TrimSpace(k[i+1 : i+j]))
			if err != nil || n < 0 {
				return nil, fmt.Errorf("key %q: the index in [] must be a number from 0", k)
			}
			segs = append(segs, keySeg{index: n, isIndex: true})
			i += j + 1
		}
		if i >= len(k) {
			return segs, nil
		}
		if k[i] != '.' {
			return nil, fmt.Errorf("key %q: unexpected %q (quote keys such as \"/api\")", k, k[i])
		}
		i++
	}
}

// joinSegs is the inverse of splitKey.
func joinSegs(segs []keySeg) string {
	path := ""
	for _, s := range segs {
		if s.isIndex {
			path = indexKey(path, s.index)
		} else {
			path = joinKey(path, s.name)
		}
	}
	return path
}

// parentKey returns the path without its last segment ("" for a top-level key).
func parentKey(k string) string {
	segs, err := splitKey(k)
	if err != nil || len(segs) <= 1 {
		return ""
	}
	return joinSegs(segs[:len(segs)-1])
}

// readKeySegment reads one bare, "basic" or 'literal' key at the start of s
// and returns it and the bytes consumed.
func readKeySegment(s string) (string, int, error) {
	switch {
	case s == "":
		return "", 0, fmt.Errorf("missing key")
	case s[0] == '"':
		for j := 1; j < len(s); j++ {
			switch s[j] {
			case '\\':
				j++
			case '"':
				v, err := strconv.Unquote(s[:j+1])
				if err != nil {
					return "", 0, fmt.Errorf("bad quoted key %s", s[:j+1])
				}
				return v, j + 1, nil
			}
		}
		return "", 0, fmt.Errorf("unclosed quoted key")
	case s[0] == '\'':
		j := strings.IndexByte(s[1:], '\'')
		if j < 0 {
			return "", 0, fmt.Errorf("unclosed quoted key")
		}
		return s[1 : j+1], j + 2, nil
	}
	j := 0
	for j < len(s) && isBareChar(s[j]) {
		j++
	}
	if j == 0 {
		return "", 0, fmt.Errorf("unexpected %q where a key should be", s[0])
	}
	return s[:j], j, nil
}

// keyLines maps each key path written in src to its 1-based line. It assumes
// src is valid TOML (the parser has accepted it).
func keyLines(src string) map[string]int {
	sc := lineScanner{src: src, line: 1, lines: map[string]int{}, arrays: map[string]int{}}
	sc.scan()
	return sc.lines
}

type lineScanner struct {
	src    string
	i      int
	line   int
	lines  map[string]int
	arrays map[string]int // array-of-tables path -> elements seen so far
	table  string         // the current [table] or [[array]] element path
}

func (sc *lineScanner) record(path string) {
	if _, ok := sc.lines[path]; !ok {
		sc.lines[path] = sc.line
	}
}

func (sc *lineScanner) scan() {
	for sc.i < len(sc.src) {
		sc.skipBlanks()
		if sc.i >= len(sc.src) {
			return
		}
		switch c := sc.src[sc.i]; {
		case c == '\n':
			sc.line++
			sc.i++
			continue
		case c == '#' || c == '\r':
			sc.skipLine()
			continue
		case c == '[':
			sc.header()
		default:
			sc.keyValue(sc.table)
		}
		sc.skipLine()
	}
}

func (sc *lineScanner) skipBlanks() {
	for sc.i < len(sc.src) && (sc.src[sc.i] == ' ' || sc.src[sc.i] == '\t') {
		sc.i++
	}
}

// skipLine moves past the next newline, or to the end.
func (sc *lineScanner) skipLine() {
	for sc.i < len(sc.src) {
		c := sc.src[sc.i]
		sc.i++
		if c == '\n' {
			sc.line++
			return
		}
	}
}

// keys reads a dotted key and returns its segments.
func (sc *lineScanner) keys() []string {
	var segs []string
	for sc.i < len(sc.src) {
		sc.skipBlanks()
		name, n, err := readKeySegment(sc.src[sc.i:])
		if err != nil {
			return segs
		}
		segs = append(segs, name)
		sc.i += n
		sc.skipBlanks()
		if sc.i < len(sc.src) && sc.src[sc.i] == '.' {
			sc.i++
			continue
		}
		break
	}
	return segs
}

// resolve turns header segments into a path, entering the latest element of
// any array of tables on the way.
func (sc *lineScanner) resolve(segs []string) string {
	path := ""
	for _, s := range segs {
		path = joinKey(path, s)
		if n := sc.arrays[path]; n > 0 {
			path = indexKey(path, n-1)
		}
	}
	return path
}

func (sc *lineScanner) header() {
	array := strings.HasPrefix(sc.src[sc.i:], "[[")
	if array {
		sc.i += 2
	} else {
		sc.i++
	}
	segs := sc.keys()
	if len(segs) == 0 {
		return
	}
	for i := 1; i < len(segs); i++ {
		sc.record(sc.resolve(segs[:i]))
	}
	if !array {
		sc.table = sc.resolve(segs)
		sc.record(sc.table)
		return
	}
	parent := sc.resolve(segs[:len(segs)-1])
	arr := joinKey(parent, segs[len(segs)-1])
	sc.record(arr)
	sc.arrays[arr]++
	sc.table = indexKey(arr, sc.arrays[arr]-1)
	sc.record(sc.table)
}

func (sc *lineScanner) keyValue(table string) {
	segs := sc.keys()
	if len(segs) == 0 {
		return
	}
	path := table
	for _, s := range segs {
		path = joinKey(path, s)
		sc.record(path)
	}
	sc.skipBlanks()
	if sc.i < len(sc.src) && sc.src[sc.i] == '=' {
		sc.i++
	}
	sc.skipBlanks()
	sc.value(path)
}

// value skips one value, recording the lines of inline tables that are
// elements of an array (phase = [ {…}, {…} ]) and of their keys.
func (sc *lineScanner) value(path string) {
	if sc.i >= len(sc.src) {
		return
	}
	switch c := sc.src[sc.i]; c {
	case '"', '\'':
		sc.str()
	case '[':
		sc.i++
		n := 0
		for sc.i < len(sc.src) {
			sc.skipSpace()
			if sc.i >= len(sc.src) {
				return
			}
			switch sc.src[sc.i] {
			case ']':
				sc.i++
				return
			case ',':
				sc.i++
				continue
			}
			elem := indexKey(path, n)
			sc.record(elem)
			sc.value(elem)
			n++
		}
	case '{':
		sc.i++
		for sc.i < len(sc.src) {
			sc.skipSpace()
			if sc.i >= len(sc.src) {
				return
			}
			switch sc.src[sc.i] {
			case '}':
				sc.i++
				return
			case ',':
				sc.i++
				continue
			}
			start := sc.i
			sc.keyValue(path)
			if sc.i == start {
				sc.i++ // not a key: do not loop forever
			}
		}
	default:
		for sc.i < len(sc.src) {
			switch sc.src[sc.i] {
			case ',', ']', '}', '\n', '#', ' ', '\t', '\r':
				return
			}
			sc.i++
		}
	}
}

// skipSpace skips blanks, newlines and comments inside arrays and tables.
func (sc *lineScanner) skipSpace() {
	for sc.i < len(sc.src) {
		switch sc.src[sc.i] {
		case ' ', '\t', '\r':
			sc.i++
		case '\n':
			sc.line++
			sc.i++
		case '#':
			for sc.i < len(sc.src) && sc.src[sc.i] != '\n' {
				sc.i++
			}
		default:
			return
		}
	}
}

// str skips a basic, literal or multi-line string.
func (sc *lineScanner) str() {
	q := sc.src[sc.i]
	if strings.HasPrefix(sc.src[sc.i:], strings.Repeat(string(q), 3)) {
		sc.i += 3
		for sc.i < len(sc.src) {
			c := sc.src[sc.i]
			switch {
			case c == '\\' && q == '"':
				if sc.i+1 < len(sc.src) && sc.src[sc.i+1] == '\n' {
					sc.line++
				}
				sc.i += 2
				continue
			case c == '\n':
				sc.line++
			case c == q && strings.HasPrefix(sc.src[sc.i:], strings.Repeat(string(q), 3)):
				sc.i += 3
				for sc.i < len(sc.src) && sc.src[sc.i] == q { // up to two quotes may end the content
					sc.i++
				}
				return
			}
			sc.i++
		}
		return
	}
	sc.i++
	for sc.i < len(sc.src) {
		c := sc.src[sc.i]
		switch {
		case c == '\\' && q == '"':
			sc.i += 2
			continue
		case c == q:
			sc.i++
			return
		case c == '\n':
			return
		}
		sc.i++
	}
}
