#!/usr/bin/env bash
# Measures what the README's Speed section reports: the engine and whole-
# scenario benchmarks, then the CLI's own run of one simulated hour of the
# prefork spike at 500 requests/s (the benchmark's scenario), timed three
# times. Usage: docs/speed.sh
set -euo pipefail
cd "$(dirname "$0")/.."
go test -run '^$' -bench . -benchtime 3x ./sim ./models
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/simulate" ./cmd/simulate
TIMEFORMAT='CLI run, 1 simulated hour at 500 requests/s: %R s'
for i in 1 2 3; do
	time "$tmp/simulate" run prefork-spike --duration 1h --no-plots --out "$tmp/out$i" \
		--set host.cpus=4 --set 'app.request_cpu="exp(1ms)"' --set 'app.import_cpu="const(500ms)"' \
		--set 'workload.phase[0].duration="60s"' --set workload.phase[0].rate=50 \
		--set 'workload.phase[1].duration="1h"' --set workload.phase[1].rate=500 >/dev/null
done
