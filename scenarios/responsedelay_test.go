package scenarios

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestResponseDelayDraw(t *testing.T) {
	ms := time.Millisecond
	r := ResponseDelay{
		{Quiet: 0, Quantiles: []time.Duration{0, 1 * ms, 2 * ms}},
		{Quiet: 100 * ms, Quantiles: []time.Duration{2 * ms, 3 * ms, 10 * ms}},
	}
	tests := []struct {
		quiet time.Duration
		u     float64
		want  time.Duration
	}{
		{0, 0, 0},
		{0, 0.25, 500 * time.Microsecond},          // halfway between the 0% and 50% quantiles
		{0, 0.75, 1500 * time.Microsecond},         // halfway between 50% and 100%
		{100 * ms, 0.5, 3 * ms},                    // the second level's median
		{50 * ms, 0.5, 2 * ms},                     // halfway between the medians 1 and 3 ms
		{50 * ms, 0, 1 * ms},                       // halfway between the minima 0 and 2 ms
		{time.Hour, 0.75, 6500 * time.Microsecond}, // past the last level: the last
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, r.Draw(tc.quiet, tc.u), "quiet %v u %v", tc.quiet, tc.u)
	}
	assert.Zero(t, ResponseDelay(nil).Draw(time.Second, 0.9), "no levels: no delay")
	// Draws increase with u: the levels' inverse distribution functions.
	prev := time.Duration(-1)
	for u := 0.0; u < 1; u += 0.01 {
		d := r.Draw(30*ms, u)
		assert.GreaterOrEqual(t, d, prev)
		prev = d
	}
}

func TestResponseDelayRoundTrips(t *testing.T) {
	var l DelayLevel
	assert.NoError(t, l.UnmarshalText([]byte("100ms: 0.9ms 1.4ms 4ms")))
	assert.Equal(t, DelayLevel{Quiet: 100 * time.Millisecond, Quantiles: []time.Duration{900 * time.Microsecond, 1400 * time.Microsecond, 4 * time.Millisecond}}, l)
	b, err := l.MarshalText()
	assert.NoError(t, err)
	assert.Equal(t, "100ms: 900µs 1.4ms 4ms", string(b))
}
