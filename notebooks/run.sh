#!/usr/bin/env bash
# Make every notebook's inputs with forkcast, then execute the notebooks
# headless against them. One command, nothing to prepare by hand:
#
#   notebooks/run.sh [DIR]
#
# DIR (default: a fresh temporary directory; if given, it must be new or
# empty) receives
#
#   bin/simulate                    forkcast, built from this checkout
#   inputs/prefork-vps/             simulate run small-vps
#   inputs/prefork-steady/          simulate run prefork-spike
#   inputs/embedded-vs-daemon/      simulate compare embedded-vs-daemon
#   inputs/keepalive/               simulate compare keepalive-idle-browsers
#   inputs/sim/, inputs/real/       simulate run and simulate runtime of
#                                   scenarios/validation/prefork-spike-lazy.toml
#   inputs/sweep/                   simulate sweep prefork-spike: MaxRequestWorkers
#                                   × preloading, 3 replications, 90 s
#   executed/NAME.ipynb, NAME.log   each executed notebook and its log
#
# inputs/real is a run against the real Apache + mod_wsgi (runtime mode,
# about a minute; apt-get install -y apache2 libapache2-mod-wsgi-py3). To
# use an existing runtime result directory of that scenario instead, set
# FORKCAST_REAL to it. Every notebook variable already set (FORKCAST_PREFORK,
# FORKCAST_EMBEDDED, ...; see notebooks/README.md) wins over the input made
# here. The committed notebooks are never written to.
#
# Exit codes: 0 every notebook ran; 1 one failed (its log is printed);
# 2 bad usage; 3 a missing tool (go, jupyter nbconvert, Apache).
# Needs Debian's jupyter-nbconvert, python3-ipykernel, python3-pandas and
# python3-matplotlib.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

if [ $# -gt 1 ]; then
	echo "usage: $0 [DIR]  (a new or empty directory for the inputs and executed notebooks)" >&2
	exit 2
fi
if [ $# -eq 1 ]; then
	out=$1
	if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
		echo "$0: $out is not empty: give a new or empty directory" >&2
		exit 2
	fi
	mkdir -p "$out"
else
	out=$(mktemp -d "${TMPDIR:-/tmp}/forkcast-notebooks-XXXXXX")
fi
out=$(cd "$out" && pwd)

if ! command -v jupyter >/dev/null 2>&1 || ! jupyter nbconvert --version >/dev/null 2>&1; then
	echo "$0: jupyter nbconvert not found; apt-get install -y jupyter-nbconvert python3-ipykernel python3-pandas python3-matplotlib" >&2
	exit 3
fi
go=${GO:-go}
if ! command -v "$go" >/dev/null 2>&1; then
	echo "$0: go not found (set GO to the go command)" >&2
	exit 3
fi

echo "== building simulate"
(cd "$repo" && "$go" build -o "$out/bin/simulate" ./cmd/simulate)
simulate=$out/bin/simulate
in=$out/inputs
mkdir -p "$in"

echo "== making the inputs in $in"
"$simulate" run small-vps --out "$in/prefork-vps" >/dev/null
"$simulate" run prefork-spike --out "$in/prefork-steady" >/dev/null
"$simulate" compare embedded-vs-daemon --out "$in/embedded-vs-daemon" >/dev/null
"$simulate" compare keepalive-idle-browsers --out "$in/keepalive" >/dev/null
"$simulate" sweep prefork-spike --duration 90s --replications 3 --no-plots \
	--vary apache.max_request_workers=10,20,40,80 --vary wsgi.preload=false,true \
	--out "$in/sweep" >/dev/null 2>&1
validation=$repo/scenarios/validation/prefork-spike-lazy.toml
"$simulate" run "$validation" --out "$in/sim" >/dev/null
if [ -z "${FORKCAST_REAL:-}" ]; then
	echo "   measuring $(basename "$validation") on the real Apache (runtime mode)"
	status=0
	"$simulate" runtime "$validation" --out "$in/real" >/dev/null || status=$?
	if [ $status -ne 0 ]; then
		echo "$0: simulate runtime failed (exit $status); sim-vs-real needs a runtime result directory: install Apache (above) or set FORKCAST_REAL" >&2
		exit $((status == 3 ? 3 : 1))
	fi
fi

export FORKCAST_PREFORK=${FORKCAST_PREFORK:-$in/prefork-vps}
export FORKCAST_PREFORK_STEADY=${FORKCAST_PREFORK_STEADY:-$in/prefork-steady}
export FORKCAST_EMBEDDED=${FORKCAST_EMBEDDED:-$in/embedded-vs-daemon/embedded-prefork}
export FORKCAST_DAEMON=${FORKCAST_DAEMON:-$in/embedded-vs-daemon/daemon-event}
export FORKCAST_KEEPALIVE_ON=${FORKCAST_KEEPALIVE_ON:-$in/keepalive/keepalive-on}
export FORKCAST_KEEPALIVE_OFF=${FORKCAST_KEEPALIVE_OFF:-$in/keepalive/keepalive-off}
export FORKCAST_SIM=${FORKCAST_SIM:-$in/sim}
export FORKCAST_REAL=${FORKCAST_REAL:-$in/real}
export FORKCAST_SWEEP=${FORKCAST_SWEEP:-$in/sweep}

executed=$out/executed
mkdir -p "$executed"
# A writable matplotlib cache (HOME may be read-only in CI).
export MPLCONFIGDIR=${MPLCONFIGDIR:-$out/.matplotlib}

echo "== executing the notebooks into $executed"
failed=0
for nb in "$here"/*.ipynb; do
	name=$(basename "$nb" .ipynb)
	if jupyter nbconvert --to notebook --execute \
		--ExecutePreprocessor.timeout=600 \
		--ExecutePreprocessor.kernel_name=python3 \
		--output-dir "$executed" "$nb" >"$executed/$name.log" 2>&1; then
		echo "ok    $name"
	else
		echo "FAIL  $name (log: $executed/$name.log)"
		tail -n 30 "$executed/$name.log" | sed 's/^/      /'
		failed=1
	fi
done
echo "executed notebooks: $executed"
exit $failed
