// Package sweep runs parameter sweeps: a scenario evaluated at every point
// of a grid of scenario keys (Design: one or more Vary, each a key as --set
// takes it and its values), each point replicated R times, and tabulated
// as a tidy table of metric estimates (Table: sweep.csv, sweep.json) with
// figures (sweep.html).
//
// # Replications and seeds
//
// Replication r of every point runs with the seed Seed(base, r), base being
// the scenario's seed: replication 0 is the scenario's own run, and the
// same clients send the same requests at every point (common random
// numbers), so the differences between points are the configuration's,
// not noise. Each metric's estimate (validate.NewEstimate) is the mean over
// the replications and the 95% t-interval of the mean,
// mean ± t(0.975, R−1)·s/√R, which narrows as 1/√R.
//
// # Running
//
// Evaluate is the core: any set of scenarios × R replications on the
// worker pool (package pool: every core by default), results in the
// scenarios' order whatever the number of workers. RunPoints runs a
// design's resolved points (Design.Points) and tabulates them; Write
// publishes the output directory. Work estimates a sweep's CPU time from
// the requests its scenarios offer (RunCost), so that the command refuses
// a runaway sweep (MaxWork) before it starts.
//
// # Batch schedulers
//
// NewPlan cuts the sweep's runs (Runs: point by point, replication by
// replication) into contiguous tasks of about equal estimated work, and
// WritePlan writes them with a Slurm array script and a Kubernetes Indexed
// Job. RunTask runs one task and writes results/KEY.json atomically, KEY
// hashing forkcast's version, the scenario's text and overrides, and each
// run's point and seed: a task that runs again finds its file and stops.
// Merge reads every task's file and makes the very table a local run makes.
package sweep
