package validate

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/forkcast/forkcast/pool"
	"github.com/forkcast/forkcast/results"
	"github.com/forkcast/forkcast/scenarios"
)

// Predict simulates a scenario (models.Simulate, or a stand-in in tests).
// Replicate calls it from several goroutines at once, each with its own
// copy of the scenario.
type Predict func(sc *scenarios.Scenario) (results.Run, error)

// Measure runs a scenario for real and measures it (runtime mode, or a
// stand-in in tests). It must honour ctx.
type Measure func(ctx context.Context, sc *scenarios.Scenario) (results.Run, error)

// Replicate runs predict n times with the scenario's own seed and
// replications 0, 1, …, n-1: every replication replays exactly the workload
// the measured run replays (the seed fixes arrivals, requests and think
// times), and they differ in the server-side draws (service and import
// times), whose spread the confidence intervals show. The replications run
// on pool.Workers(jobs) goroutines (jobs 0: every core) and come back in
// replication order, the same whatever the number of workers. sc itself is
// not changed.
func Replicate(sc *scenarios.Scenario, n, jobs int, predict Predict) ([]results.Run, error) {
	if n < 1 {
		return nil, fmt.Errorf("validate: %d replications: need at least 1", n)
	}
	return pool.Map(context.Background(), jobs, n, func(i int) (results.Run, error) {
		rs := *sc
		rs.Replication = i
		run, err := predict(&rs)
		if err != nil {
			return run, fmt.Errorf("replication %d: %w", i, err)
		}
		return run, nil
	})
}

// Validate measures once with the scenario's own seed, predicts the run as
// it was measured (AsMeasured; replications from the scenario's
// [validate], or n if n > 0; on every core), and compares.
func Validate(ctx context.Context, sc *scenarios.Scenario, n int, predict Predict, measure Measure) (*Report, []results.Run, results.Run, error) {
	if n <= 0 {
		n = sc.Validate.Replications
	}
	if _, err := Tolerances(sc); err != nil {
		return nil, nil, results.Run{}, err
	}
	measured, err := measure(ctx, sc)
	if err != nil {
		return nil, nil, results.Run{}, err
	}
	predicted, err := Replicate(AsMeasured(sc, measured), n, 0, predict)
	if err != nil {
		return nil, nil, measured, err
	}
	rep, err := Compare(sc, predicted, measured)
	return rep, predicted, measured, err
}

// AsMeasured returns sc as the measured run had it: runtime mode's own
// load generator and sampler took summary.measurement.observer_cores of
// the machine's cores all through the run, competing with Apache, so the
// prediction gets them as host.background_cpu (added to any the scenario
// sets, at most host.cpus) — or, when the measurement has them interval
// by interval (observer_cores_by_interval), as host.BackgroundProfile.
// What other processes used meanwhile (foreign_cpu, over the run's
// duration; `simulate validate` refuses to judge a run where it passed
// MaxForeignCPU) joins host.background_cpu too. A measurement is a
// condition of the run, as its seed is, not a constant fitted to it. sc is
// not changed; without a runtime measurement it is returned as it is.
//
// Runtime mode's sampler asked Apache for /server-status every
// status_period_ms, one request at a time: they are traffic the measured
// server had, so the prediction gets them as an observer (statusObserver),
// served but left out of the results.
//
// When the measurement says how much fresh memory the host still backed
// as the load started (its first touches, on a host whose profile says it
// backs only so much), that is the prediction's host.memory_warm.
//
// When the run served runtime mode's synthetic app (not the user's own
// WSGI script), the app's own modules are part of what was measured:
// host.runtime_app_memory joins app.import_memory (private, per load of
// the app), host.runtime_app_text joins python_shared_text (file pages
// the processes share), host.runtime_app_cpu is taken by every load of
// the app (App.ExtraImportCPU) and host.runtime_app_fini_cpu by every
// teardown of it (App.ExtraFiniCPU), as `simulate calibrate` measured them.
func AsMeasured(sc *scenarios.Scenario, measured results.Run) *scenarios.Scenario {
	m := measured.Summary.Measurement
	if m == nil {
		return sc
	}
	synthetic := m.WSGIScript == "" && (sc.Host.RuntimeAppMemory > 0 || sc.Host.RuntimeAppText > 0 || sc.Host.RuntimeAppCPU.Duration > 0 || sc.Host.RuntimeAppFiniCPU.Duration > 0)
	foreign := 0.0
	if d := measured.Summary.DurationS; d > 0 {
		foreign = max(0, m.ForeignCPU.Seconds) / d
	}
	c := *sc
	c.Workload.Observers = statusObserver(sc.Workload, m)
	c.Host.BackgroundCPU = min(float64(c.Host.CPUs), c.Host.BackgroundCPU+foreign)
	if len(m.ObserverCoresByInterval) > 0 {
		// Interval by interval, as the measured run had it, less the
		// sampler's sweeps, which the observer holds on its ticks.
		c.Host.BackgroundProfile = slices.Clone(m.ObserverCoresByInterval)
		if o := c.Workload.Observers[StatusObserver]; o != nil && o.Ticker != nil && o.Ticker.Holds {
			sweeps := sweepCores(o.Ticker)
			for i, v := range c.Host.BackgroundProfile {
				c.Host.BackgroundProfile[i] = max(0, v-sweeps)
			}
		}
	} else {
		c.Host.BackgroundCPU = min(float64(c.Host.CPUs), c.Host.BackgroundCPU+max(0, m.ObserverCores))
	}
	if f := m.FirstTouches; f != nil && c.Host.MemoryTouchColdCPU.Duration > c.Host.MemoryTouchCPU.Duration {
		// How much fresh memory the host still backed when this run's
		// load started (docs/model.md §8.5); a probe that found no end
		// says at least what it touched.
		_, _, mib, cold := f.Split()
		warm := scenarios.Size(mib * float64(scenarios.MiB))
		if cold || warm > c.Host.MemoryWarm {
			c.Host.MemoryWarm = warm
		}
	}
	if synthetic {
		c.App.ImportMemory += c.Host.RuntimeAppMemory
		c.Host.PythonSharedText += c.Host.RuntimeAppText
		c.App.ExtraImportCPU += c.Host.RuntimeAppCPU.Duration
		c.App.ExtraFiniCPU += c.Host.RuntimeAppFiniCPU.Duration
	}
	return &c
}

