#!/usr/bin/env bash
# Regenerates the README's figures (docs/figures/*.png) from the built-in
# scenarios with the simulator. Deterministic: the same code gives the same
# bytes. Usage: docs/figures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/simulate" ./cmd/simulate
sim="$tmp/simulate"
"$sim" run prefork-spike --out "$tmp/prefork-spike" >/dev/null
"$sim" run small-vps --out "$tmp/small-vps" >/dev/null
"$sim" compare embedded-vs-daemon --out "$tmp/embedded-vs-daemon" >/dev/null
"$sim" compare keepalive-idle-browsers --out "$tmp/keepalive" >/dev/null
"$sim" sweep prefork-spike --vary apache.max_request_workers=10..150:10 --vary wsgi.preload=false,true \
  --replications 10 --out "$tmp/sweep" >/dev/null
"$sim" advise small-vps --out "$tmp/advise-vps" >/dev/null
"$sim" advise prefork-spike --set host.ram=4GiB --replications 10 --out "$tmp/advise-4g" >/dev/null
mkdir -p docs/figures
cp "$tmp/prefork-spike/processes.png"              docs/figures/prefork-spike-processes.png
cp "$tmp/prefork-spike/latency.png"                docs/figures/prefork-spike-latency.png
cp "$tmp/small-vps/memory.png"                     docs/figures/small-vps-memory.png
cp "$tmp/embedded-vs-daemon/compare_memory.png"    docs/figures/embedded-vs-daemon-memory.png
cp "$tmp/keepalive/compare_processes.png"          docs/figures/keepalive-processes.png
cp "$tmp/sweep/sweep_latency_p99_ms.png"           docs/figures/sweep-prefork-p99.png
cp "$tmp/sweep/sweep_pareto.png"                   docs/figures/sweep-prefork-pareto.png
cp "$tmp/advise-vps/advise_pareto.png"            docs/figures/advise-small-vps-pareto.png
cp "$tmp/advise-4g/advise_pareto.png"             docs/figures/advise-4g-pareto.png
ls -l docs/figures
