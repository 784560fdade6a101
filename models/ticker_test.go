package models

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/sim"
	"github.com/forkcast/forkcast/workload"
)

// deciles returns a decile table with every decile d: a constant.
func deciles(d time.Duration) []time.Duration {
	out := make([]time.Duration, 11)
	for i := range out {
		out[i] = d
	}
	return out
}

// A user on a clock sends at the first tick after the one it last sent at,
// its delay after the tick, whose send is not past: once a tick, never
// twice at one (an answer that comes during a tick's sweep does not make
// that tick send again), skipping the ticks it waited through, and every
// Long ticks with the long delay.
func TestAUserOnAClockSendsAtItsTicks(t *testing.T) {
	s := &server{sim: sim.New()}
	pop := &population{s: s, p: &workload.Population{},
		ticker: &scenarios.Ticker{Period: 100 * time.Millisecond, Delay: deciles(2 * time.Millisecond),
			Long: 10, LongDelay: deciles(10 * time.Millisecond)},
		tickRand: rand.New(rand.NewPCG(1, 2))}
	c := &client{}
	ms := sim.Millisecond
	for _, tc := range []struct {
		answered, sends sim.Time
		why             string
	}{
		{30 * ms, 102 * ms, "the first tick after the start, 2 ms after it"},
		{150 * ms, 202 * ms, "the tick after the answer"},
		{201 * ms, 302 * ms, "tick 2 sent already: the next"},
		{303 * ms, 402 * ms, "tick 3's send is past: tick 4"},
		{950 * ms, 1010 * ms, "tick 9's send is past; tick 10 is a long one"},
		{1005 * ms, 1102 * ms, "answered before tick 10's send, which was its own"},
		{1501 * ms, 1502 * ms, "answered during tick 15's sweep"},
		{1503 * ms, 1602 * ms, "tick 15 sent"},
	} {
		var got sim.Time
		s.sim.At(tc.answered, func() { got = pop.nextTick(c) })
		s.sim.Run(sim.Never)
		assert.Equal(t, tc.sends, got, tc.why)
	}
}

// Delays are drawn linearly between their deciles.
func TestDrawDecile(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	uniform := make([]time.Duration, 11)
	for i := range uniform {
		uniform[i] = time.Duration(i) * 10 * time.Millisecond
	}
	tail := deciles(0)
	tail[10] = 100 * time.Millisecond
	const n = 100000
	var sum float64
	zeros := 0
	for range n {
		d := drawDecile(uniform, r)
		require.True(t, d >= 0 && d <= 100*sim.Millisecond)
		sum += d.Seconds()
		if drawDecile(tail, r) == 0 {
			zeros++
		}
	}
	assert.InDelta(t, 0.050, sum/n, 0.001, "uniform on [0, 100 ms]")
	assert.InDelta(t, 0.9, float64(zeros)/n, 0.005, "nine deciles of ten at 0")
	assert.Equal(t, sim.Time(0), drawDecile(nil, r))
	assert.Equal(t, 5*sim.Millisecond, drawDecile([]time.Duration{5 * time.Millisecond}, r))
}

// A poller on a 100 ms clock whose requests take 250 ms sends at the tick
// after each answer: one request every 300 ms, where a think time of
// 100 ms after each answer would make one every 350 ms.
func TestAPollerOnAClockSkipsTheTicksItWaitsThrough(t *testing.T) {
	sc := parse(t, `
duration = "30s"
[apache]
mpm = "event"
[wsgi]
preload = true
[app]
request_cpu = "const(0s)"
request_wait = "const(250ms)"
[workload.population.poller]
kind = "closed"
users = 1
think_time = "const(100ms)"
`, "")
	sc.Workload.Populations["poller"].Ticker = &scenarios.Ticker{Period: 100 * time.Millisecond}
	run, _, _ := simulateTraced(t, sc)
	assert.InDelta(t, 100, run.Summary.Requests.Completed, 1, "30 s at one every 300 ms")
}

// A poller whose work holds a core (Ticker.Holds: runtime mode's sampler
// sweeping /proc) takes it at every tick for the tick's delay, whether or
// not it then sends: on one core, a request of 1 s of CPU alongside ticks
// every 100 ms that hold it 10 ms gets 90% of the core and takes 1/0.9 s,
// 111 ms more than beside the same poller whose work holds nothing.
func TestAPollerOnAClockHoldsACoreForItsWork(t *testing.T) {
	const text = `
duration = "5s"
[host]
cpus = 1
[apache]
mpm = "event"
[wsgi]
preload = true
[app]
request_cpu = "const(1s)"
request_wait = "const(0s)"
[workload.population.one]
kind = "closed"
users = 1
think_time = "const(100s)"
[workload.observer.poller]
kind = "closed"
users = 1
think_time = "const(100ms)"
urls = { "/server-status" = 1 }
`
	latency := func(holds bool) float64 {
		sc := parse(t, text, "")
		sc.Workload.Observers["poller"].Ticker = &scenarios.Ticker{Period: 100 * time.Millisecond,
			Delay: deciles(10 * time.Millisecond), Holds: holds}
		run, _, _ := simulateTraced(t, sc)
		require.Equal(t, int64(1), run.Summary.Requests.Completed)
		return run.Summary.Latency.Mean
	}
	free, held := latency(false), latency(true)
	assert.InDelta(t, 1000.0/0.9-1000, held-free, 3, "held %.1f ms, free %.1f ms", held, free)
}
