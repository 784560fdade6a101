package scenarios

import (
	"fmt"
	"strings"
	"time"
)

// ResponseDelay is host.response_delay: how much longer than the server's
// work a client on this host waits for a response, by how long the load
// generator had been quiet (neither sending nor receiving) when the server
// wrote it. An idle core wakes later the longer it has idled, and the
// client's code then runs on cold caches; `simulate calibrate` measures it
// with lone requests of known CPU (docs/model.md §9.9). Empty: no delay.
//
// It is a list of levels in increasing order of quiet time. A level is the
// delay's distribution after that much quiet, as quantiles at evenly spaced
// probabilities 0, 1/(k−1), …, 1 (every level has the same k ≥ 2). A draw u
// in [0, 1) reads each level's inverse distribution function at u (linear
// between quantiles), then interpolates linearly in the quiet time between
// the two levels around it; before the first level it is the first's, past
// the last the last's.
type ResponseDelay []DelayLevel

// A DelayLevel is one level of ResponseDelay, written
// "QUIET: Q0 Q1 … Qk-1", e.g. "100ms: 0.9ms 1.4ms 2.1ms 4ms".
type DelayLevel struct {
	Quiet     time.Duration
	Quantiles []time.Duration
}

// UnmarshalText parses "QUIET: Q0 Q1 …".
func (l *DelayLevel) UnmarshalText(b []byte) error {
	s := string(b)
	quiet, qs, ok := strings.Cut(s, ":")
	if !ok {
		return fmt.Errorf("%q: write a level as \"QUIET: Q0 Q1 …\" (the quiet time, a colon, then the delay's quantiles from 0%% to 100%%)", s)
	}
	var d Duration
	if err := d.UnmarshalText([]byte(quiet)); err != nil {
		return fmt.Errorf("%q: the quiet time: %v", s, err)
	}
	l.Quiet, l.Quantiles = d.Duration, nil
	for _, f := range strings.Fields(qs) {
		if err := d.UnmarshalText([]byte(f)); err != nil {
			return fmt.Errorf("%q: a quantile: %v", s, err)
		}
		l.Quantiles = append(l.Quantiles, d.Duration)
	}
	if len(l.Quantiles) < 2 {
		return fmt.Errorf("%q: a level needs at least 2 quantiles (0%% and 100%%)", s)
	}
	return nil
}

// MarshalText writes l the way UnmarshalText reads it.
func (l DelayLevel) MarshalText() ([]byte, error) {
	var b strings.Builder
	b.WriteString(l.Quiet.String() + ":")
	for _, q := range l.Quantiles {
		b.WriteString(" " + q.String())
	}
	return []byte(b.String()), nil
}

func (r ResponseDelay) check(ps *problems, key string) {
	for i, l := range r {
		if i > 0 && l.Quiet <= r[i-1].Quiet {
			ps.add(key, Duration{l.Quiet}, "levels must be in increasing order of quiet time (level %d's is not after level %d's)", i+1, i)
		}
		if len(l.Quantiles) != len(r[0].Quantiles) {
			ps.add(key, len(l.Quantiles), "every level must have as many quantiles as the first (%d); level %d has %d", len(r[0].Quantiles), i+1, len(l.Quantiles))
		}
		for j := 1; j < len(l.Quantiles); j++ {
			if l.Quantiles[j] < l.Quantiles[j-1] {
				ps.add(key, Duration{l.Quantiles[j]}, "level %d's quantiles must not decrease (%v after %v)", i+1, l.Quantiles[j], l.Quantiles[j-1])
				break
			}
		}
	}
}

// Draw returns the delay after quiet for the draw u in [0, 1).
func (r ResponseDelay) Draw(quiet time.Duration, u float64) time.Duration {
	if len(r) == 0 {
		return 0
	}
	if quiet <= r[0].Quiet {
		return r[0].at(u)
	}
	for i := 1; i < len(r); i++ {
		if quiet < r[i].Quiet {
			lo, hi := r[i-1], r[i]
			f := float64(quiet-lo.Quiet) / float64(hi.Quiet-lo.Quiet)
			a, b := lo.at(u), hi.at(u)
			return a + time.Duration(f*float64(b-a))
		}
	}
	return r[len(r)-1].at(u)
}

// at is the level's inverse distribution function at u.
func (l DelayLevel) at(u float64) time.Duration {
	q := l.Quantiles
	x := u * float64(len(q)-1)
	i := int(x)
	if i >= len(q)-1 {
		return q[len(q)-1]
	}
	return q[i] + time.Duration((x-float64(i))*float64(q[i+1]-q[i]))
}
