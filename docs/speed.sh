#!/usr/bin/env bash
# Measures what the README's Speed section reports: the engine and whole-
# scenario benchmarks, then the CLI's own run of one simulated hour of the
# prefork spike at 500 requests/s (the benchmark's scenario), timed three
# times without figures and three times with them. To profile the CLI's
# run: go test -run '^$' -bench RunHour -cpuprofile cpu.out ./cmd/simulate
# (BenchmarkRunHour starts no server). Usage: docs/speed.sh
set -euo pipefail
cd "$(dirname "$0")/.."
go test -run '^$' -bench . -benchtime 3x -p 1 ./sim ./models
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Three copies of the binary, each run once per mode: one binary copied to
# two files ran the hour in 0.686 and 0.748 s (medians of six alternated
# rounds; the same order with their turns swapped), so one file's times
# say something about the file, not only the code.
go build -o "$tmp/simulate1" ./cmd/simulate
cp "$tmp/simulate1" "$tmp/simulate2"
cp "$tmp/simulate1" "$tmp/simulate3"
hour() {
	local i=$1
	shift
	"$tmp/simulate$i" run prefork-spike --duration 1h --out "$@" \
		--set host.cpus=4 --set 'app.request_cpu="exp(1ms)"' --set 'app.import_cpu="const(500ms)"' \
		--set 'workload.phase[0].duration="60s"' --set workload.phase[0].rate=50 \
		--set 'workload.phase[1].duration="1h"' --set workload.phase[1].rate=500 >/dev/null
}
TIMEFORMAT='CLI run, 1 simulated hour at 500 requests/s, no figures: %R s'
for i in 1 2 3; do
	time hour "$i" "$tmp/out$i" --no-plots
done
TIMEFORMAT='CLI run, 1 simulated hour at 500 requests/s, with figures: %R s'
for i in 1 2 3; do
	time hour "$i" "$tmp/fig$i"
done
