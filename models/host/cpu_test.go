package host

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkcast/forkcast/sim"
)

func finishTimes(s *sim.Sim, c *CPU, jobs []struct {
	at, work sim.Time
	g        *Group
}) []sim.Time {
	out := make([]sim.Time, len(jobs))
	for i, j := range jobs {
		i, j := i, j
		s.At(j.at, func() { c.Start(j.work, j.g, func() { out[i] = s.Now() }) })
	}
	s.Run(sim.Never)
	return out
}

func TestProcessorSharing(t *testing.T) {
	type job = struct {
		at, work sim.Time
		g        *Group
	}
	sec := sim.Second
	t.Run("uncontended jobs run at full speed", func(t *testing.T) {
		s := sim.New()
		got := finishTimes(s, NewCPU(s, 2), []job{{0, sec, nil}, {0, 2 * sec, nil}})
		assert.Equal(t, []sim.Time{sec, 2 * sec}, got)
	})
	t.Run("30 imports on 2 cores take 15 times longer", func(t *testing.T) {
		s := sim.New()
		var jobs []job
		for i := 0; i < 30; i++ {
			jobs = append(jobs, job{0, 2 * sec, NewGIL()}) // each its own process
		}
		got := finishTimes(s, NewCPU(s, 2), jobs)
		for _, f := range got {
			assert.InDelta(t, float64(30*sec), float64(f), 100) // 2 s of work at 2/30 core
		}
	})
	t.Run("threads of one process share one core (GIL)", func(t *testing.T) {
		s := sim.New()
		gil := NewGIL()
		got := finishTimes(s, NewCPU(s, 4), []job{{0, sec, gil}, {0, sec, gil}, {0, sec, nil}})
		assert.InDelta(t, float64(2*sec), float64(got[0]), 10)
		assert.InDelta(t, float64(2*sec), float64(got[1]), 10)
		assert.Equal(t, sec, got[2])
	})
	t.Run("a late job shares what is left", func(t *testing.T) {
		// One core: A (2 s) alone for 1 s, then shares with B (0.5 s):
		// B needs 1 s of wall time at half speed; A then has 0.5 s left alone.
		s := sim.New()
		got := finishTimes(s, NewCPU(s, 1), []job{{0, 2 * sec, nil}, {sec, sec / 2, nil}})
		assert.InDelta(t, float64(2*sec), float64(got[1]), 10)
		assert.InDelta(t, float64(2*sec+sec/2), float64(got[0]), 10)
	})
}

func TestSlowdownAndCancel(t *testing.T) {
	s := sim.New()
	c := NewCPU(s, 1)
	var doneA, doneB sim.Time
	c.Start(sim.Second, nil, func() { doneA = s.Now() })
	b := c.Start(10*sim.Second, nil, func() { doneB = s.Now() })
	s.At(sim.Second, func() { c.Cancel(b) }) // A got 0.5 s by then
	s.At(sim.Second, func() { c.SetSlowdown(10) })
	s.Run(sim.Never)
	assert.Zero(t, doneB)
	assert.InDelta(t, float64(sim.Second+5*sim.Second), float64(doneA), 10) // 0.5 s left at 1/10 speed
	assert.InDelta(t, float64(sim.Second)+float64(sim.Second)/2, float64(c.Delivered()), 10)
	mean := c.Busy().Mean(s.Now())
	assert.InDelta(t, 1.0, mean, 1e-9, "one core busy throughout")
}

// Reserved cores are not shared: three jobs share the 1.5 cores left of 2,
// and the reserve counts as busy and delivered.
func TestReserve(t *testing.T) {
	s := sim.New()
	c := NewCPU(s, 2)
	c.Reserve(0.5)
	var done []sim.Time
	for range 3 {
		c.Start(sim.Second, nil, func() { done = append(done, s.Now()) })
	}
	s.At(2*sim.Second, func() { c.Reserve(0) })
	s.Run(4 * sim.Second)
	require.Len(t, done, 3)
	for _, d := range done {
		assert.InDelta(t, float64(2*sim.Second), float64(d), 10, "0.5 core each")
	}
	assert.InDelta(t, float64(4*sim.Second), float64(c.Delivered()), 10, "3 s of jobs and 2 × 0.5 reserved")
	assert.InDelta(t, 1.0, c.Busy().Mean(s.Now()), 1e-9, "2 cores for 2 s of 4")
	c.Reserve(5)
	assert.InDelta(t, 2.0, c.Busy().Value(), 1e-9, "at most every core")
}