// StatusObserver names the observer that stands for runtime mode's
// server-status requests in a prediction of a measured run.
const StatusObserver = "runtime-status"

// statusPeriod is how often runtime mode's sampler has asked for
// /server-status since its first version (runtime.Options.SamplePeriod's
// default), for measurements that do not say (status_period_ms).
const statusPeriod = 100 * time.Millisecond

// statusObserver returns w's observers with runtime mode's server-status
// requests added: one client, a request per connection (its HTTP client
// keeps none alive), on the sampler's clock — one as the load starts, then
// one at each tick, a period apart from the load's start, unless the last
// is still unanswered — each sent as long after its tick as the sampler's
// sweep of /proc took (the measured deciles; a longer sweep, reading every
// process's memory, once every memory period; none recorded before
// 2026-12-05: sent on the tick), the sweep holding a core until then
// (Ticker.Holds, when the sweeps were timed: AsMeasured then reserves
// runtime mode's measured CPU less theirs). mod_status answers them, not
// the app, and the sampler gives up after 2 s (runtime's statusClient).
// Where they fall
// among the load's own requests decides which children take those: with
// constant arrivals on the same clock, which child a tick's request leaves
// for the app's next one, and so which children ever import a lazy app.
func statusObserver(w scenarios.Workload, m *results.Measurement) map[string]*scenarios.Population {
	period := time.Duration(m.StatusPeriodMS * float64(time.Millisecond))
	if m.StatusPeriodMS == 0 && m.StatusRequests == 0 {
		period = statusPeriod // measured before they were counted
	}
	if period <= 0 {
		return w.Observers
	}
	out := make(map[string]*scenarios.Population, len(w.Observers)+1)
	for n, o := range w.Observers {
		out[n] = o
	}
	cl := w.Client
	cl.RequestsPerConnection = scenarios.Const(1, false)
	cl.ThinkTime = scenarios.Const(period.Seconds(), true)
	cl.IdleBeforeFirst, cl.HeaderTime, cl.IdleAfterLast = scenarios.Duration{}, scenarios.Duration{}, scenarios.Duration{}
	cl.HeaderBytes = statusRequestBytes
	cl.StaticFraction = 0
	cl.URLs = map[string]float64{"/server-status": 1} // mod_status answers it (models.statusPath)
	cl.ClientTimeout = scenarios.Duration{Duration: 2 * time.Second}
	cl.Retries = 0
	t := &scenarios.Ticker{Period: period, Delay: millis(m.StatusDelayMS), LongDelay: millis(m.StatusDelayMemoryMS),
		Holds: len(m.StatusDelayMS) > 0}
	if m.MemoryPeriodMS > 0 && len(t.LongDelay) > 0 {
		t.Long = max(1, int(math.Round(m.MemoryPeriodMS/m.StatusPeriodMS)))
	}
	out[StatusObserver] = &scenarios.Population{Kind: "closed", Users: 1, Client: cl, Ticker: t}
	return out
}

// sweepCores is the share of a core the sampler's sweeps hold on t's
// ticks on average: a tick's mean delay (every Long ticks the long one's)
// over the period.
func sweepCores(t *scenarios.Ticker) float64 {
	d := decileMean(t.Delay)
	if t.Long > 0 && len(t.LongDelay) > 0 {
		d += (decileMean(t.LongDelay) - d) / time.Duration(t.Long)
	}
	return d.Seconds() / t.Period.Seconds()
}

// decileMean is the mean of the distribution a decile table stands for,
// linear between its deciles (models.drawDecile).
func decileMean(d []time.Duration) time.Duration {
	switch len(d) {
	case 0:
		return 0
	case 1:
		return d[0]
	}
	var sum time.Duration
	for i := range len(d) - 1 {
		sum += (d[i] + d[i+1]) / 2
	}
	return sum / time.Duration(len(d)-1)
}

// millis converts milliseconds to durations.
func millis(ms []float64) []time.Duration {
	var out []time.Duration
	for _, v := range ms {
		out = append(out, time.Duration(v*float64(time.Millisecond)))
	}
	return out
}

// statusRequestBytes is the size of the sampler's request: its request
// line and Go's HTTP client's headers (Host, User-Agent, Connection: close,
// Accept-Encoding).
const statusRequestBytes = 120
