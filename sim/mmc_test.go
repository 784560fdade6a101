package sim_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/forkcast/forkcast/sim"
)

// mmc is an M/M/c queue built on the engine: Poisson arrivals, c servers,
// exponential service, FIFO waiting room. It is the engine's self-check
// against queueing theory and its benchmark.
type mmc struct {
	s          *sim.Sim
	arrivals   *rand.Rand
	service    *rand.Rand
	lambda, mu float64
	free       []*mmcServer
	queue      []sim.Time // arrival instants of waiting customers (ring buffer)
	head       int
	limit      int // customers to admit
	admitted   int
	done       int
	onResponse func(sim.Time)
	next       *sim.Timer
}

type mmcServer struct {
	m       *mmc
	arrived sim.Time
	t       *sim.Timer
}

func newMMc(seed uint64, lambda, mu float64, c, customers int, onResponse func(sim.Time)) *mmc {
	st := sim.NewStreams(seed)
	m := &mmc{s: sim.New(), arrivals: st.Stream("arrivals"), service: st.Stream("service"),
		lambda: lambda, mu: mu, limit: customers, onResponse: onResponse}
	for i := 0; i < c; i++ {
		srv := &mmcServer{m: m}
		srv.t = m.s.NewTimer(srv.depart)
		m.free = append(m.free, srv)
	}
	m.next = m.s.NewTimer(m.arrive)
	m.next.Reset(m.exp(m.arrivals, lambda))
	return m
}

func (m *mmc) exp(r *rand.Rand, rate float64) sim.Time {
	return sim.FromSeconds(r.ExpFloat64() / rate)
}

func (m *mmc) arrive() {
	now := m.s.Now()
	m.admitted++
	if n := len(m.free); n > 0 {
		srv := m.free[n-1]
		m.free = m.free[:n-1]
		srv.start(now)
	} else {
		m.queue = append(m.queue, now)
	}
	if m.admitted < m.limit {
		m.next.Reset(m.exp(m.arrivals, m.lambda))
	}
}

func (srv *mmcServer) start(arrived sim.Time) {
	srv.arrived = arrived
	srv.t.Reset(srv.m.exp(srv.m.service, srv.m.mu))
}

func (srv *mmcServer) depart() {
	m := srv.m
	m.done++
	m.onResponse(m.s.Now() - srv.arrived)
	if m.head < len(m.queue) {
		a := m.queue[m.head]
		m.head++
		if m.head > 1024 && m.head*2 > len(m.queue) { // compact the ring
			m.queue = append(m.queue[:0], m.queue[m.head:]...)
			m.head = 0
		}
		srv.start(a)
		return
	}
	m.free = append(m.free, srv)
}

// erlangC returns the mean response time of M/M/c from queueing theory:
// W = 1/mu + C(c, a) / (c*mu - lambda), with a = lambda/mu and C the Erlang C
// probability of waiting.
func erlangC(lambda, mu float64, c int) float64 {
	a := lambda / mu
	rho := a / float64(c)
	// Sum a^k/k! for k < c, and a^c/c!, computed incrementally.
	term, sum := 1.0, 0.0
	for k := 0; k < c; k++ {
		sum += term
		term *= a / float64(k+1)
	}
	top := term / (1 - rho)
	pWait := top / (sum + top)
	return 1/mu + pWait/(float64(c)*mu-lambda)
}

func TestMMcMatchesErlangC(t *testing.T) {
	cases := []struct {
		c          int
		lambda, mu float64
	}{
		{1, 0.8, 1},   // M/M/1, rho 0.8: W = 5
		{5, 4.5, 1},   // heavy load, rho 0.9
		{50, 40, 1},   // the benchmark's configuration
		{10, 5, 1},    // light load: W barely above 1/mu
		{2, 150, 100}, // fast service, rho 0.75
	}
	for _, tc := range cases {
		const batches, perBatch = 30, 20000
		warm := perBatch // discard one batch's worth as warm-up
		var sums [batches]float64
		var counts [batches]int
		n := 0
		m := newMMc(7, tc.lambda, tc.mu, tc.c, warm+batches*perBatch, func(d sim.Time) {
			if n >= warm {
				b := (n - warm) / perBatch
				if b < batches {
					sums[b] += d.Seconds()
					counts[b]++
				}
			}
			n++
		})
		m.s.Run(sim.Never)
		means := make([]float64, batches)
		for i := range means {
			means[i] = sums[i] / float64(counts[i])
		}
		mean, sd := stat.MeanStdDev(means, nil)
		half := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: batches - 1}.Quantile(0.995) * sd / math.Sqrt(batches)
		want := erlangC(tc.lambda, tc.mu, tc.c)
		assert.InDeltaf(t, want, mean, half, "M/M/%d lambda=%v mu=%v: simulated W %.4f ± %.4f, Erlang C %.4f",
			tc.c, tc.lambda, tc.mu, mean, half, want)
		assert.Less(t, half/want, 0.1, "confidence interval too wide to be a test")
	}
}

func TestErlangCKnownValues(t *testing.T) {
	assert.InDelta(t, 5.0, erlangC(0.8, 1, 1), 1e-12) // M/M/1: 1/(mu-lambda)
	// M/M/2, rho 0.25: C(2, a) = 2 rho^2 / (1 + rho) = 0.1, so W = 1 + 0.1/1.5.
	assert.InDelta(t, 1+0.1/1.5, erlangC(0.5, 1, 2), 1e-12)
	assert.InDelta(t, 1.0, erlangC(0.0001, 1, 10), 1e-9) // almost never waits
}

// BenchmarkMMc runs the open M/M/50 model at utilisation 0.8 (the model the
// README's Speed section compares engines on) and reports requests and events
// per second.
func BenchmarkMMc(b *testing.B) {
	const customers = 200000
	b.ReportAllocs()
	var fired uint64
	for i := 0; i < b.N; i++ {
		m := newMMc(uint64(i), 40, 1, 50, customers, func(sim.Time) {})
		m.s.Run(sim.Never)
		fired += m.s.Fired()
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(customers*b.N)/sec, "requests/s")
	b.ReportMetric(float64(fired)/sec, "events/s")
}
