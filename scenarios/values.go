package scenarios

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// Duration is a length of time written like Go's time.ParseDuration ("5s",
// "150ms", "1h30m"). A bare 0 is accepted. No duration may exceed
// MaxDuration.
type Duration struct{ time.Duration }

// Limits of values, so that no arithmetic on them overflows: the simulation
// clock counts int64 nanoseconds (292 years) and memory int64 bytes.
const (
	MaxDuration = 8760 * time.Hour // a year: any duration, and any value of a time distribution
	MaxSize     = 1 << 50          // 1 PiB: any amount of memory
	MaxCount    = 1e9              // any value of a count distribution (requests per connection)
)

// D returns d as a Duration.
func D(d time.Duration) Duration { return Duration{d} }

// UnmarshalText parses "5s" and friends.
func (d *Duration) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "0" {
		d.Duration = 0
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		if strings.Contains(err.Error(), "invalid duration") && durationSyntax(s) {
			return fmt.Errorf("%q is too long: durations are at most %v (a year)", s, MaxDuration)
		}
		return fmt.Errorf("%q is not a duration (write it like \"5s\", \"150ms\", \"2m\")", s)
	}
	if v < 0 {
		return fmt.Errorf("%q: a duration cannot be negative", s)
	}
	if v > MaxDuration {
		return fmt.Errorf("%q is too long: durations are at most %v (a year)", s, MaxDuration)
	}
	d.Duration = v
	return nil
}

// durationSyntax reports whether s looks like a duration whose number is
// merely too large for time.ParseDuration (digits, dots, units).
func durationSyntax(s string) bool {
	return s != "" && strings.Trim(s, "0123456789.nsuµmh") == ""
}

// MarshalText writes d the way UnmarshalText reads it.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// TickPhase is "random", "startup" or a duration in (0, 1s]: see
// Scenario.TickPhase.
type TickPhase struct {
	Random   bool
	Startup  bool
	Duration time.Duration
}

// UnmarshalText parses "random", "startup" or a duration.
func (p *TickPhase) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	switch s {
	case "random":
		*p = TickPhase{Random: true}
		return nil
	case "startup":
		*p = TickPhase{Startup: true}
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 || v > time.Second {
		return fmt.Errorf("%q: expected \"random\", \"startup\" or a duration from more than 0 to 1s (the time from the load's start to the parent's first maintenance tick)", s)
	}
	*p = TickPhase{Duration: v}
	return nil
}

// MarshalText writes the phase as UnmarshalText reads it.
func (p TickPhase) MarshalText() ([]byte, error) {
	switch {
	case p.Random:
		return []byte("random"), nil
	case p.Startup:
		return []byte("startup"), nil
	}
	return []byte(p.Duration.String()), nil
}

func (p TickPhase) String() string { b, _ := p.MarshalText(); return string(b) }

// Size is an amount of memory in bytes, written "30MiB", "256MB", "4GiB",
// "512KiB" or a plain number of bytes. MB and GB are read as MiB and GiB, as
// Apache and Linux tools print them.
type Size int64

// Units of Size.
const (
	Byte Size = 1
	KiB       = 1024 * Byte
	MiB       = 1024 * KiB
	GiB       = 1024 * MiB
)

// MiBs returns s in MiB.
func (s Size) MiBs() float64 { return float64(s) / float64(MiB) }

var sizeUnits = []struct {
	suffix string
	unit   Size
}{
	{"KiB", KiB}, {"MiB", MiB}, {"GiB", GiB}, {"TiB", 1024 * GiB},
	{"KB", KiB}, {"MB", MiB}, {"GB", GiB}, {"TB", 1024 * GiB},
	{"K", KiB}, {"M", MiB}, {"G", GiB}, {"B", Byte},
}

