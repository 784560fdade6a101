// Package pool runs independent jobs on a bounded number of goroutines and
// hands their results back in the jobs' own order, so that what a command
// computes and writes does not depend on how many workers ran it.
//
// forkcast's simulations are single-threaded and share nothing, so a set of
// them (the variants of `simulate compare`, the replications of `simulate
// validate`, the points of `simulate sweep`) scales with the cores: Map runs
// them on Workers(n) goroutines, GOMAXPROCS by default.
package pool
