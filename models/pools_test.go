package models

import (
	"testing"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/stretchr/testify/assert"
)

// The law through what the real Apache measured (an event child proxying
// to a daemon, 25 pools at once, round after round): 42.5, 46.3, 50.2,
// 54.0 and 57.8 KiB a pool after one to five connections, 57.8 after 16.
func TestPoolLaw(t *testing.T) {
	const k = float64(scenarios.KiB)
	for _, c := range []struct {
		name                string
		first, growth, busy scenarios.Size
		want                []float64 // KiB after 1, 2, ... connections, then the last for ever
	}{
		{"measured", 42 * scenarios.KiB, 4 * scenarios.KiB, 58 * scenarios.KiB, []float64{42, 46, 50, 54, 58}},
		{"the last step stops at busy", 42 * scenarios.KiB, 5 * scenarios.KiB, 58 * scenarios.KiB, []float64{42, 47, 52, 57, 58}},
		{"no growth: the first use's size for ever", 42 * scenarios.KiB, 0, 58 * scenarios.KiB, []float64{42}},
		{"a first use above busy is busy", 70 * scenarios.KiB, 4 * scenarios.KiB, 58 * scenarios.KiB, []float64{58}},
		{"no pool memory", 0, 4 * scenarios.KiB, 0, []float64{0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newPoolLaw(scenarios.Host{ConnectionPoolFirstUse: c.first, ConnectionPoolGrowth: c.growth, ConnectionPoolMemory: c.busy})
			assert.Zero(t, l.size(0))
			for u := 1; u <= 200; u++ {
				want := c.want[min(u, len(c.want))-1] * k
				assert.InDelta(t, want, l.size(u), 1e-6, "after %d connections", u)
			}
			sum := 0.0
			for u := 1; u <= 200; u++ {
				g := l.growth(u)
				assert.GreaterOrEqual(t, g, 0.0, "a pool never shrinks as it serves")
				sum += g
			}
			assert.InDelta(t, l.size(200), sum, 1e-6, "the growths add up to the size")
		})
	}
}
