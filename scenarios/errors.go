package scenarios

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Error is a mistake in a scenario: a TOML syntax error, an unknown key, a
// value of the wrong type or out of range, or an impossible combination. The
// command line exits with code 2 on any error for which errors.As finds an
// *Error. Several errors are returned joined with errors.Join.
type Error struct {
	File  string // the file name, "builtin:NAME", or "--set"
	Line  int    // 1-based line of the key in File; 0 when unknown (a default value)
	Col   int    // 1-based column, for TOML syntax errors only
	Key   string // dotted key path, e.g. "apache.max_spare_servers" or "workload.phase[1].rate"
	Value string // the offending value as TOML writes it; "" when not about one value
	Msg   string // what is wrong and what is allowed
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	if e.Key != "" {
		b.WriteString(": ")
		b.WriteString(e.Key)
		if e.Value != "" {
			b.WriteString(" = ")
			b.WriteString(e.Value)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Errors returns every *Error in err, which may be a single *Error or
// several joined with errors.Join.
func Errors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if e, ok := err.(*Error); ok {
			out = append(out, e)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		walk(errors.Unwrap(err))
	}
	walk(err)
	return out
}

// problem is an error found before it is given a position: Key is the
// scenario key it is about, related are other keys whose position may be
// used when Key came from a default.
type problem struct {
	key     string
	value   string
	msg     string
	related []string
}

// problems collects problems.
type problems []problem

func (ps *problems) add(key string, value any, format string, args ...any) {
	*ps = append(*ps, problem{key: key, value: tomlValue(value), msg: fmt.Sprintf(format, args...)})
}

// addRel is add with keys whose line may locate the problem when key has none.
func (ps *problems) addRel(key string, value any, related []string, format string, args ...any) {
	*ps = append(*ps, problem{key: key, value: tomlValue(value), msg: fmt.Sprintf(format, args...), related: related})
}

// tomlValue writes a value the way it would appear in a TOML file.
func tomlValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return fmt.Sprintf("%q", v)
	case Duration:
		return fmt.Sprintf("%q", v.String())
	case Size:
		return fmt.Sprintf("%q", v.String())
	case Dist:
		return fmt.Sprintf("%q", v.String())
	case TickPhase:
		return fmt.Sprintf("%q", v.String())
	case float64:
		switch {
		case math.IsNaN(v):
			return "nan"
		case math.IsInf(v, 1):
			return "inf"
		case math.IsInf(v, -1):
			return "-inf"
		}
	case map[string]any:
		return "{…}"
	case []map[string]any, []any:
		return "[…]"
	}
	return fmt.Sprint(v)
}

// oneOf writes allowed values for a message: "prefork, worker or event".
func oneOf(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = fmt.Sprintf("%q", v)
	}
	switch len(q) {
	case 0:
		return "none"
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// closest returns the candidate nearest to s by edit distance, if it is near
// enough to be a plausible typo.
func closest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestD || d == bestD && c < best {
			best, bestD = c, d
		}
	}
	if bestD <= 2 || bestD*3 <= len(s) {
		return best
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
