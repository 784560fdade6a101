package validate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/forkcast/forkcast/scenarios"
)

// The touch probe's steps, in ms per MiB, read as warm cost, cold cost and
// the memory the host backed.
func TestDeriveTouch(t *testing.T) {
	const step = 20 << 20
	cases := []struct {
		name       string
		perMiB     []float64
		warm, cold time.Duration
		pool       scenarios.Size
	}{
		{"a host that backs everything: cold is warm, all of it warm",
			[]float64{0.5, 0.6, 0.5, 0.5, 0.6, 0.5, 0.5, 0.5}, 500 * time.Microsecond, 500 * time.Microsecond, 8 * step},
		{"the host stops backing after 4 steps",
			[]float64{0.5, 0.5, 0.6, 0.5, 3, 3.2, 2.9, 3.1, 3}, 500 * time.Microsecond, 3 * time.Millisecond, 4 * step},
		{"two dear steps are noise, three in a row the end of the warm memory",
			[]float64{0.5, 0.5, 3, 3, 0.5, 0.5, 0.5, 3, 3, 3}, 500 * time.Microsecond, 3 * time.Millisecond, 7 * step},
		{"dear steps only at the very end, fewer than a run: not enough to say",
			[]float64{0.5, 0.5, 0.5, 0.5, 0.5, 3, 3}, 500 * time.Microsecond, 500 * time.Microsecond, 7 * step},
		{"nothing touched", nil, 0, 0, 0},
	}
	for _, tc := range cases {
		s := TouchSample{Step: step}
		for _, ms := range tc.perMiB {
			s.CPU = append(s.CPU, time.Duration(ms*float64(time.Millisecond))*20)
		}
		warm, cold, pool := deriveTouch(s)
		assert.InDelta(t, float64(tc.warm), float64(warm), 1e3, tc.name)
		assert.InDelta(t, float64(tc.cold), float64(cold), 1e3, tc.name)
		assert.Equal(t, tc.pool, pool, tc.name)
	}
}
