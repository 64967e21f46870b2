#!/usr/bin/env bash
# ci/bench.sh - print the speed figures, measured side by side in one run.
# Nothing here asserts a time: machines are noisy, so compare the ratios.
#   ci/bench.sh [ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
. ci/lib.sh
ensure_packages "${TL_BUILD_PACKAGES[@]}"
BUILD=${TICKETLAB_BUILD:-$PWD/build-release}
build_ticketlab "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
n=${1:-500}

echo "== handshakes in the world ($n each; SSL_new/SSL_free against SSL_clear reuse)"
"$BUILD/bin/bench_world" "$n"

if "$BUILD/bin/ticketlab" --help | grep -q '^  conformance'; then
  echo "== conformance suite"
  start=$(date +%s.%N)
  rows=$("$BUILD/bin/ticketlab" conformance --format json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["rows"]))')
  end=$(date +%s.%N)
  /usr/bin/python3 -c "import sys; r,s,e=int(sys.argv[1]),float(sys.argv[2]),float(sys.argv[3]); print(f'{r} rows in {e-s:.2f} s: {r/(e-s):.0f} rows/s')" "$rows" "$start" "$end"
fi
