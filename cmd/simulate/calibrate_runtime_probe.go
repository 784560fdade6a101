package main

import (
	"context"
	"fmt"
	"time"

	rt "github.com/forkcast/forkcast/runtime"
	"github.com/forkcast/forkcast/scenarios"
	"github.com/forkcast/forkcast/validate"
)

// probeDaemonServer is the probes' daemon set-up: an event child proxying
// to one mod_wsgi daemon process of 4 threads, the app preloaded.
const probeDaemonServer = `[apache]
mpm = "event"
keep_alive = false
[wsgi]
process_group = "app"
restrict_embedded = true
preload = true
application_group = "%{GLOBAL}"
[wsgi.daemon_process.app]
processes = 1
threads = 4`

// Requests runs runtime mode with an app that does no work: a fixed prefork
// pool (so no process starts or stops during the probe) or, with daemon,
// probeDaemonServer; no keep-alive, evenly spaced requests at rate for d.
// The CPU is Apache's process tree's (measurement.apache_cpu_s); the timer
// lateness is the load generator's (measurement.timer_late_mean_ms).
func (p *apacheProber) Requests(ctx context.Context, rate float64, d time.Duration, daemon bool) (validate.RequestsSample, error) {
	server := `[apache]
mpm = "prefork"
start_servers = 8
min_spare_servers = 8
max_spare_servers = 9
max_request_workers = 8
keep_alive = false
[wsgi]
preload = true
application_group = "%{GLOBAL}"`
	if daemon {
		server = probeDaemonServer
	}
	sc, err := scenarios.Parse("calibrate-requests.toml", []byte(fmt.Sprintf(`
name = "calibrate-requests"
duration = %q
%s
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
`, d.String(), server, d.String(), rate)), "")
	if err != nil {
		return validate.RequestsSample{}, err
	}
	res, err := rt.Run(ctx, sc, rt.Options{Binary: p.binary, AnyModWSGI: true})
	if err != nil {
		return validate.RequestsSample{}, err
	}
	out := validate.RequestsSample{Completed: res.Run.Summary.Requests.Completed}
	m := res.Run.Summary.Measurement
	if m == nil {
		return out, fmt.Errorf("runtime mode returned no measurement")
	}
	// Apache's own tree: neither other processes' CPU (a busy machine's
	// noise) nor runtime mode's load generator, whose CPU a validation
	// adds on its own (observer_cores_by_interval), is the server's.
	out.CPU = time.Duration(m.ApacheCPU * float64(time.Second))
	out.Lateness = time.Duration(m.TimerLateMeanMS * float64(time.Millisecond))
	out.Foreign = &m.ForeignCPU
	return out, nil
}

// Responses runs runtime mode with one closed-loop user of an app burning
// cpu per request: it sends a request, waits for the answer, thinks
// validate.CalResponseGap, and sends the next, on a fresh connection each
// time (no keep-alive), to a fixed prefork pool with the app preloaded or,
// with daemon, to an event child proxying to one daemon process. It
// returns the latencies of the first n requests completed.
func (p *apacheProber) Responses(ctx context.Context, cpu time.Duration, n int, daemon bool) (validate.ResponsesSample, error) {
	d := time.Duration(n+2)*(cpu+validate.CalResponseGap+10*time.Millisecond) + time.Second
	d = d.Round(time.Second)
	server := `[apache]
mpm = "prefork"
start_servers = 4
min_spare_servers = 4
max_spare_servers = 5
max_request_workers = 4
keep_alive = false
[wsgi]
preload = true
application_group = "%{GLOBAL}"`
	if daemon {
		server = probeDaemonServer
	}
	sc, err := scenarios.Parse("calibrate-responses.toml", []byte(fmt.Sprintf(`
name = "calibrate-responses"
duration = %q
%s
[app]
import_cpu = "const(0s)"
import_memory = "0B"
request_cpu = "const(%s)"
request_wait = "const(0s)"
[workload.population.probe]
kind = "closed"
users = 1
stop = %q
think_time = "const(%s)"
`, d.String(), server, cpu.String(), (d-time.Second).String(), validate.CalResponseGap.String())), "")
	if err != nil {
		return validate.ResponsesSample{}, err
	}
	res, err := rt.Run(ctx, sc, rt.Options{Binary: p.binary, AnyModWSGI: true})
	if err != nil {
		return validate.ResponsesSample{}, err
	}
	var out validate.ResponsesSample
	for _, r := range res.Requests {
		if r.Outcome == rt.OK && len(out.Latencies) < n {
			out.Latencies = append(out.Latencies, r.Latency())
		}
	}
	if m := res.Run.Summary.Measurement; m != nil {
		out.Foreign = &m.ForeignCPU
	}
	return out, nil
}
