package sweep

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/forkcast/forkcast/scenarios"
)

// MaxValues is the most values one --vary may expand to.
const MaxValues = 10000

// Scales of a varied key, for figures.
const (
	Linear   = "linear"   // numbers, spaced evenly
	Log      = "log"      // positive numbers, spaced by a factor
	Category = "category" // anything else, in the order given
)

// A Vary is one varied scenario key and its values.
type Vary struct {
	Key    string   `json:"key"`    // a scenario key, as --set takes it
	Values []string `json:"values"` // as --set takes them: TOML values or bare words (5s)
	Scale  string   `json:"scale"`  // Linear, Log or Category: how figures space the values
}

// ParseVary reads one --vary KEY=VALUES. VALUES is
//
//	a,b,c         a list (commas inside parentheses or quotes do not split it)
//	A..B:STEP     A, A+STEP, … up to B (inclusive when reached)
//	A..B:xF       A, A·F, A·F², … up to B (F > 1)
//	A..B:log10    A, 10A, 100A, … up to B (the same as :x10)
//
// Range bounds and a linear step are numbers with an optional unit shared
// by all of them (100ms..1000ms:100ms, 64MiB..1GiB is not allowed: one unit).
// Bounds written as integers give integers (rounded, without repeats);
// others give decimals. The key is checked here only for its syntax; the
// scenario loader checks it and every value (Design.Points).
func ParseVary(arg string) (Vary, error) {
	o, err := scenarios.ParseOverride(arg)
	if err != nil {
		return Vary{}, fmt.Errorf("--vary %s: want KEY=VALUES, e.g. apache.max_request_workers=10..150:10 or apache.mpm=prefork,event", arg)
	}
	v := Vary{Key: o.Key}
	if o.Key == "seed" {
		return v, fmt.Errorf("--vary seed: the replications choose the seeds (--replications; --seed sets the first)")
	}
	if o.Value == "" {
		return v, fmt.Errorf("--vary %s: no values; want a list a,b,c or a range A..B:STEP, A..B:xF, A..B:log10", o.Key)
	}
	if strings.Contains(o.Value, "..") && !strings.ContainsAny(o.Value, ",\"'(") {
		v.Values, v.Scale, err = expandRange(o.Value)
		if err != nil {
			return v, fmt.Errorf("--vary %s=%s: %v", o.Key, o.Value, err)
		}
		return v, nil
	}
	v.Values, err = splitList(o.Value)
	if err != nil {
		return v, fmt.Errorf("--vary %s=%s: %v", o.Key, o.Value, err)
	}
	seen := map[string]bool{}
	for _, x := range v.Values {
		if seen[x] {
			return v, fmt.Errorf("--vary %s=%s: %s is listed twice", o.Key, o.Value, x)
		}
		seen[x] = true
	}
	if len(v.Values) > MaxValues {
		return v, fmt.Errorf("--vary %s: %d values, more than %d", o.Key, len(v.Values), MaxValues)
	}
	v.Scale = listScale(v.Values)
	return v, nil
}

// String is the --vary argument that gives v.
func (v Vary) String() string { return v.Key + "=" + strings.Join(v.Values, ",") }

// splitList splits a,b,c at the commas outside parentheses, brackets,
// braces and quotes: uniform(10ms, 30ms) is one value.
func splitList(s string) ([]string, error) {
	var out []string
	depth, quote, start := 0, byte(0), 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			c := s[i]
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
				continue
			case c == '"' || c == '\'':
				quote = c
				continue
			case c == '(' || c == '[' || c == '{':
				depth++
				continue
			case c == ')' || c == ']' || c == '}':
				depth--
				continue
			case c != ',' || depth > 0:
				continue
			}
		}
		item := strings.TrimSpace(s[start:i])
		if item == "" {
			return nil, fmt.Errorf("an empty value in the list")
		}
		out = append(out, item)
		start = i + 1
	}
	if quote != 0 || depth != 0 {
		return nil, fmt.Errorf("unbalanced quotes or parentheses")
	}
	return out, nil
}

// number is a range's bound or step: a value and its unit.
type number struct {
	v       float64
	unit    string
	integer bool // written without a decimal point or exponent
	text    string
}

