#!/usr/bin/env bash
# ci/test.sh - build ticketlab with ASan+UBSan and run every test:
# the C tests and conformance through ctest, then the CLI tests with pytest.
# Installs what is missing with apt-get. Works from a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
. ci/lib.sh
ensure_packages "${TL_BUILD_PACKAGES[@]}" "${TL_TEST_PACKAGES[@]}"

BUILD=${TICKETLAB_BUILD:-$PWD/build}
build_ticketlab "$BUILD" -DTICKETLAB_SANITIZE=ON -DCMAKE_C_COMPILER=clang
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
(cd "$BUILD" && ctest --output-on-failure -j2)
# pytest in two processes, one per core: the modules that build trees of
# their own (OSS-Fuzz, install) beside everything else. The second prints
# as it goes; the first's output follows, then its summary line.
builds=(pytest/test_oss_fuzz_build.py pytest/test_install.py)
side_log=$(mktemp); trap 'rm -f "$side_log"' EXIT
TICKETLAB_BUILD="$BUILD" /usr/bin/python3 -m pytest -q -p no:cacheprovider "${builds[@]}" >"$side_log" 2>&1 &
side=$!
status=0
TICKETLAB_BUILD="$BUILD" /usr/bin/python3 -m pytest -q -p no:cacheprovider pytest/ \
  "${builds[@]/#/--ignore=}" || status=$?
wait "$side" || status=$?
echo "== ${builds[*]}"
cat "$side_log"
exit $status
