// Package workload turns a scenario's traffic profile into connection
// arrival instants: phases of arrival rate (step, ramp, sine) played one
// after another, the last continuing to the end of the run, with Poisson or evenly spaced arrivals.
package workload
