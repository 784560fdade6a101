// Package validate compares the simulator's predictions with a measured run
// of the same scenario against a real Apache + mod_wsgi (runtime mode), and
// measures this machine's constants for the simulator (Calibrate).
//
// # Predictions and measurement
//
// Replicate runs the simulator (an injected Predict) once per replication,
// on every core (package pool), all with the scenario's seed: they replay
// exactly the workload the measured run replays (runtime mode draws it the
// same way) and differ in the server-side draws (Scenario.Replication). The
// measurement is one run of an injected Measure (runtime.Run in the
// command). Compare lines them up and computes the metrics;
// Validate does all three.
//
// The simulator is never fitted to a measured run: nothing here feeds a
// measurement back into a scenario. Machine constants come from Calibrate's
// dedicated probes, through a host profile (host.profile).
//
// # Alignment
//
// Both runs start their clock when the load starts (the simulator's t=0,
// runtime mode's t=0 after Apache's warm-up), and both write one row per
// scenario interval in which process counts and memory are the interval's
// mean (the simulator's time-weighted mean, runtime mode's mean of its
// 100 ms samples) and spawns are counted in the interval a process was born
// (runtime mode: first seen). The metrics compare these rows, like with
// like: peaks are the largest interval mean in both, not the simulator's
// instantaneous Summary.Peak. Runs must share the interval; they are cut to
// the shortest.
//
// The surge (FindSurge) is the first phase boundary after t=0 where the
// arrival rate rises (a step up or a ramp up), or t=0 without one; it ends
// at the next boundary where the rate falls, if that is inside the run.
//
// # Metrics
//
// Each metric (Defs; their names are the keys of [validate] tolerance)
// reports the predicted mean over the replications with two 95% intervals
// (none with one replication): the t-interval of the mean,
// mean ± t(0.975, n−1)·s/√n, and the prediction interval for one run,
// mean ± t(0.975, n−1)·s·√(1+1/n), widened to the replications' range
// where they reach beyond it (the range of n runs is a distribution-free
// prediction interval for one more, coverage (n−1)/(n+1); a bistable
// outcome is no bell); then the measured value, the absolute
// error |predicted mean − measured|, the relative error
// abs / max(|measured|, floor) (0 when both are 0: exact), the tolerance,
// and whether the error is within it (an error equal to the tolerance
// passes). Relative tolerances bound the relative error, absolute ones the
// absolute error in the metric's unit.
// A metric also passes when the measured value lies inside the prediction
// interval for one run (two or more replications, values only): the
// measurement is one run, and a value the model predicts as a plausible
// run does not show it wrong, even where the replications spread wider
// than the tolerance. (The interval of the mean would be the wrong yardstick:
// it shrinks with more replications while one run's spread does not.) The
// table shows the one-run interval and marks those "ok (in run interval)".
// Each value also records its place among the replications (Rank), and a
// report or suite the rank histogram of those places (Coverage): flat when
// the model's spread, two-way odds included, is reality's. With 3 or more
// replications the report also judges the model against itself
// (SelfCheck): each replication as the measurement against the others,
// how often a faultless model would miss.
//
//	metric            unit   tolerance (default)      what
//	spawn_timeline    /s     relative 0.5, floor 1    children born per second in each interval of the surge's first 10 s (curve)
//	processes_mae     proc   relative 0.2, floor 1    Apache children + daemons over the whole run (curve)
//	peak_processes    proc   relative 0.15            largest interval mean of Apache children + daemons
//	steady_processes  proc   relative 0.2             their mean over the last 20% of the run
//	peak_pss          MB     relative 0.15            largest interval mean of total PSS (parent included)
//	steady_pss        MB     relative 0.15            its mean over the last 20% of the run
//	pss_mae           MB     relative 0.15            total PSS over the whole run (curve)
//	latency_p50       ms     relative 0.25, floor 1   of completed requests, over the run
//	latency_p90       ms     relative 0.3
//	latency_p99       ms     relative 0.5
//	throughput        /s     relative 0.1, floor 0.1  completed requests per second
//	failures_CAUSE    share  absolute 0.02            failed requests of a cause / offered requests, for 500, 503,
//	                                                  504, refused, reset and client_timeout
//	recover_time      s      absolute 5               see below
//
// The latency metrics are quantiles of each run's exact distribution
// (latency.hdr, HdrHistogram at 0.1%) when every run compared has one, so
// the simulator and the real server are read by one definition; with a run
// from before forkcast kept the histogram, they are summary.json's values,
// and the metric's note says so.
//
// Curve metrics compare a curve row by row: the error is the mean absolute
// error between the replications' mean curve and the measured curve (in
// processes, MB or births per second), relative to the measured curve's
// mean level; predicted and measured are the curves' mean levels.
//
// recover_time applies when the surge has a pre-surge period (at least one
// whole interval before it) and an end inside the run. The pre-surge level L
// is the mean of Apache children over the intervals in the 5 s before the
// surge; the time to recover is the start of the first interval at or after
// the surge's end whose mean of Apache children is within max(10% of L, 0.5)
// of L, minus the surge's end (0 when the children never left the band). A
// run that has not recovered by its end gets the time to its end, and the
// metric's note says it is censored.
//
// The report's summary figure is the median, over the reported metrics, of
// the relative error in percent (median absolute percentage error).
//
// # Calibration
//
// Calibrate measures the host constants of scenarios.Host through a Prober
// (small dedicated Apache and Python probes, never validation runs) and
// returns a Profile that WriteProfile writes as a host profile.
package validate