// ParseSize parses a Size.
func ParseSize(text string) (Size, error) {
	s := strings.TrimSpace(text)
	num, unit := s, Byte
	for _, u := range sizeUnits {
		if strings.HasSuffix(s, u.suffix) {
			num, unit = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.unit
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a size (write it like \"30MiB\", \"256MB\", \"4GiB\")", text)
	}
	if v < 0 {
		return 0, fmt.Errorf("%q: a size cannot be negative", text)
	}
	if v*float64(unit) > MaxSize {
		return 0, fmt.Errorf("%q is too large: sizes are at most 1PiB", text)
	}
	return Size(v*float64(unit) + 0.5), nil
}

// UnmarshalText parses a Size.
func (s *Size) UnmarshalText(b []byte) error {
	v, err := ParseSize(string(b))
	if err == nil {
		*s = v
	}
	return err
}

// MarshalText writes s in the largest binary unit that keeps it readable.
func (s Size) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s Size) String() string {
	switch {
	case s == 0:
		return "0B"
	case s%GiB == 0:
		return fmt.Sprintf("%dGiB", s/GiB)
	case s >= GiB:
		return strconv.FormatFloat(float64(s)/float64(GiB), 'f', -1, 64) + "GiB"
	case s%MiB == 0:
		return fmt.Sprintf("%dMiB", s/MiB)
	case s >= MiB:
		return strconv.FormatFloat(float64(s)/float64(MiB), 'f', -1, 64) + "MiB"
	case s%KiB == 0:
		return fmt.Sprintf("%dKiB", s/KiB)
	}
	return fmt.Sprintf("%dB", int64(s))
}

// Dist is a probability distribution of a duration or a count, written as
//
//	const(2s)                          always 2 s
//	exp(20ms)                          exponential with mean 20 ms
//	uniform(10ms, 30ms)                uniform between the bounds
//	lognormal(median=20ms, p99=200ms)  log-normal by its median and 99th percentile
//	lognormal(mean=20ms, cv=1.5)       log-normal by its mean and coefficient of variation
//	gamma(mean=20ms, cv=0.5)           gamma by its mean and coefficient of variation
//
// Values carry a time unit (ns, us, ms, s, m, h) for durations, or none for
// counts (requests per connection: "const(3)", "uniform(1, 10)").
// Sample returns seconds for durations, the plain number for counts.
type Dist struct {
	text   string
	kind   string
	a, b   float64 // kind-specific parameters, in seconds or plain numbers
	isTime bool
}

// Const returns the distribution that is always v (seconds, or a count).
func Const(v float64, isTime bool) Dist {
	t := strconv.FormatFloat(v, 'g', -1, 64)
	if isTime {
		t = time.Duration(v * 1e9).String()
	}
	return Dist{text: "const(" + t + ")", kind: "const", a: v, isTime: isTime}
}

// MustDist parses a distribution and panics on error; for defaults and tests.
func MustDist(s string) Dist {
	d, err := ParseDist(s)
	if err != nil {
		panic(err)
	}
	return d
}

// DistForms lists the accepted distribution forms, for error messages.
const DistForms = `const(X), exp(MEAN), uniform(A, B), lognormal(median=X, p99=Y), lognormal(mean=X, cv=C), gamma(mean=X, cv=C)`

