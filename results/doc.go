// Package results is forkcast's output format, written the same way by the
// simulator and by runtime mode so that plots and validation never care which
// produced a directory:
//
//	summary.json    one Summary
//	timeseries.csv  one Row per interval, columns named by Columns
//	events.log      Apache-style error-log lines (LogLine), timestamps from Start
//	scenario.toml   the resolved scenario that produced it (optional)
//	latency.hdr     every completed request's response time, an HdrHistogram
//	                in HdrHistogram's log format (LatencyFile; optional: older
//	                directories have none)
//
// t=0 is the moment the load starts, once Apache is up and ready (both
// sources start the load the same way); log lines from Apache's start-up
// have negative times.
//
// WriteDir writes them into a fresh directory atomically (a temporary
// sibling renamed into place), so a failed run never leaves a half-written
// output directory; ReadDir reads them back, and ScanDir streams them.
//
// Readers trust nothing: every value must be a finite number in
// [0, MaxValue], rows in time order, counts that add up, lines of a sane
// length; anything else is a *FileError naming the file and line. Writers
// refuse to write what readers would reject. Fuzz targets (fuzz_test.go)
// cover each reader.
package results
