package main

import (
	"context"
	"fmt"
	goruntime "runtime"
	"time"

	rt "github.com/forkcast/forkcast/runtime"
	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/validate"
)

// Requests runs runtime mode with an app that does no work: a fixed prefork
// pool (so no process starts or stops during the probe), no keep-alive,
// evenly spaced requests at rate for d. The CPU is the whole machine's,
// from runtime mode's cpu_util column, less what other processes used
// (measurement.foreign_cpu); the timer lateness is the load
// generator's (summary.json's measurement.timer_late_mean_ms).
func (p *apacheProber) Requests(ctx context.Context, rate float64, d time.Duration) (validate.RequestsSample, error) {
	sc, err := scenarios.Parse("calibrate-requests.toml", []byte(fmt.Sprintf(`
name = "calibrate-requests"
duration = %q
[apache]
mpm = "prefork"
start_servers = 8
min_spare_servers = 8
max_spare_servers = 9
max_request_workers = 8
keep_alive = false
[wsgi]
preload = true
application_group = "%%{GLOBAL}"
[app]
import_cpu = "const(0s)"
import_memory = "0B"
request_cpu = "const(0s)"
request_wait = "const(0s)"
[workload]
arrivals = "constant"
[[workload.phase]]
duration = %q
rate = %g
`, d.String(), d.String(), rate)), "")
	if err != nil {
		return validate.RequestsSample{}, err
	}
	res, err := rt.Run(ctx, sc, rt.Options{Binary: p.binary, AnyModWSGI: true})
	if err != nil {
		return validate.RequestsSample{}, err
	}
	cores := float64(goruntime.NumCPU())
	var cpu float64
	for _, r := range res.Run.Rows {
		cpu += r.CPUUtil * cores * sc.Interval.Seconds()
	}
	out := validate.RequestsSample{Completed: res.Run.Summary.Requests.Completed}
	if m := res.Run.Summary.Measurement; m != nil {
		// Other processes' CPU is not the server's: without it, a busy
		// machine's noise stays out of request_cpu's difference.
		cpu = max(0, cpu-m.ForeignCPU.Seconds)
		out.Lateness = time.Duration(m.TimerLateMeanMS * float64(time.Millisecond))
		out.Foreign = &m.ForeignCPU
	}
	out.CPU = time.Duration(cpu * float64(time.Second))
	return out, nil
}