func parseNumber(s string) (number, error) {
	s = strings.TrimSpace(s)
	i := len(s)
	for i > 0 && isLetter(s[i-1]) {
		i--
	}
	n := number{unit: s[i:], text: s[:i]}
	v, err := strconv.ParseFloat(n.text, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return n, fmt.Errorf("%q is not a number (with an optional unit, e.g. 150, 0.5, 100ms)", s)
	}
	n.v = v
	n.integer = !strings.ContainsAny(n.text, ".eE")
	return n, nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// expandRange expands A..B:STEP, A..B:xF and A..B:log10.
func expandRange(s string) ([]string, string, error) {
	const usage = "want A..B:STEP, A..B:xF or A..B:log10, e.g. 10..150:10, 1..64:x2, 1..1000:log10"
	a, rest, _ := strings.Cut(s, "..")
	colon := strings.LastIndexByte(rest, ':')
	if colon < 0 {
		return nil, "", fmt.Errorf("no step: %s", usage)
	}
	b, step := rest[:colon], strings.TrimSpace(rest[colon+1:])
	lo, err := parseNumber(a)
	if err != nil {
		return nil, "", fmt.Errorf("%v: %s", err, usage)
	}
	hi, err := parseNumber(b)
	if err != nil {
		return nil, "", fmt.Errorf("%v: %s", err, usage)
	}
	if lo.unit != hi.unit {
		return nil, "", fmt.Errorf("the bounds have different units (%q, %q): write both in one unit", lo.unit, hi.unit)
	}
	if hi.v < lo.v {
		return nil, "", fmt.Errorf("the range runs down (%s > %s): write the smaller bound first", a, b)
	}
	integer := lo.integer && hi.integer
	var vals []float64
	scale := Linear
	switch {
	case step == "log10" || strings.HasPrefix(step, "x"):
		f := 10.0
		if step != "log10" {
			f, err = strconv.ParseFloat(step[1:], 64)
			if err != nil || !(f > 1) || math.IsInf(f, 0) {
				return nil, "", fmt.Errorf("factor %q: want a number above 1 after x, e.g. x2", step)
			}
		}
		if lo.v <= 0 {
			return nil, "", fmt.Errorf("a geometric range needs a positive start, not %s", a)
		}
		scale = Log
		for x := lo.v; x <= hi.v*(1+1e-9); x *= f {
			vals = append(vals, x)
			if len(vals) > MaxValues {
				break
			}
		}
	default:
		st, err := parseNumber(step)
		if err != nil {
			return nil, "", fmt.Errorf("step: %v: %s", err, usage)
		}
		if st.unit != "" && st.unit != lo.unit {
			return nil, "", fmt.Errorf("the step's unit %q is not the bounds' %q", st.unit, lo.unit)
		}
		if !(st.v > 0) {
			return nil, "", fmt.Errorf("step %s: want a positive step", step)
		}
		integer = integer && st.integer
		n := math.Floor((hi.v-lo.v)/st.v+1e-9) + 1
		if n > MaxValues {
			return nil, "", fmt.Errorf("%.0f values, more than %d", n, MaxValues)
		}
		for i := range int(n) {
			vals = append(vals, lo.v+float64(i)*st.v)
		}
	}
	if len(vals) > MaxValues {
		return nil, "", fmt.Errorf("more than %d values", MaxValues)
	}
	var out []string
	for _, x := range vals {
		var t string
		if integer {
			t = strconv.FormatFloat(math.Round(x), 'f', 0, 64)
		} else {
			t = formatDecimal(x)
		}
		if len(out) > 0 && out[len(out)-1] == t+lo.unit {
			continue // integer rounding of a small factor repeats values
		}
		out = append(out, t+lo.unit)
	}
	return out, scale, nil
}

// formatDecimal writes x with at most 12 significant digits, so that
// 0.1+0.2 is written 0.3, and always as a TOML float (with a point).
func formatDecimal(x float64) string {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 12, 64), 64)
	t := strconv.FormatFloat(r, 'f', -1, 64)
	if !strings.ContainsAny(t, ".eE") {
		t += ".0"
	}
	return t
}

// listScale is Linear for numbers (or durations), Log for positive numbers
// spanning a factor of 50 or more, else Category.
func listScale(vals []string) string {
	xs, ok := numericValues(vals)
	if !ok {
		return Category
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	if lo > 0 && hi/lo >= 50 {
		return Log
	}
	return Linear
}

// numericValues reads values as numbers on one axis: plain numbers,
// numbers with one shared unit, or durations (in seconds).
func numericValues(vals []string) ([]float64, bool) {
	xs, _, ok := Axis(vals)
	return xs, ok
}

// Axis places a key's values on a numeric axis: plain numbers as they are,
// numbers sharing one unit (64MiB, 128MiB) by their number, durations (5s,
// 500ms) in seconds. unit names the axis's unit ("" for plain numbers). ok
// is false when the values are not all of one of these kinds.
func Axis(vals []string) (xs []float64, unit string, ok bool) {
	if len(vals) == 0 {
		return nil, "", false
	}
	xs = make([]float64, len(vals))
	unit = "?"
	shared := true
	for i, s := range vals {
		s = strings.Trim(s, `"'`)
		n, err := parseNumber(s)
		if err != nil {
			shared = false
			break
		}
		if unit != "?" && n.unit != unit {
			shared = false
			break
		}
		unit, xs[i] = n.unit, n.v
	}
	if shared {
		return xs, unit, true
	}
	for i, s := range vals {
		d, err := time.ParseDuration(strings.Trim(s, `"'`))
		if err != nil {
			return nil, "", false
		}
		xs[i] = d.Seconds()
	}
	return xs, "s", true
}
