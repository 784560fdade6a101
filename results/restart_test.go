package results

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// steady returns requests sent every 100 ms over [from, to) taking lat each.
func steady(from, to, lat time.Duration) []Attempt {
	var out []Attempt
	for t := from; t < to; t += 100 * time.Millisecond {
		out = append(out, Attempt{Start: t, End: t + lat, OK: true})
	}
	return out
}

func TestRestartWindow(t *testing.T) {
	ms := time.Millisecond
	s := time.Second
	base := steady(0, 10*s, 50*ms)
	cases := []struct {
		name        string
		reqs        []Attempt
		window      time.Duration
		failed, del int64
		p99         time.Duration
	}{
		{"nothing happens", append(append([]Attempt{}, base...), steady(10*s, 20*s, 50*ms)...), 0, 0, 0, 50 * ms},
		{
			// Requests sent in [10 s, 11.5 s) wait for the new daemons until
			// 12 s; then all is well again.
			"a stall",
			append(append(append([]Attempt{}, base...), func() []Attempt {
				var out []Attempt
				for t := 10 * s; t < 11500*ms; t += 100 * ms {
					out = append(out, Attempt{Start: t, End: 12 * s, OK: true})
				}
				return out
			}()...), steady(11500*ms, 20*s, 50*ms)...),
			2 * s, 0, 15, 1980 * ms, // interpolated between the two slowest
		},
		{
			// A request in flight at the command is reset; one stray slow
			// request 3 s later is not the restart's.
			"a reset and a stray",
			append(append(append([]Attempt{}, base...),
				Attempt{Start: 9950 * ms, End: 10010 * ms, OK: false},
				Attempt{Start: 13 * s, End: 13500 * ms, OK: true}),
				steady(10*s, 20*s, 50*ms)...),
			10 * ms, 1, 0, 50 * ms,
		},
		{
			// Nobody serves any more: requests wait until the run ends.
			"unfinished at the end",
			append(append([]Attempt{}, base...), func() []Attempt {
				var out []Attempt
				for t := 10 * s; t < 20*s; t += 100 * ms {
					out = append(out, Attempt{Start: t, End: 20 * s, Unfinished: true})
				}
				return out
			}()...),
			10 * s, 0, 100, 0, // no request completed in the window
		},
		{
			// Everything after a graceful stop is refused until the next event.
			"refused to the end",
			append(append([]Attempt{}, base...), func() []Attempt {
				var out []Attempt
				for t := 10 * s; t < 20*s; t += 100 * ms {
					out = append(out, Attempt{Start: t, End: t + ms, OK: false})
				}
				return out
			}()...),
			9901 * ms, 100, 0, 0,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := RestartWindow(10*s, 0, 20*s, c.reqs)
			assert.Equal(t, 50*ms, w.BaselineP99)
			assert.Equal(t, c.window, w.Window)
			assert.Equal(t, c.failed, w.Failed)
			assert.Equal(t, c.del, w.Delayed)
			assert.InDelta(t, float64(c.p99), float64(w.P99), float64(ms))
		})
	}
}

// The baseline looks back 10 s, but not before from (the previous event's
// window), and the next event bounds what belongs to this one.
func TestRestartWindowBaselineAndNext(t *testing.T) {
	s, ms := time.Second, time.Millisecond
	reqs := append(steady(0, 5*s, 500*ms), steady(5*s, 10*s, 50*ms)...)
	reqs = append(reqs, Attempt{Start: 10 * s, End: 10400 * ms, OK: true})
	reqs = append(reqs, Attempt{Start: 10500 * ms, End: 11 * s, OK: true}) // sent after next
	w := RestartWindow(10*s, 5500*ms, 10500*ms, reqs)
	assert.Equal(t, 50*ms, w.BaselineP99, "the slow requests before from are not the baseline")
	assert.Equal(t, 400*ms, w.Window)
	assert.Equal(t, int64(1), w.Delayed)

	w = RestartWindow(10*s, 0, 10500*ms, reqs)
	assert.Zero(t, w.Window, "with the slow ones in the baseline, 400 ms is not slow")
}
