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

xml_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

total=0 failures=0
: > "$tmp/cases"
for src in fuzz/fuzz_*.c; do
  t=$(basename "$src" .c); [ "$t" = fuzz_common ] && continue
  drv="$BUILD/bin/fuzz_replay_$t"
  # OpenSSL's own known leaks are excused inside the binaries (src/det/leaks.c).
  [ -x "$drv" ] || { echo "ci/regress.sh: $drv missing" >&2; exit 2; }
  for dir in "corpus/$t" "corpus/regressions/$t"; do
    [ -d "$dir" ] || continue
    # One run for the whole folder; only if it fails, one run per input to
    # say which inputs fail.
    per_file=0
    (timeout 600 "$drv" "$dir") >"$tmp/run.log" 2>&1 || per_file=1
    for f in "$dir"/*; do
      [ -f "$f" ] || continue
      case "$f" in *.txt) continue ;; esac
      total=$((total + 1))
      name=$(printf '%s' "${f#corpus/}" | xml_escape)
      if [ $per_file = 1 ] && ! (timeout 120 "$drv" "$f") >"$tmp/one.log" 2>&1; then
        failures=$((failures + 1))
        msg=$(grep -m1 -E 'ticketlab oracle:|ERROR:|runtime error:|SUMMARY:' "$tmp/one.log" | cut -c1-300 | xml_escape)
        printf '  <testcase classname="%s" name="%s"><failure message="%s"><![CDATA[%s]]></failure></testcase>\n' \
          "$t" "$name" "$msg" "$(tail -c 4000 "$tmp/one.log" | sed 's/]]>/]] >/g')" >> "$tmp/cases"
        echo "FAIL $f: $msg" >&2
      else
        printf '  <testcase classname="%s" name="%s"/>\n' "$t" "$name" >> "$tmp/cases"
      fi
    done
  done
done
{
  echo '<?xml version="1.0" encoding="UTF-8"?>'
  printf '<testsuite name="ticketlab-regress" tests="%d" failures="%d" errors="0">\n' "$total" "$failures"
  cat "$tmp/cases"
  echo '</testsuite>'
} > "$out.tmp" && mv "$out.tmp" "$out"
echo "$((total - failures)) passed, $failures failed"
echo "JUnit XML: $out"
[ "$failures" -eq 0 ]
