#!/usr/bin/env bash
# ci/fuzz.sh - time-boxed fuzzing campaigns, with crashes turned into
# regression inputs.
#
#   ci/fuzz.sh [--seconds N] [--target NAME] [--jobs J] [--engine libfuzzer|afl]
#              [--work DIR] [--openssl PREFIX|TARBALL|SRCDIR|VERSION|boringssl|aws-lc]
#
# --openssl fuzzes against that OpenSSL instead of the system one: a tarball,
# a source tree or a version from ../shared/openssl/ is built once with the
# fuzzing flags (static, ASan+UBSan, -fsanitize=fuzzer-no-link) and cached
# in ~/.cache/ticketlab, so the fuzzer sees inside libssl's ticket code.
# boringssl and aws-lc build that snapshot (../shared/tlslibs/, ci/tlslib.sh)
# with -DFUZZ=1: ASan, fuzzer-no-link, and its deterministic RAND_bytes; the
# targets that need OpenSSL's decrypt callback are not built there.
#
# Builds the targets, runs each for N seconds (default 60) from
# corpus/<target>/ (plus its regressions), merges the new coverage into
# WORK/<target>/merged (never into the repo), and for every crash, leak or
# timeout: keeps the input, minimizes it, replays the minimized input to
# confirm it, and writes corpus/regressions/<target>/<hash> with a
# one-line summary beside it (<hash>.txt). Prints a table at the end.
# Exit: 0 no findings, 1 findings, 2 usage or build error.
set -uo pipefail
cd "$(dirname "$0")/.."
. ci/lib.sh
. ci/openssl.sh
. ci/tlslib.sh
REPO=$PWD

seconds=60 target="" jobs=1 engine=libfuzzer work="$REPO/work/fuzz" openssl=system
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=${2:?--seconds needs a value}; shift 2 ;;
    --target) target=${2:?--target needs a value}; shift 2 ;;
    --jobs) jobs=${2:?--jobs needs a value}; shift 2 ;;
    --engine) engine=${2:?--engine needs a value}; shift 2 ;;
    --work) work=${2:?--work needs a value}; shift 2 ;;
    --openssl) openssl=${2:?--openssl needs a prefix, tarball, source tree or version}; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "ci/fuzz.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$seconds$jobs" in *[!0-9]*) echo "ci/fuzz.sh: --seconds and --jobs take whole numbers" >&2; exit 2 ;; esac
[ "$seconds" -ge 1 ] && [ "$jobs" -ge 1 ] || { echo "ci/fuzz.sh: --seconds and --jobs must be at least 1" >&2; exit 2; }
case "$engine" in libfuzzer|afl) ;; *) echo "ci/fuzz.sh: --engine takes libfuzzer or afl, not '$engine'" >&2; exit 2 ;; esac

ensure_packages "${TL_BUILD_PACKAGES[@]}"
[ "$engine" = afl ] && ensure_packages afl++

targets=()
for t in $(tl_fuzz_targets); do
  [ -z "$target" ] || [ "$t" = "$target" ] || continue
  targets+=("$t")
