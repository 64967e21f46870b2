#!/usr/bin/env bash
# ci/regress.sh - replay every seed and every regression input through the
# plain replay drivers (no fuzzing engine), and write JUnit XML.
#
#   ci/regress.sh [-o FILE.xml] [--openssl PREFIX|TARBALL|SRCDIR|VERSION]
#
# (default report: reports/regress.xml; --openssl as in ci/fuzz.sh: the
# release is built once, static and instrumented, and cached)
#
# This is what a per-commit CI job runs: a few seconds, and any input that
# ever crashed a target fails the build again if the bug comes back.
# Exit: 0 all inputs pass, 1 some fail, 2 build error.
set -uo pipefail
cd "$(dirname "$0")/.."
. ci/lib.sh
. ci/openssl.sh
REPO=$PWD
out="$REPO/reports/regress.xml" openssl=system
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out=${2:?-o needs a file}; shift 2 ;;
    --openssl) openssl=${2:?--openssl needs a prefix, tarball, source tree or version}; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "ci/regress.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
ensure_packages "${TL_BUILD_PACKAGES[@]}"
ossl_prefix=$(tl_openssl_prefix "$openssl" fuzz) || exit 2
ossl_args=($(tl_openssl_cmake_args "$ossl_prefix" fuzz))
if [ -n "$ossl_prefix" ]; then
  BUILD=${TICKETLAB_BUILD:-$REPO/build-regress-$(basename "$ossl_prefix")}
  ossl_args+=(-DCMAKE_C_COMPILER=clang)
else
  BUILD=${TICKETLAB_BUILD:-$REPO/build}
fi
build_ticketlab "$BUILD" -DTICKETLAB_SANITIZE=ON "${ossl_args[@]}" >/dev/null || { echo "ci/regress.sh: build failed" >&2; exit 2; }
mkdir -p "$(dirname "$out")"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# Each driver replays its inputs in child processes and writes its own
# JUnit <testsuite>, one <testcase> per input (fuzz/replay_junit.c: one
# XML writer and escaper, the library's); it names failing inputs on
# stderr ("FAIL PATH: MESSAGE") and prints "N passed, M failed".
# OpenSSL's own known leaks are excused inside the binaries (src/det/leaks.c).
total=0 failures=0
for t in $(tl_fuzz_targets); do
  drv="$BUILD/bin/fuzz_replay_$t"
  [ -x "$drv" ] || { echo "ci/regress.sh: $drv missing" >&2; exit 2; }
  summary=$("$drv" --junit "$tmp/$t.xml" "corpus/$t" "corpus/regressions/$t")
  rc=$?
  read -r passed _ failed _ <<< "$summary"
  if [ "$rc" -gt 1 ] || [ ! -f "$tmp/$t.xml" ] || [ -z "${failed:-}" ]; then
    echo "ci/regress.sh: $drv could not replay its inputs (exit $rc)" >&2
    exit 2
  fi
  total=$((total + passed + failed)) failures=$((failures + failed))
done
{
  echo '<?xml version="1.0" encoding="UTF-8"?>'
  printf '<testsuites name="ticketlab-regress" tests="%d" failures="%d" errors="0">\n' "$total" "$failures"
  for t in $(tl_fuzz_targets); do tail -n +2 "$tmp/$t.xml"; done
  echo '</testsuites>'
} > "$out.tmp" && mv "$out.tmp" "$out"
echo "$((total - failures)) passed, $failures failed"
echo "JUnit XML: $out"
[ "$failures" -eq 0 ]
