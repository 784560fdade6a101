package sim_test

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

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
// README's Speed section compares engines on) on this engine and,
// alternately in the same run, on the baseline engine below; it reports this
// engine's requests and events per second and how many times faster than
// the baseline it is (x-baseline: the median over iterations of the
// baseline's time over this engine's, robust to the bursts of load of a
// shared machine).
func BenchmarkMMc(b *testing.B) {
	const customers = 200000
	b.ReportAllocs()
	var fired uint64
	var engine time.Duration
	var ratios []float64
	for i := 0; i < b.N; i++ {
		runtime.GC() // neither engine pays for the other's garbage
		t0 := time.Now()
		m := newMMc(uint64(i), 40, 1, 50, customers, func(sim.Time) {})
		m.s.Run(sim.Never)
		fired += m.s.Fired()
		e := time.Since(t0)
		engine += e
		runtime.GC()
		t1 := time.Now()
		bm := newBaseMMc(uint64(i), 40, 1, 50, customers, func(sim.Time) {})
		bm.e.run()
		ratios = append(ratios, time.Since(t1).Seconds()/e.Seconds())
	}
	sec := engine.Seconds()
	b.ReportMetric(float64(customers*b.N)/sec, "requests/s")
	b.ReportMetric(float64(fired)/sec, "events/s")
	b.ReportMetric(median(ratios), "x-baseline")
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return (s[(len(s)-1)/2] + s[len(s)/2]) / 2
}

// The baseline engine is the one a Go programmer writes first: a
// container/heap of event pointers ordered by (time, sequence), one
// allocation per scheduled event, callbacks as func values. baseMMc is the
// same M/M/c model on it (its callbacks bound once, as the engine's are),
// drawing the same numbers in the same order, so the
// two engines must produce the very same responses (TestBaselineIsTheSameModel).
type baseEvent struct {
	at  sim.Time
	seq uint64
	fn  func()
}

type baseQueue []*baseEvent

func (q baseQueue) Len() int { return len(q) }
func (q baseQueue) Less(i, j int) bool {
	return q[i].at < q[j].at || (q[i].at == q[j].at && q[i].seq < q[j].seq)
}
func (q baseQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *baseQueue) Push(x any)   { *q = append(*q, x.(*baseEvent)) }
func (q *baseQueue) Pop() any {
	old := *q
	n := len(old) - 1
	ev := old[n]
	old[n] = nil
	*q = old[:n]
	return ev
}

type baseEngine struct {
	now   sim.Time
	seq   uint64
	q     baseQueue
	fired uint64
}

func (e *baseEngine) after(d sim.Time, fn func()) {
	e.seq++
	heap.Push(&e.q, &baseEvent{at: e.now + d, seq: e.seq, fn: fn})
}

func (e *baseEngine) run() {
	for len(e.q) > 0 {
		ev := heap.Pop(&e.q).(*baseEvent)
		e.now = ev.at
		e.fired++
		ev.fn()
	}
}

type baseMMc struct {
	e          baseEngine
	arrivals   *rand.Rand
	service    *rand.Rand
	lambda, mu float64
	free       []*baseServer
	queue      []sim.Time
	head       int
	limit      int
	admitted   int
	onResponse func(sim.Time)
	arrive     func()
}

type baseServer struct {
	m       *baseMMc
	arrived sim.Time
	depart  func()
}

func newBaseMMc(seed uint64, lambda, mu float64, c, customers int, onResponse func(sim.Time)) *baseMMc {
	st := sim.NewStreams(seed)
	m := &baseMMc{arrivals: st.Stream("arrivals"), service: st.Stream("service"),
		lambda: lambda, mu: mu, limit: customers, onResponse: onResponse}
	m.arrive = m.arrival
	for i := 0; i < c; i++ {
		srv := &baseServer{m: m}
		srv.depart = srv.departure
		m.free = append(m.free, srv)
	}
	m.e.after(sim.FromSeconds(m.arrivals.ExpFloat64()/lambda), m.arrive)
	return m
}

func (m *baseMMc) arrival() {
	now := m.e.now
	m.admitted++
	if n := len(m.free); n > 0 {
		srv := m.free[n-1]
		m.free = m.free[:n-1]
		srv.start(now)
	} else {
		m.queue = append(m.queue, now)
	}
	if m.admitted < m.limit {
		m.e.after(sim.FromSeconds(m.arrivals.ExpFloat64()/m.lambda), m.arrive)
	}
}

func (srv *baseServer) start(arrived sim.Time) {
	srv.arrived = arrived
	srv.m.e.after(sim.FromSeconds(srv.m.service.ExpFloat64()/srv.m.mu), srv.depart)
}

func (srv *baseServer) departure() {
	m := srv.m
	m.onResponse(m.e.now - srv.arrived)
	if m.head < len(m.queue) {
		a := m.queue[m.head]
		m.head++
		if m.head > 1024 && m.head*2 > len(m.queue) {
			m.queue = append(m.queue[:0], m.queue[m.head:]...)
			m.head = 0
		}
		srv.start(a)
		return
	}
	m.free = append(m.free, srv)
}

// The baseline runs the same model: the same responses in the same order.
func TestBaselineIsTheSameModel(t *testing.T) {
	var got, want []sim.Time
	m := newMMc(3, 40, 1, 50, 20000, func(d sim.Time) { got = append(got, d) })
	m.s.Run(sim.Never)
	bm := newBaseMMc(3, 40, 1, 50, 20000, func(d sim.Time) { want = append(want, d) })
	bm.e.run()
	assert.Equal(t, want, got)
	assert.Equal(t, bm.e.fired, m.s.Fired())
}
