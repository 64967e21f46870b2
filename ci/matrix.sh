#!/usr/bin/env bash
# ci/matrix.sh - build and test ticketlab against several OpenSSL releases.
#
#   ci/matrix.sh [SPEC...]
#
# SPEC is "system", a version with a tarball in $TICKETLAB_OPENSSL_SOURCES or
# ../shared/openssl/ (3.0.14, 3.0.22, 3.5.7, 3.6.3, 4.0.2), a tarball, a
# source tree or an installed prefix (see ci/openssl.sh), each optionally with
# patches: 3.0.14+ci/patches/3.0.14-psk-empty-identity.diff applies a diff,
# 3.5.7+revert:ci/patches/3.5.7-ticket-after-suite-mismatch.diff reverts an
# upstream change; or "boringssl" / "aws-lc": the snapshot in
# ../shared/tlslibs/ (ci/tlslib.sh; their rows are n/a where the library lacks
# the API, and pytest runs the modules that apply to them: TL_PYTEST_LIBRARY
# below). Default: system, every release tarball, then every patch in
# ci/patches/ on its release (RELEASE-NAME.diff; its first line says "(apply)"
# or "(revert)").
#
# Each unpatched OpenSSL release's conformance run is kept as a reference
# report, conformance/reference/<release>.json (ci/reference.py), when all its
# rows pass: the "unexplained" section of a later run compares failed rows
# with them. Commit the files when they change.
#
# For each release: build OpenSSL once (cached in ~/.cache/ticketlab, outside
# the clone), build ticketlab with ASan+UBSan and -Werror against it, run
# ctest (C tests, conformance with LeakSanitizer on in every worker process
# of `ticketlab conformance -j`, corpus replays), the
# conformance JSON report and pytest. Then compare the conformance runs of
# neighbouring releases (`ticketlab conformance --compare`) and print one
# summary table. Reports land in ${TICKETLAB_REPORTS:-reports}/matrix/.
# Exit status: 0 when every release passed everything, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
. ci/lib.sh
. ci/openssl.sh
. ci/tlslib.sh
ensure_packages "${TL_BUILD_PACKAGES[@]}" "${TL_TEST_PACKAGES[@]}"

