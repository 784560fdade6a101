#!/usr/bin/env bash
# Execute every notebook headless against forkcast result directories.
#
#   notebooks/run.sh DIR
#
# DIR holds one result directory per story (see notebooks/README.md):
#   prefork-vps/  embedded/  daemon/  keepalive-on/  keepalive-off/  sim/  real/
# and sweep/, the output directory of a `simulate sweep`.
# Each notebook's own variable (FORKCAST_PREFORK, FORKCAST_SWEEP, ...) still
# wins when set. Executed copies go to $FORKCAST_NB_OUT (default: a fresh
# temporary directory), never over the committed notebooks, which stay
# without outputs. Needs Debian's jupyter-nbconvert, python3-ipykernel,
# python3-pandas and python3-matplotlib.
set -euo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 DIR  (a directory of result directories)" >&2
	exit 2
fi
if ! command -v jupyter >/dev/null 2>&1 || ! jupyter nbconvert --version >/dev/null 2>&1; then
	echo "$0: jupyter nbconvert not found; apt-get install -y jupyter-nbconvert python3-ipykernel python3-pandas python3-matplotlib" >&2
	exit 3
fi

here=$(cd "$(dirname "$0")" && pwd)
export FORKCAST_OUT
FORKCAST_OUT=$(cd "$1" && pwd)
out=${FORKCAST_NB_OUT:-$(mktemp -d)}
mkdir -p "$out"
# A writable matplotlib cache (HOME may be read-only in CI).
export MPLCONFIGDIR=${MPLCONFIGDIR:-$out/.matplotlib}

failed=0
for nb in "$here"/*.ipynb; do
	name=$(basename "$nb")
	if jupyter nbconvert --to notebook --execute \
		--ExecutePreprocessor.timeout=600 \
		--ExecutePreprocessor.kernel_name=python3 \
		--output-dir "$out" "$nb" >"$out/${name%.ipynb}.log" 2>&1; then
		echo "ok    $name"
	else
		echo "FAIL  $name (log: $out/${name%.ipynb}.log)"
		tail -n 30 "$out/${name%.ipynb}.log" | sed 's/^/      /'
		failed=1
	fi
done
echo "executed notebooks: $out"
exit $failed
