package sweep

import (
	"math"

	"github.com/forkcast/forkcast/results"
)

// A Metric is one quantity a sweep estimates at every point, read from a
// run's summary.json.
type Metric struct {
	Name        string `json:"name"`
	Unit        string `json:"unit"`
	Description string `json:"description"`
	value       func(s results.Summary) float64
}

// latency is a quantile of completed requests' response times; a run in
// which no request completed has none (NaN: left out of the estimate).
func latency(q float64, s results.Summary) float64 {
	if s.Requests.Completed == 0 {
		return math.NaN()
	}
	return q
}

// share is failed requests of a cause per offered request; 0 with none offered.
func share(n int64, s results.Summary) float64 {
	if s.Requests.Offered == 0 {
		return 0
	}
	return float64(n) / float64(s.Requests.Offered)
}

// Metrics are what a sweep estimates, in the order of its table. The
// failure shares count requests by their final outcome over the requests
// offered, as `simulate validate` does. The latencies of a run in which no
// request completed are missing (NaN), not 0: such a run did not answer
// fast, it did not answer.
var Metrics = []Metric{
	{"peak_pss_mb", "MB", "peak total PSS (Apache parent, children and mod_wsgi daemons)",
		func(s results.Summary) float64 { return s.Peak.PSSMB }},
	{"peak_processes", "processes", "peak processes, the Apache parent included",
		func(s results.Summary) float64 { return float64(s.Peak.Processes) }},
	{"latency_p50_ms", "ms", "median response time of completed requests",
		func(s results.Summary) float64 { return latency(s.Latency.P50, s) }},
	{"latency_p90_ms", "ms", "90th percentile response time of completed requests",
		func(s results.Summary) float64 { return latency(s.Latency.P90, s) }},
	{"latency_p99_ms", "ms", "99th percentile response time of completed requests",
		func(s results.Summary) float64 { return latency(s.Latency.P99, s) }},
	{"throughput_rps", "requests/s", "completed requests per second",
		func(s results.Summary) float64 { return s.Throughput }},
	{"failed_share", "share", "failed requests / offered, all causes",
		func(s results.Summary) float64 { return share(s.Requests.Failed, s) }},
	{"failed_share_408", "share", "408 (mod_reqtimeout or Timeout: the request's headers came too slowly) / offered",
		func(s results.Summary) float64 { return share(s.Requests.Failures.S408, s) }},
	{"failed_share_500", "share", "500 (daemon died mid-request, WSGIRestrictEmbedded) / offered",
		func(s results.Summary) float64 { return share(s.Requests.Failures.S500, s) }},
	{"failed_share_503", "share", "503 (daemon backlog full past connect-timeout) / offered",
		func(s results.Summary) float64 { return share(s.Requests.Failures.S503, s) }},
	{"failed_share_504", "share", "504 (queue-timeout, socket-timeout) / offered",
		func(s results.Summary) float64 { return share(s.Requests.Failures.S504, s) }},
	{"failed_share_refused", "share", "connections refused (nothing listening: after a graceful stop) / offered",
		func(s results.Summary) float64 { return share(s.Requests.Failures.Refused, s) }},
	{"failed_share_reset", "share", "connections closed without a response / offered",
		func(s results.Summary) float64 { return share(s.Requests.Failures.Reset, s) }},
	{"failed_share_client_timeout", "share", "clients that gave up waiting / offered",
		func(s results.Summary) float64 { return share(s.Requests.Failures.ClientTimeout, s) }},
	{"oom_kills", "kills", "processes the OOM killer ended",
		func(s results.Summary) float64 { return float64(s.OOMKills) }},
	{"spawns", "children", "Apache children forked, those at start included",
		func(s results.Summary) float64 { return float64(s.Spawns) }},
	{"imports", "imports", "times a process imported the app",
		func(s results.Summary) float64 { return float64(s.Imports) }},
}

// MetricIndex returns the position of the metric named name in Metrics,
// or -1.
func MetricIndex(name string) int {
	for i, m := range Metrics {
		if m.Name == name {
			return i
		}
	}
	return -1
}

// Measure returns a run's value of every metric, in Metrics order; NaN
// where the run has no value (latencies without a completed request).
func Measure(s results.Summary) []float64 {
	out := make([]float64, len(Metrics))
	for i, m := range Metrics {
		out[i] = m.value(s)
	}
	return out
}