// A held core is one the jobs do not share, on top of what Reserve
// takes: two jobs of 1 s on 2 cores, one held, take 2 s; with 1.5 cores
// reserved besides, the jobs get none until the reservation goes.
func TestHoldCore(t *testing.T) {
	s := sim.New()
	c := NewCPU(s, 2)
	c.HoldCore()
	var done []sim.Time
	for range 2 {
		c.Start(sim.Second, nil, func() { done = append(done, s.Now()) })
	}
	s.At(sim.Second, func() { c.Reserve(1.5) })
	s.At(3*sim.Second, func() { c.Reserve(0) })
	s.At(4*sim.Second, func() { c.ReleaseCore() })
	s.Run(10 * sim.Second)
	require.Len(t, done, 2)
	// 0–1 s: one core for the two (0.5 s each done); 1–3 s: none; 3–4 s:
	// one core again (done at 4 s).
	for _, d := range done {
		assert.InDelta(t, float64(4*sim.Second), float64(d), 10)
	}
	assert.InDelta(t, 0.0, c.Busy().Value(), 1e-9, "nothing held, nothing running")
	assert.Panics(t, func() { c.ReleaseCore() }, "no core is held")
}

// A process's own Job value is run again and again; a job that finished
// at the same instant as another whose callback kills its process is
// cancelled before its own callback runs, and its callback never runs.
func TestOwnJobsAndCancelAtCompletion(t *testing.T) {
	s := sim.New()
	c := NewCPU(s, 2)
	var mine Job
	var runs []sim.Time
	var again func()
	again = func() {
		runs = append(runs, s.Now())
		if len(runs) < 3 {
			c.Run(&mine, sim.Second, nil, again)
		}
	}
	c.Run(&mine, sim.Second, nil, again)
	s.Run(sim.Never)
	assert.Equal(t, []sim.Time{sim.Second, 2 * sim.Second, 3 * sim.Second}, runs)
	assert.False(t, mine.Running())
	assert.Panics(t, func() {
		c.Run(&mine, sim.Second, nil, func() {})
		c.Run(&mine, sim.Second, nil, func() {})
	}, "a running job cannot be run again")

	s = sim.New()
	c = NewCPU(s, 2)
	var killer, victim Job
	victimDone := false
	c.Run(&killer, sim.Second, nil, func() {
		assert.True(t, c.Cancel(&victim), "finished, callback still to come: cancellable")
	})
	c.Run(&victim, sim.Second, nil, func() { victimDone = true })
	s.Run(sim.Never)
	assert.False(t, victimDone)
	assert.False(t, c.Cancel(&victim))
}

