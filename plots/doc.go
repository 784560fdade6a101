// Package plots draws forkcast's figures from results.Run values, the same
// way for simulator and runtime output, as PNG and SVG:
//
//	processes    Apache worker slots stacked by state, MaxRequestWorkers as a
//	             line, and forks/kills per second in a panel below
//	memory       total PSS stacked by process kind, with RAM and RAM+swap lines
//	latency      p50 and p99 per interval on a log axis, throughput below
//	latency_cdf  an approximate latency CDF (see latencyCDF)
//	queues       listen backlog and mod_wsgi daemon queue over time
//	failures     failed requests by cause
//
// Compare overlays several runs on shared axes (compare_*), and Band draws
// the validation figures: a predicted band across replications against the
// measured run (band_*).
//
// Every figure is 8×4.5 in (PNG at 150 dpi, 1200×675 px) with its legend in a
// column to the right of the data, so the legend never hides a series.
// Output is deterministic: the same runs give byte-identical files.
//
// Figures renders in memory (for reports); Run, Compare and Band write
// NAME.png and NAME.svg into a directory.
package plots
