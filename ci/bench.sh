#!/usr/bin/env bash
# ci/bench.sh - print the speed figures, measured side by side in one run.
# Nothing here asserts a time: machines are noisy, so compare the ratios.
#   ci/bench.sh [--openssl PREFIX|TARBALL|SRCDIR|VERSION] [ITERATIONS]
# (--openssl: measure against that release, built once and cached, plain -O2)
# TICKETLAB_BENCH_BASE=REV also builds commit REV (git archive, into
# build-bench-base/) and prints its figures beside today's, run in turn.
# TICKETLAB_BENCH_INSTRUMENTED=VERSION adds fuzz_client_ticket under libFuzzer
# against that release's instrumented build: the old path, now, and with
# TICKETLAB_BENCH_BASE the base commit's target against the instrumented build
# its own ci/openssl.sh makes.
set -euo pipefail
cd "$(dirname "$0")/.."
. ci/lib.sh
. ci/openssl.sh
. ci/bench_conformance.sh   # the limits, before/after, start-up, conformance -j, the table's parse
openssl=system
if [ "${1:-}" = --openssl ]; then openssl=${2:?--openssl needs a value}; shift 2; fi
ensure_packages "${TL_BUILD_PACKAGES[@]}"
ossl_prefix=$(tl_openssl_prefix "$openssl" plain)
ossl_args=($(tl_openssl_cmake_args "$ossl_prefix" plain))
suffix=""; [ -n "$ossl_prefix" ] && suffix="-$(basename "$ossl_prefix")"
BUILD=${TICKETLAB_BUILD:-$PWD/build-release$suffix}
build_ticketlab "$BUILD" -DCMAKE_BUILD_TYPE=Release "${ossl_args[@]}" >/dev/null
echo "OpenSSL: $(sed -n 's/^FIND_PACKAGE_MESSAGE_DETAILS_OpenSSL.*\[v\([0-9][0-9.a-z-]*\)(.*/\1/p' "$BUILD/CMakeCache.txt" | head -1) (${ossl_prefix:-system})"
n=${1:-500}

echo "== start-up: the ticket behaviour self-tests, once per process (goal: under 50 ms for all)"
for i in 1 2 3 4 5; do "$BUILD/bin/ticketlab" conformance --changes --format json; done \
  | /usr/bin/python3 -c 'import json,sys,statistics as st
runs=[json.loads(l) for l in sys.stdin if l.strip()]
w=[r["detect_ms"] for r in runs]; c=[r["detect_cpu_ms"] for r in runs]; n=len(runs[0]["changes"])
print(f"{n} changes detected in {st.median(w):.1f} ms wall, {st.median(c):.1f} ms CPU (median of {len(runs)} runs; wall {min(w):.1f}-{max(w):.1f} ms)")'
echo

echo "== handshakes in the world ($n each; SSL_new/SSL_free against SSL_clear reuse)"
"$BUILD/bin/bench_world" "$n"

echo
echo "== fuzz_ticket_blob beside its limit and a naive harness (same input)"
"$BUILD/bin/bench_blob_limit" 3

# The same targets without and with ASan+UBSan, side by side.
SAN=${TICKETLAB_SAN_BUILD:-$PWD/build-release-asan$suffix}
build_ticketlab "$SAN" -DCMAKE_BUILD_TYPE=Release -DTICKETLAB_SANITIZE=ON "${ossl_args[@]}" >/dev/null
echo
echo "== fuzz targets over their corpus, 5 s each (no fuzzing engine)"
printf '%-22s %14s %14s %8s %16s\n' target "plain execs/s" "asan execs/s" ratio "RSS KiB early/end"
declare -A PLAIN=()
for t in $(tl_fuzz_targets); do
  plain=$("$BUILD/bin/bench_$t" --seconds 5 "corpus/$t")
  asan=$("$SAN/bin/bench_$t" --seconds 5 "corpus/$t")
  pe=$(echo "$plain" | grep -oE '= [0-9]+ execs/s' | grep -oE '[0-9]+')
  ae=$(echo "$asan" | grep -oE '= [0-9]+ execs/s' | grep -oE '[0-9]+')
  rss=$(echo "$plain" | grep -oE 'RSS [0-9-]+ KiB early, [0-9-]+' | grep -oE '[0-9-]+' | paste -sd/)
  printf '%-22s %14s %14s %8s %16s\n' "$t" "$pe" "$ae" "$(awk -v a="$ae" -v p="$pe" 'BEGIN{printf "%.2f", a/p}')" "$rss"
  PLAIN[$t]=$pe