// The virtual clocks give the instants that charging each job its own rate
// at every change gave (refCPU), to within a nanosecond per completion:
// each run lasts what it lasted there, give or take a nanosecond, and most
// end at the very same nanosecond; the cores-busy gauge is the same. The
// jobs are random, of lone threads and of groups over and under their caps,
// started, run again from their callbacks, cancelled, under changing
// slowdowns. Each slot draws its jobs from its own random stream, so that
// two completions a nanosecond apart that swap places do not change what
// follows.
func TestSameAsChargingEachJob(t *testing.T) {
	caps := []float64{1, 1, 1, 2, 0.5, 3}
	for _, tc := range []struct {
		name         string
		cores, slots int
		lone         float64 // share of lone-thread jobs
	}{
		{"lone threads", 4, 40, 1},
		{"GIL groups", 4, 300, 0.2},
		{"one core, many groups", 1, 60, 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// play returns each slot's runs, in order: when each started
			// and when it completed.
			play := func(useRef bool) ([][]span, float64) {
				r := rand.New(rand.NewPCG(5, uint64(tc.slots)))
				s := sim.New()
				cpu, ref := NewCPU(s, tc.cores), newRefCPU(s, tc.cores)
				groups := make([]*Group, len(caps))
				refGroups := make([]*refGroup, len(caps))
				for i, c := range caps {
					groups[i], refGroups[i] = &Group{Cap: c}, &refGroup{Cap: c}
				}
				jobs, refJobs := make([]Job, tc.slots), make([]refJob, tc.slots)
				streams := make([]*rand.Rand, tc.slots)
				for i := range streams {
					streams[i] = rand.New(rand.NewPCG(uint64(i), 7))
				}
				log := make([][]span, tc.slots)
				var run func(i int)
				run = func(i int) {
					r := streams[i]
					work := sim.Time(r.ExpFloat64() * float64(20*sim.Millisecond))
					if r.IntN(10) == 0 {
						work = 0
					}
					g := -1
					if r.Float64() >= tc.lone {
						g = r.IntN(len(caps))
					}
					again := r.IntN(3) > 0
					start := s.Now()
					done := func() {
						log[i] = append(log[i], span{start, s.Now()})
						if again {
							run(i)
						}
					}
					if useRef {
						var rg *refGroup
						if g >= 0 {
							rg = refGroups[g]
						}
						ref.Run(&refJobs[i], work, rg, done)
						return
					}
					var gg *Group
					if g >= 0 {
						gg = groups[g]
					}
					cpu.Run(&jobs[i], work, gg, done)
				}
				for k := 0; k < 3000; k++ {
					at := sim.Time(r.IntN(int(10 * sim.Second)))
					i := r.IntN(tc.slots)
					op := r.IntN(10)
					f := []float64{1, 1.7, 10, 3.3}[r.IntN(4)]
					s.At(at, func() {
						switch {
						case op == 0:
							if useRef {
								ref.SetSlowdown(f)
							} else {
								cpu.SetSlowdown(f)
							}
						case op < 3:
							if useRef {
								ref.Cancel(&refJobs[i])
							} else {
								cpu.Cancel(&jobs[i])
							}
						case useRef && !refJobs[i].Running(), !useRef && !jobs[i].Running():
							run(i)
						}
					})
				}
				s.Run(sim.Never)
				if useRef {
					return log, ref.Busy().Mean(s.Now())
				}
				return log, cpu.Busy().Mean(s.Now())
			}
			want, wantBusy := play(true)
			got, gotBusy := play(false)
			completions, off := 0, 0
			for i := range want {
				require.Len(t, got[i], len(want[i]), "slot %d's completions", i)
				for k, w := range want[i] {
					g := got[i][k]
					completions++
					if g.end != w.end {
						off++
					}
					// A run that starts a nanosecond later, after its
					// slot's previous run, ends a nanosecond later: what
					// each run adds is its duration.
					d := (g.end - g.start) - (w.end - w.start)
					require.LessOrEqual(t, max(d, -d), sim.Time(1), "slot %d's run %d, ended at %v, not %v", i, k, g.end, w.end)
				}
			}
			require.Greater(t, completions, 400)
			t.Logf("%d completions, %d not at the same nanosecond", completions, off)
			assert.Less(t, off, completions/10, "most completions at the very same nanosecond")
			assert.InDelta(t, wantBusy, gotBusy, 1e-9)
		})
	}
}

// span is when a job started and when it completed.
type span struct{ start, end sim.Time }

// TestRunnableCountsAProcessOnce checks the run-queue length the scheduler
// model reads: lone jobs count one each, a Python process's threads once,
// and finished or cancelled jobs leave it.
func TestRunnableCountsAProcessOnce(t *testing.T) {
	s := sim.New()
	c := NewCPU(s, 2)
	py := NewGIL()
	c.Start(sim.Second, nil, func() {})
	c.Start(sim.Second, nil, func() {})
	threads := []*Job{c.Start(sim.Second, py, func() {}), c.Start(2*sim.Second, py, func() {}), c.Start(3*sim.Second, py, func() {})}
	assert.Equal(t, 5, c.Running())
	assert.Equal(t, 3, c.Runnable(), "two lone jobs and one Python process")
	c.Cancel(threads[2])
	assert.Equal(t, 3, c.Runnable(), "the process still has threads running")
	s.Run(sim.Never)
	assert.Equal(t, 0, c.Runnable())
	assert.Equal(t, 0, c.Running())
}