// ParseDist parses the forms documented on Dist.
func ParseDist(text string) (Dist, error) {
	s := strings.TrimSpace(text)
	bad := func(why string) (Dist, error) {
		return Dist{}, fmt.Errorf("%q is not a distribution: %s (accepted: %s)", text, why, DistForms)
	}
	open := strings.IndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return bad("expected NAME(ARGS)")
	}
	kind := strings.ToLower(strings.TrimSpace(s[:open]))
	var args []string
	if inner := strings.TrimSpace(s[open+1 : len(s)-1]); inner != "" {
		args = strings.Split(inner, ",")
	}
	named := map[string]float64{}
	var pos []float64
	timeArgs, countArgs := 0, 0
	for _, a := range args {
		a = strings.TrimSpace(a)
		name := ""
		if eq := strings.IndexByte(a, '='); eq >= 0 {
			name, a = strings.ToLower(strings.TrimSpace(a[:eq])), strings.TrimSpace(a[eq+1:])
		}
		v, isTime, err := parseQuantity(a)
		if err != nil {
			return bad(err.Error())
		}
		if name == "cv" {
			if isTime {
				return bad("cv is a plain ratio, without a unit")
			}
		} else if isTime {
			timeArgs++
		} else {
			countArgs++
		}
		if name != "" {
			named[name] = v
		} else {
			pos = append(pos, v)
		}
	}
	if timeArgs > 0 && countArgs > 0 {
		return bad("mixes durations and plain numbers")
	}
	d := Dist{text: s, kind: kind, isTime: timeArgs > 0}
	need := func(names ...string) bool {
		if len(pos) != 0 || len(named) != len(names) {
			return false
		}
		for _, n := range names {
			if _, ok := named[n]; !ok {
				return false
			}
		}
		return true
	}
	switch {
	case kind == "const" && len(pos) == 1 && len(named) == 0:
		d.a = pos[0]
	case kind == "exp" && len(pos) == 1 && len(named) == 0:
		if pos[0] <= 0 {
			return bad("the mean must be positive")
		}
		d.a = pos[0]
	case kind == "uniform" && len(pos) == 2 && len(named) == 0:
		if pos[1] < pos[0] {
			return bad("the upper bound is below the lower bound")
		}
		d.a, d.b = pos[0], pos[1]
	case kind == "lognormal" && need("median", "p99"):
		m, p := named["median"], named["p99"]
		if m <= 0 || p <= m {
			return bad("needs 0 < median < p99")
		}
		d.kind = "lognormal"
		d.a = math.Log(m)
		d.b = (math.Log(p) - d.a) / distuv.UnitNormal.Quantile(0.99)
	case kind == "lognormal" && need("mean", "cv"):
		mean, cv := named["mean"], named["cv"]
		if mean <= 0 || cv <= 0 {
			return bad("needs a positive mean and cv")
		}
		sigma2 := math.Log1p(cv * cv)
		d.a = math.Log(mean) - sigma2/2
		d.b = math.Sqrt(sigma2)
	case kind == "gamma" && need("mean", "cv"):
		mean, cv := named["mean"], named["cv"]
		if mean <= 0 || cv <= 0 {
			return bad("needs a positive mean and cv")
		}
		d.a = 1 / (cv * cv) // shape
		d.b = d.a / mean    // rate
	default:
		return bad("unknown name or wrong arguments")
	}
	if why := d.implausible(); why != "" {
		return bad(why)
	}
	return d, nil
}