done
bench_limits_beside_targets
echo
echo "== what the memos buy (plain build, 5 s each, side by side): TICKETLAB_NO_MEMO=1 builds"
echo "   every scenario's world and mints its ticket again, parses the test chain for every world"
echo "   and every session DER on every import and every edited ticket, as before"
printf '%-22s %14s %14s %8s\n' target "before execs/s" "now execs/s" ratio
for t in fuzz_decrypt_status fuzz_cache_import; do
  before=$(TICKETLAB_NO_MEMO=1 "$BUILD/bin/bench_$t" --seconds 5 "corpus/$t" | grep -oE '= [0-9]+ execs/s' | grep -oE '[0-9]+')
  now=$("$BUILD/bin/bench_$t" --seconds 5 "corpus/$t" | grep -oE '= [0-9]+ execs/s' | grep -oE '[0-9]+')
  printf '%-22s %14s %14s %8s\n' "$t" "$before" "$now" "$(awk -v a="$now" -v b="$before" 'BEGIN{printf "%.2f", a/b}')"
done
echo
echo "== fuzz_client_ticket before and now (5 s each, side by side): TICKETLAB_CT_FRESH=1 TICKETLAB_NO_MEMO=1"
echo "   gives every input a full handshake of its own and parses every stored session again, as before"
printf '%-22s %14s %14s %8s\n' build "before execs/s" "now execs/s" ratio
for b in "$BUILD" "$SAN"; do
  before=$(TICKETLAB_CT_FRESH=1 TICKETLAB_NO_MEMO=1 "$b/bin/bench_fuzz_client_ticket" --seconds 5 corpus/fuzz_client_ticket | grep -oE '= [0-9]+ execs/s' | grep -oE '[0-9]+')
  now=$("$b/bin/bench_fuzz_client_ticket" --seconds 5 corpus/fuzz_client_ticket | grep -oE '= [0-9]+ execs/s' | grep -oE '[0-9]+')
  printf '%-22s %14s %14s %8s\n' "$([ "$b" = "$BUILD" ] && echo plain || echo asan)" "$before" "$now" "$(awk -v a="$now" -v b="$before" 'BEGIN{printf "%.2f", a/b}')"
