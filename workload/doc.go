// Package workload is forkcast's one definition of the traffic: how clients
// arrive, what each asks for, and in which order every random draw is made.
// The simulator (package models) and runtime mode's load generator (package
// runtime) both follow it, so under one seed they play exactly the same
// clients and requests.
//
// It stands beside scenarios and sim and depends only on them: the
// simulating side and the measuring side both import it, never each other.
//
// Arrivals come from a Pacer: phases of arrival rate (step, ramp, sine)
// played one after another, the last continuing to the end of the run, with
// Poisson or evenly spaced arrivals. Ahead draws a pacer's arrivals on a
// goroutine of its own, ahead of the simulation that reads them.
//
// Or they come from a production access log. ParseLogFormat compiles an
// Apache LogFormat string ("common", "combined" or any other, read back
// the way mod_log_config writes it); a LogReader streams a log's entries;
// a Replay turns them into requests in time order — within a window, at a
// rate multiplier and a speed-up, in keep-alive connections when the log
// has %k — reading the log as it goes with memory that does not grow with
// its length. CheckLog reads a whole log to refuse a bad one before a run.
package workload