// implausible says why a parsed distribution cannot be sampled safely: its
// derived parameters overflow (a cv so small that the gamma shape is
// infinite, or so large that the log-normal sigma is), or its mean, its
// 99.9th percentile or one of a few samples is not finite or exceeds the
// largest value a scenario may hold (MaxDuration for durations, MaxCount
// for counts). "" when it is fine.
func (d Dist) implausible() string {
	limit, unit := MaxDuration.Seconds(), "durations are at most "+MaxDuration.String()+" (a year)"
	if !d.isTime {
		limit, unit = MaxCount, fmt.Sprintf("counts are at most %g", float64(MaxCount))
	}
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	if !finite(d.a) || !finite(d.b) {
		return "its parameters overflow (is the cv extremely small or large?)"
	}
	switch d.kind {
	case "gamma":
		if d.a > 1e12 || d.a < 1e-6 {
			return "the cv must be from 1e-6 to 1000"
		}
	case "lognormal":
		if d.b > 10 {
			return "the spread is too wide (sigma of the underlying normal above 10): lower the cv or the p99"
		}
	}
	if m, q := d.Mean(), d.Quantile(0.999); !finite(m) || !finite(q) || m > limit || q > limit {
		return "its mean or 99.9th percentile is out of range: " + unit
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 64 {
		if v := d.Sample(r); !finite(v) || v < 0 {
			return "it samples values that are not finite, non-negative numbers"
		}
	}
	return ""
}

// parseQuantity reads "20ms" (a duration, returned in seconds) or "3.5".
func parseQuantity(s string) (v float64, isTime bool, err error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			return 0, false, fmt.Errorf("%q must be a finite, non-negative number", s)
		}
		return f, false, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		if strings.Contains(err.Error(), "invalid duration") && durationSyntax(s) {
			return 0, false, fmt.Errorf("%q is too long: durations are at most %v (a year)", s, MaxDuration)
		}
		return 0, false, fmt.Errorf("%q is neither a number nor a duration", s)
	}
	if d < 0 {
		return 0, false, fmt.Errorf("%q cannot be negative", s)
	}
	if d > MaxDuration {
		return 0, false, fmt.Errorf("%q is too long: durations are at most %v (a year)", s, MaxDuration)
	}
	return d.Seconds(), true, nil
}

// UnmarshalText parses a Dist.
func (d *Dist) UnmarshalText(b []byte) error {
	v, err := ParseDist(string(b))
	if err == nil {
		*d = v
	}
	return err
}

// MarshalText writes the distribution as it was written.
func (d Dist) MarshalText() ([]byte, error) { return []byte(d.text), nil }

func (d Dist) String() string { return d.text }

// IsZero reports whether d was never set.
func (d Dist) IsZero() bool { return d.kind == "" }

// IsTime reports whether the distribution is of durations.
func (d Dist) IsTime() bool { return d.isTime }

// Sample draws one value: seconds for a duration, the number for a count.
func (d Dist) Sample(r *rand.Rand) float64 {
	switch d.kind {
	case "const", "":
		return d.a
	case "exp":
		return r.ExpFloat64() * d.a
	case "uniform":
		return d.a + (d.b-d.a)*r.Float64()
	case "lognormal":
		return distuv.LogNormal{Mu: d.a, Sigma: d.b, Src: r}.Rand()
	case "gamma":
		return distuv.Gamma{Alpha: d.a, Beta: d.b, Src: r}.Rand()
	}
	panic("scenarios: unknown distribution " + d.kind)
}

// Mean returns the distribution's mean (seconds, or a count).
func (d Dist) Mean() float64 {
	switch d.kind {
	case "const", "":
		return d.a
	case "exp":
		return d.a
	case "uniform":
		return (d.a + d.b) / 2
	case "lognormal":
		return math.Exp(d.a + d.b*d.b/2)
	case "gamma":
		return d.a / d.b
	}
	return math.NaN()
}

// Quantile returns the value at probability p (seconds, or a count).
func (d Dist) Quantile(p float64) float64 {
	switch d.kind {
	case "const", "":
		return d.a
	case "exp":
		return -math.Log1p(-p) * d.a
	case "uniform":
		return d.a + (d.b-d.a)*p
	case "lognormal":
		return distuv.LogNormal{Mu: d.a, Sigma: d.b}.Quantile(p)
	case "gamma":
		return distuv.Gamma{Alpha: d.a, Beta: d.b}.Quantile(p)
	}
	return math.NaN()
}

// Params returns the distribution's kind and its two internal parameters, for
// code that must sample it outside Go (runtime mode's Python app):
//
//	const      a = the value
//	exp        a = the mean
//	uniform    a, b = the bounds
//	lognormal  a = mu, b = sigma of the underlying normal
//	gamma      a = shape, b = rate
//
// Durations are in seconds. An unset Dist is const 0.
func (d Dist) Params() (kind string, a, b float64) {
	if d.kind == "" {
		return "const", d.a, 0
	}
	return d.kind, d.a, d.b
}
