#!/usr/bin/env bash
# Measures what the README's Speed section reports: the engine and whole-
# scenario benchmarks, then the CLI's own run of one simulated hour of the
# prefork spike at 500 requests/s (the benchmark's scenario), timed three
# times without figures and three times with them. To profile the CLI's
# run: go test -run '^$' -bench RunHour -cpuprofile cpu.out ./cmd/simulate
# (BenchmarkRunHour starts no server).
#
# Usage: docs/speed.sh [COMMIT]. With a commit (say f613db7, the version of
# the day the speed targets were set), it also builds that version's
# command from a temporary worktree and times its hour with figures
# alternately with this one's, five rounds, and prints both medians and
# their ratio: on a shared machine only times taken side by side compare.
set -euo pipefail
cd "$(dirname "$0")/.."
against=${1:-}
go test -run '^$' -bench . -benchtime 3x -p 1 ./sim ./models
tmp=$(mktemp -d)
cleanup() {
	if [ -n "$against" ] && [ -d "$tmp/then" ]; then
		git worktree remove --force "$tmp/then" >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
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
if [ -n "$against" ]; then
	git worktree add --detach "$tmp/then" "$against" >/dev/null
	(cd "$tmp/then" && go build -o "$tmp/simulate-then" ./cmd/simulate)
	wall() { # the hour with figures, in seconds
		local bin=$1 out=$2 t0 t1
		t0=$(date +%s.%N)
		"$bin" run prefork-spike --duration 1h --out "$out" \
			--set host.cpus=4 --set 'app.request_cpu="exp(1ms)"' --set 'app.import_cpu="const(500ms)"' \
			--set 'workload.phase[0].duration="60s"' --set workload.phase[0].rate=50 \
			--set 'workload.phase[1].duration="1h"' --set workload.phase[1].rate=500 >/dev/null 2>&1
		t1=$(date +%s.%N)
		rm -rf "$out"
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
	}
	for i in 1 2 3 4 5; do
		wall "$tmp/simulate1" "$tmp/now$i" >>"$tmp/now.txt"
		wall "$tmp/simulate-then" "$tmp/then$i" >>"$tmp/then.txt"
	done
	now_s=$(sort -n "$tmp/now.txt" | sed -n 3p)
	then_s=$(sort -n "$tmp/then.txt" | sed -n 3p)
	awk -v c="$against" -v now="$now_s" -v then="$then_s" 'BEGIN {
		printf "CLI run, 1 simulated hour with figures, alternated with %s: %.3f s against %.3f s (%.2fx), medians of five\n", c, now, then, then / now }'
fi