done
if [ -n "${TICKETLAB_BENCH_INSTRUMENTED:-}" ]; then
  # libFuzzer against an instrumented static OpenSSL (ci/openssl.sh fuzz flavour),
  # from the committed seeds, as ci/fuzz.sh runs it; new units go to a scratch folder.
  fz_prefix=$(tl_openssl_prefix "$TICKETLAB_BENCH_INSTRUMENTED" fuzz)
  FZ=${TICKETLAB_FUZZ_BUILD:-$PWD/build-fuzz-$(basename "$fz_prefix")}
  build_ticketlab "$FZ" -DCMAKE_C_COMPILER=clang -DTICKETLAB_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    $(tl_openssl_cmake_args "$fz_prefix" fuzz) >/dev/null
  echo
  echo "== fuzz_client_ticket under libFuzzer against $(basename "$fz_prefix") (instrumented): 60 s campaigns,"
  echo "   from the committed seeds, new units to a scratch folder, the builds in turn; median inputs per CPU"
  echo "   second (libFuzzer's own wall-clock figure in brackets). old-path: TICKETLAB_CT_FRESH=1 TICKETLAB_NO_MEMO=1"
  # fz_rates LABEL BIN [VAR=VALUE...] [-- LABEL BIN ...]: TICKETLAB_BENCH_FZ_RUNS (3) rounds,
  # one campaign of TICKETLAB_BENCH_FZ_SECONDS (60) of each command per round, in turn; prints per command the median
  # "units/CPU-s (libFuzzer's exec/s) [lowest-highest units/CPU-s]". A campaign's rate
  # depends on what it happens to find, so one run says little.
  fz_rates() {
    /usr/bin/python3 - "${TICKETLAB_BENCH_FZ_RUNS:-3}" "${TICKETLAB_BENCH_FZ_SECONDS:-60}" "$@" <<'PY'
import os, re, resource, shutil, statistics, subprocess, sys, tempfile
runs, secs, cmds, cur = int(sys.argv[1]), int(sys.argv[2]), [], []
for a in sys.argv[3:]:
    if a == "--":
        cmds.append(cur); cur = []
    else:
        cur.append(a)
cmds.append(cur)
rates, walls = [[] for _ in cmds], [[] for _ in cmds]
for _ in range(runs):
    for i, (label, b, *kvs) in enumerate(cmds):
        env = dict(os.environ, **dict(kv.split("=", 1) for kv in kvs))
        scratch = tempfile.mkdtemp()
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.run([b, f"-max_total_time={secs}", "-entropic=0", "-print_final_stats=1",
                            "-dict=fuzz/fuzz_client_ticket.dict", scratch, "corpus/fuzz_client_ticket"],
                           env=env, capture_output=True, text=True)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        shutil.rmtree(scratch)
        units = re.search(r"stat::number_of_executed_units: *(\d+)", p.stderr)
        wall = re.search(r"stat::average_exec_per_sec: *(\d+)", p.stderr)
        if not units or not wall:
            sys.exit(f"{b}: no final stats (exit {p.returncode})")
        rates[i].append(int(units.group(1)) / ((r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)))
        walls[i].append(int(wall.group(1)))
for (label, *_), r, w in zip(cmds, rates, walls):
    print(f"{label:<40} {statistics.median(r):>8.0f} {f'({statistics.median(w):.0f})':>8} [{min(r):.0f}-{max(r):.0f}]")
PY
  }
  specs=(old-path "$FZ/bin/fuzz_client_ticket" TICKETLAB_CT_FRESH=1 TICKETLAB_NO_MEMO=1)
  base=$(bench_base_dir)
  if [ -n "$base" ]; then
    # The base commit's target against its own instrumented build (its ci/openssl.sh flags).
    base_fz_prefix=$(export TICKETLAB_OPENSSL_SOURCES; TICKETLAB_OPENSSL_SOURCES=$(tl_openssl_shared_dir)
      cd "$base/../src" && . ci/openssl.sh && tl_openssl_prefix "$TICKETLAB_BENCH_INSTRUMENTED" fuzz)
    (cd "$base/../src" && build_ticketlab "$base/../fuzz" -DCMAKE_C_COMPILER=clang -DTICKETLAB_FUZZ=ON \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo $(tl_openssl_cmake_args "$base_fz_prefix" fuzz) >/dev/null)
    specs+=(-- "$TICKETLAB_BENCH_BASE ($(basename "$base_fz_prefix"))" "$base/../fuzz/bin/fuzz_client_ticket")
  fi
  specs+=(-- "now ($(basename "$fz_prefix"))" "$FZ/bin/fuzz_client_ticket")
  printf '%-40s %8s %8s %s\n' build execs/CPU-s "(exec/s)" "[range]"
  fz_rates "${specs[@]}"
fi
if [ "${TICKETLAB_BENCH_LONG:-0}" = 1 ]; then
  echo
  echo "== RSS over 1,000,000 executions of each target (TICKETLAB_BENCH_LONG=1)"
  for t in $(tl_fuzz_targets); do
    "$BUILD/bin/bench_$t" --execs 1000000 "corpus/$t"
  done
fi

bench_conformance_sections

echo
echo "== serve under load: 20 stalled clients, RSS over 3,000 --appdata-size 60000 handshakes, PSK-identity log"
/usr/bin/python3 -u bench/serve_bench.py "$BUILD/bin/ticketlab" 3000