specs=("$@")
if [ ${#specs[@]} -eq 0 ]; then
  specs=(system)
  for t in "$(tl_openssl_shared_dir)"/openssl-*.tar.*; do
    [ -f "$t" ] || continue
    v=$(basename "$t"); v=${v#openssl-}; v=${v%.tar.*}
    specs+=("$v")
  done
  for p in ci/patches/*.diff; do
    [ -f "$p" ] || continue
    v=$(basename "$p"); v=${v%%-*}
    if head -1 "$p" | grep -q '(revert)'; then specs+=("$v+revert:$p"); else specs+=("$v+$p"); fi
  done
fi

ROOT=${TICKETLAB_MATRIX_BUILD:-$PWD/build-matrix}
REPORTS=${TICKETLAB_REPORTS:-$PWD/reports}/matrix
mkdir -p "$ROOT" "$REPORTS"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Each release: build, ctest (which runs the conformance suite once and
# writes its reports), then pytest in the background while the next release
# builds: two cores, two jobs. At most one pytest runs at a time.
names=() status=0
R_NAME=() R_REL=() R_B=() R_C=() R_R=() R_START=() R_PID=()
run_pytest() {   # run_pytest BUILD LOG: the tests against one release's build
  # test_install and test_oss_fuzz_build build their own trees against the
  # system OpenSSL whatever release is checked here: ci/test.sh runs them.
  # TICKETLAB_MATRIX_QUICK=1 (.ci/run) also leaves out the 687 malformed-file
  # variants of test_hostile_inputs, which ci/test.sh runs on the system OpenSSL.
  local skip=(--ignore=pytest/test_install.py --ignore=pytest/test_oss_fuzz_build.py)
  [ "${TICKETLAB_MATRIX_QUICK:-0}" = 1 ] && skip+=(--ignore=pytest/test_hostile_inputs.py)
  local which=(pytest/)
  [ -n "${3:-}" ] && which=("${TL_PYTEST_LIBRARY[@]}")
  TICKETLAB_BUILD="$1" /usr/bin/python3 -m pytest -q -p no:cacheprovider "${which[@]}" "${skip[@]}" >"$2" 2>&1
}
# The pytest modules that apply to BoringSSL and AWS-LC: the others drive
# OpenSSL's decrypt callback, its release rules or s_server/s_client.
TL_PYTEST_LIBRARY=(pytest/test_conformance_libraries.py)
# matrix_prefix SPEC: the install prefix of an OpenSSL release or of BoringSSL/AWS-LC.
matrix_prefix() {
  if tl_tlslib_is_spec "$1"; then tl_tlslib_prefix "$1" plain; else tl_openssl_prefix "$1" plain; fi
}
# spec_assertions SPEC - what a patched build's patches do, as
# TICKETLAB_EXPECT_CHANGES: ci/patches/<release>-<change>.diff applied is
# "<change>=yes", reverted "<change>=no" ("" for an unpatched release). The
# build's self-tests must find it so (test_detect), its rows follow it, and
# its reports name where it differs from the release's upstream history.
spec_assertions() {
  local spec=$1 part f c out=""
  local -a parts
  [ "${spec%%+*}" = "$spec" ] && return 0
  IFS=+ read -r -a parts <<<"${spec#*+}"
  for part in "${parts[@]}"; do
    f=${part#revert:}; c=$(basename "$f" .diff); c=${c#*-}
    if [ "$part" != "$f" ]; then out="$out${out:+,}$c=no"; else out="$out${out:+,}$c=yes"; fi
  done
  echo "$out"
}
last_pid="" user_expect=${TICKETLAB_EXPECT_CHANGES:-}
for spec in "${specs[@]}"; do
  i=${#R_NAME[@]}
  R_START[i]=$(date +%s)
  name=$(tl_openssl_spec_name "$spec")
  asserted=$(spec_assertions "$spec")
  # A caller's own assertions hold for every release; the patch's come after (they win).
  expect="$user_expect${user_expect:+${asserted:+,}}$asserted"
  if [ -n "$expect" ]; then export TICKETLAB_EXPECT_CHANGES=$expect; else unset TICKETLAB_EXPECT_CHANGES; fi
  build="$ROOT/$name" log="$REPORTS/$name.log"
  : > "$log"
  b=fail c=- r=- release=? R_PID[i]=""
  lib=""; tl_tlslib_is_spec "$spec" && lib=$spec
  echo "== ${lib:-OpenSSL} $spec${asserted:+ (TICKETLAB_EXPECT_CHANGES=$asserted)}" >&2
  if prefix=$(matrix_prefix "$spec" 2>>"$log"); then
    args=(); [ -n "$prefix" ] && args=(-DOPENSSL_ROOT_DIR="$prefix")
    if build_ticketlab "$build" -DTICKETLAB_SANITIZE=ON -DCMAKE_C_COMPILER=clang "${args[@]}" >>"$log" 2>&1; then
      b=ok
      if (cd "$build" && ctest -j2 --output-on-failure >>"$log" 2>&1); then c=ok; else c=FAIL; fi
      c="$c ($(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\)/\1 failed of \2/p' "$log" | tail -1))"
      # ctest ran the suite once and wrote its four reports; keep the JSON.
      cp "$build/conformance.json" "$REPORTS/$name.json" 2>>"$log" || true
      r=$(/usr/bin/python3 -c 'import json,sys
d = json.load(open(sys.argv[1])); s = d["summary"]
print("%d pass, %d n/a, %d fail, %d err" % (s["passed"], s["na"], s["failed"], s["errors"]))
print(d["release"])' "$REPORTS/$name.json" 2>/dev/null) || r="no report"
      release=$(echo "$r" | sed -n 2p); r=$(echo "$r" | sed -n 1p)
      # A passing run of an unpatched release becomes its reference report.
      if [ -z "$lib" ] && [ "$spec" = "${spec%%+*}" ] && [[ "$r" == *", 0 fail, 0 err" ]] && [ -n "$release" ]; then
        mkdir -p "$REPORTS/reference"
        python3 ci/reference.py "$REPORTS/$name.json" "$REPORTS/reference/$release.json" 2>>"$log" &&
          cp "$REPORTS/reference/$release.json" conformance/reference/ 2>>"$log" || true
      fi
      u=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("unexplained", {}).get("count", 0))' \
            "$REPORTS/$name.json" 2>/dev/null) || u=0
      [ "${u:-0}" != 0 ] && r="$r, $u unexplained"
      [ -n "$last_pid" ] && { wait "$last_pid" || true; }
      (rc=0; run_pytest "$build" "$REPORTS/$name.pytest.log" "$lib" || rc=$?
       date +%s >"$REPORTS/$name.pytest.end"; exit $rc) &
      R_PID[i]=$!; last_pid=$!
    fi
  fi
  R_NAME[i]=$name R_REL[i]=${release:-?} R_B[i]=$b R_C[i]=$c R_R[i]=$r
  [ -f "$REPORTS/$name.json" ] && names+=("$name")
done

rows=()
for ((i = 0; i < ${#R_NAME[@]}; i++)); do
  p=-
  if [ -n "${R_PID[i]}" ]; then
    plog="$REPORTS/${R_NAME[i]}.pytest.log"
    if wait "${R_PID[i]}"; then p=ok; else p=FAIL; fi
    cat "$plog" >>"$REPORTS/${R_NAME[i]}.log"
    p="$p ($(grep -Eo '[0-9]+ (passed|failed|skipped)' "$plog" | tail -3 | paste -sd, -))"
    end=$(cat "$REPORTS/${R_NAME[i]}.pytest.end" 2>/dev/null || date +%s)
    rm -f "$plog" "$REPORTS/${R_NAME[i]}.pytest.end"
  fi
  secs=$(( ${end:-$(date +%s)} - R_START[i] )); end=""
  ok=1
  [ "${R_B[i]}" = ok ] || ok=0
  [[ "${R_C[i]}" == ok* ]] || ok=0
  [[ "$p" == ok* ]] || ok=0
  [[ "${R_R[i]}" == *", 0 fail, 0 err" ]] || ok=0
  [ $ok -eq 1 ] || status=1
  rows+=("$(printf '%-34s %-9s %-6s %-22s %-50s %-24s %5ss' "${R_NAME[i]}" "${R_REL[i]}" "${R_B[i]}" "${R_C[i]}" "${R_R[i]}" "$p" "$secs")")
done

# What changed between neighbouring releases, as OpenSSL maintainers want it.
tl="" ; for n in "${names[@]}"; do [ -x "$ROOT/$n/bin/ticketlab" ] && tl="$ROOT/$n/bin/ticketlab"; done
if [ -n "$tl" ] && "$tl" conformance --help 2>&1 | grep -q -- '--compare'; then
  for ((i = 1; i < ${#names[@]}; i++)); do
    a=${names[i-1]} bb=${names[i]}
    for f in table svg json; do
      ext=$f; [ "$f" = table ] && ext=txt
      "$tl" conformance --compare "$REPORTS/$a.json" "$REPORTS/$bb.json" --format "$f" \
        -o "$REPORTS/compare-$a-$bb.$ext" >/dev/null 2>&1 || true
    done
  done
fi

echo
printf '%-34s %-9s %-6s %-22s %-50s %-24s %6s\n' openssl release build ctest "conformance rows" pytest time
for row in "${rows[@]}"; do echo "$row"; done
echo "logs and reports: $REPORTS/"
exit $status