done
[ ${#targets[@]} -gt 0 ] || { echo "ci/fuzz.sh: no target named '$target' in fuzz/" >&2; exit 2; }

# --- build -------------------------------------------------------------------
if tl_tlslib_is_spec "$openssl"; then
  ossl_prefix=$(tl_tlslib_prefix "$openssl" fuzz) || exit 2
else
  ossl_prefix=$(tl_openssl_prefix "$openssl" fuzz) || exit 2
fi
ossl_args=($(tl_openssl_cmake_args "$ossl_prefix" fuzz))
suffix=""; [ -n "$ossl_prefix" ] && suffix="-$(basename "$ossl_prefix")"
if [ "$engine" = libfuzzer ]; then
  BUILD=${TICKETLAB_FUZZ_BUILD:-$REPO/build-fuzz$suffix}
  build_ticketlab "$BUILD" -DCMAKE_C_COMPILER=clang -DTICKETLAB_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo "${ossl_args[@]}" >/dev/null \
    || { echo "ci/fuzz.sh: the libFuzzer build failed" >&2; exit 2; }
else
  BUILD=${TICKETLAB_AFL_BUILD:-$REPO/build-afl$suffix}
  AFL_USE_ASAN=1 AFL_QUIET=1 build_ticketlab "$BUILD" -DCMAKE_C_COMPILER=afl-clang-fast -DTICKETLAB_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTICKETLAB_SANITIZE=OFF "${ossl_args[@]}" >/dev/null \
    || { echo "ci/fuzz.sh: the AFL++ build failed" >&2; exit 2; }
fi
REPLAY_BUILD=${TICKETLAB_FUZZ_BUILD:-$REPO/build-fuzz$suffix}
# FindOpenSSL's own record of what it found: "...[v3.0.22(3.0)]".
ossl_desc=$(sed -n 's/^FIND_PACKAGE_MESSAGE_DETAILS_OpenSSL.*\[v\([0-9][0-9.a-z-]*\)(.*/\1/p' "$BUILD/CMakeCache.txt" 2>/dev/null | head -1)
if [ -f "$ossl_prefix/TICKETLAB_SOURCE" ]; then
  ossl_desc="$(cat "$ossl_prefix/TICKETLAB_SOURCE") from $ossl_prefix (static, -DFUZZ=1: ASan, fuzzer-no-link, deterministic RAND_bytes)"
  # Targets CMake did not build for this library (cmake/tlslib.cmake).
  kept=()
  for t in "${targets[@]}"; do
    if [ -x "$BUILD/bin/$t" ] || [ "$engine" = afl ]; then kept+=("$t"); else echo "ci/fuzz.sh: $t is not built on $(cat "$ossl_prefix/TICKETLAB_SOURCE"): skipped" >&2; fi
  done
  targets=("${kept[@]}")
elif [ -n "$ossl_prefix" ]; then
  ossl_desc="OpenSSL ${ossl_desc:-?} from $ossl_prefix (static, instrumented: ASan+UBSan, fuzzer-no-link; no coverage counters in ci/fuzz-coverage-ignorelist.txt)"
else
  ossl_desc="OpenSSL ${ossl_desc:-?} from the system (shared, not instrumented)"
fi

pids=()
cleanup() { for p in "${pids[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT INT TERM

count_files() { [ -d "$1" ] && find "$1" -maxdepth 1 -type f ! -name '*.txt' | wc -l || echo 0; }

# summary_line LOG - the one line that says what went wrong.
summary_line() {
  grep -m1 -E 'ticketlab oracle:|ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|SUMMARY:' "$1" \
    | sed 's/^==[0-9]*==//' | cut -c1-300
}

# keep_finding TARGET BIN INPUT - minimize, confirm, store as a regression.
keep_finding() {
  local t=$1 bin=$2 input=$3 dir="$work/$t" min log hash dest
  min="$dir/minimized-$(basename "$input")"
  log="$dir/replay-$(basename "$input").log"
  if [ "$engine" = libfuzzer ]; then
    # (-artifact_prefix: the intermediate crash-* files stay in the work folder)
    timeout --kill-after=10 120 "$bin" -minimize_crash=1 -max_total_time=60 -runs=100000 \
      -artifact_prefix="$dir/artifacts/minimize-" \
      -exact_artifact_path="$min" "$input" >"$dir/minimize.log" 2>&1 || true
  else
    timeout --kill-after=10 120 afl-tmin -i "$input" -o "$min" -- "$bin" >"$dir/minimize.log" 2>&1 || true
  fi
  [ -s "$min" ] || cp "$input" "$min"
  # Confirm with the plain replay driver when there is one, else the target.
  local replay="$REPLAY_BUILD/bin/fuzz_replay_$t"
  [ -x "$replay" ] || replay=$bin
  if (timeout 60 "$replay" "$min") >"$log" 2>&1; then
    # The minimized input no longer fails: keep the original instead.
    cp "$input" "$min"
    (timeout 60 "$replay" "$min") >"$log" 2>&1 && { echo "  $t: $(basename "$input") does not reproduce; kept in $dir" >&2; return 1; }
  fi
  hash=$(sha1sum "$min" | cut -c1-12)
  dest="$REPO/corpus/regressions/$t"
  mkdir -p "$dest"
  cp "$min" "$dest/$hash"
  { summary_line "$log"; } > "$dest/$hash.txt"
  [ -s "$dest/$hash.txt" ] || summary_line "$dir/run.log" > "$dest/$hash.txt"
  echo "  $t: finding -> corpus/regressions/$t/$hash: $(cat "$dest/$hash.txt")" >&2
  return 0
}

rows=()
total_findings=0
broken=0
for t in "${targets[@]}"; do
  bin="$BUILD/bin/$t"
  [ -x "$bin" ] || { echo "ci/fuzz.sh: $bin was not built" >&2; exit 2; }
  dir="$work/$t"
  rm -rf "$dir"; mkdir -p "$dir/corpus" "$dir/artifacts" "$dir/merged"
  seeds="$REPO/corpus/$t" regs="$REPO/corpus/regressions/$t"
  mkdir -p "$seeds"
  before=$(count_files "$seeds")
  dict=(); [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
  # OpenSSL's own known leaks are excused inside the binaries (src/det/leaks.c),
  # only on the releases that have them. (afl-fuzz insists on symbolize=0
  # in any LSAN_OPTIONS it is given.)
  unset LSAN_OPTIONS
  [ "$engine" = afl ] && export LSAN_OPTIONS=symbolize=0
  echo "== $t: $seconds s, $engine, $jobs job(s)" >&2
  start=$(date +%s)
  execs=0 eps=0 cov=0 after=$before findings=0

  if [ "$engine" = libfuzzer ]; then
    fork=(); [ "$jobs" -gt 1 ] && fork=(-fork="$jobs" -ignore_crashes=0)
    # With all of libssl instrumented an input touches ~50,000 features and
    # libFuzzer's entropic scheduler spends 94% of the time updating their
    # frequencies (9 execs/s against 1,034 without it, fuzz_ticket_blob on
    # an instrumented 3.0.22).
    [ -n "$ossl_prefix" ] && fork+=(-entropic=0)
    inputs=("$dir/corpus" "$seeds"); [ -d "$regs" ] && inputs+=("$regs")
    timeout --kill-after=30 $((seconds + 120)) "$bin" -max_total_time="$seconds" -timeout=25 \
      -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "${dict[@]}" \
      "${fork[@]}" "${inputs[@]}" >"$dir/run.log" 2>&1 &
    pids=($!); wait "${pids[0]}"; pids=()
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$dir/run.log" | grep -oE '[0-9]+$' | tail -1)
    [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$dir/run.log" | tail -1 | tr -d '#')
    cov=$(grep -oE 'cov: [0-9]+' "$dir/run.log" | tail -1 | grep -oE '[0-9]+')
    timeout --kill-after=10 300 "$bin" -merge=1 "$dir/merged" "$dir/corpus" "$seeds" >"$dir/merge.log" 2>&1 || true
    after=$(count_files "$dir/merged")
    for a in "$dir"/artifacts/crash-* "$dir"/artifacts/leak-* "$dir"/artifacts/timeout-* "$dir"/artifacts/oom-*; do
      [ -f "$a" ] || continue
      keep_finding "$t" "$bin" "$a" && findings=$((findings + 1))
    done
  else
    export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
    adict=(); [ -f "fuzz/$t.dict" ] && adict=(-x "fuzz/$t.dict")
    ain="$dir/in"; mkdir -p "$ain"; cp "$seeds"/* "$ain"/ 2>/dev/null; [ -d "$regs" ] && cp "$regs"/* "$ain"/ 2>/dev/null
    rm -f "$ain"/*.txt
    [ "$(count_files "$ain")" -gt 0 ] || printf 'seed' > "$ain/seed"
    for j in $(seq 1 "$jobs"); do
      role=(-S "sec$j"); [ "$j" = 1 ] && role=(-M main)
      timeout --kill-after=30 $((seconds + 120)) afl-fuzz -i "$ain" -o "$dir/afl" "${role[@]}" -V "$seconds" \
        -m none -t 25000 "${adict[@]}" -- "$bin" >"$dir/afl-$j.log" 2>&1 &
      pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done; pids=()
    for s in "$dir"/afl/*/fuzzer_stats; do
      [ -f "$s" ] || continue
      execs=$((execs + $(awk -F: '/^execs_done/ {gsub(/ /,"",$2); print $2}' "$s")))
      c=$(awk -F: '/^bitmap_cvg/ {gsub(/[ %]/,"",$2); print $2}' "$s"); cov=${c:-$cov}
    done
    after=$(find "$dir"/afl/*/queue -maxdepth 1 -type f -name 'id:*' 2>/dev/null | wc -l)
    cat "$dir"/afl-*.log > "$dir/run.log"
    for a in "$dir"/afl/*/crashes/id:* "$dir"/afl/*/hangs/id:*; do
      [ -f "$a" ] || continue
      keep_finding "$t" "$bin" "$a" && findings=$((findings + 1))
    done
  fi
  elapsed=$(( $(date +%s) - start )); [ "$elapsed" -ge 1 ] || elapsed=1
  execs=${execs:-0}; cov=${cov:-0}
  if [ "$execs" -eq 0 ] && [ "$findings" -eq 0 ]; then
    echo "ci/fuzz.sh: $t ran no input at all: see $dir/run.log" >&2
    broken=$((broken + 1))
  fi
  eps=$(( execs / (seconds > 0 ? seconds : 1) ))
  rows+=("$(printf '%-22s %7s %11s %9s %7s %7s %9s %9s' "$t" "$seconds" "$execs" "$eps" "$before" "$after" "$cov" "$findings")")
  total_findings=$((total_findings + findings))
done

printf '\n%-22s %7s %11s %9s %7s %7s %9s %9s\n' target seconds execs execs/s before after coverage findings
printf '%s\n' "${rows[@]}"
echo "engine: $engine; $ossl_desc; work folder: $work; coverage is libFuzzer's cov (edges) or AFL's bitmap %"
[ "$total_findings" -eq 0 ] || { echo "ci/fuzz.sh: $total_findings finding(s): see corpus/regressions/" >&2; exit 1; }
[ "$broken" -eq 0 ] || exit 2
exit 0
