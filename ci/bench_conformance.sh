# ci/bench_conformance.sh - sourced by ci/bench.sh (needs its BUILD, PLAIN,
# ossl_args and ci/lib.sh): the limits beside the fuzz targets, the targets
# before and after (TICKETLAB_BENCH_BASE=REV), ticketlab's own start-up, the
# conformance suite by -j, and the expectations table's parse on large
# tables. Every figure of a section comes from the same run, its commands
# taking turns, so that a ratio is read from one run on a noisy machine.

# wall_medians RUNS CMD... [-- CMD...]: the median wall seconds of each
# command over RUNS rounds, the commands in turn within a round, then the
# median CPU seconds (user + system, worker processes included) of each.
wall_medians() {
  /usr/bin/python3 - "$@" <<'PY'
import resource, statistics, subprocess, sys, time
runs, cmds, cur = int(sys.argv[1]), [], []
for a in sys.argv[2:]:
    if a == "--":
        cmds.append(cur); cur = []
    else:
        cur.append(a)
cmds.append(cur)
wall, cpu = [[] for _ in cmds], [[] for _ in cmds]
def used():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
for _ in range(runs):
    for i, c in enumerate(cmds):
        t, u = time.perf_counter(), used()
        p = subprocess.run(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall[i].append(time.perf_counter() - t)
        cpu[i].append(used() - u)
        if p.returncode != 0:
            sys.exit(f"{' '.join(c)}: exit status {p.returncode}")
print(" ".join(f"{statistics.median(t):.4f}" for t in wall + cpu))
PY
}

# bench_base_dir: the Release build of $TICKETLAB_BENCH_BASE (built once per
# commit into build-bench-base/), or nothing when it is not set.
bench_base_dir() {
  local rev=${TICKETLAB_BENCH_BASE:-} dir=$PWD/build-bench-base sha
  [ -n "$rev" ] || return 0
  sha=$(git rev-parse --verify "$rev^{commit}")
  if [ "$(cat "$dir/.rev" 2>/dev/null)" != "$sha" ]; then
    rm -rf "$dir"
    mkdir -p "$dir/src"
    git archive "$sha" | tar -x -C "$dir/src"
    (cd "$dir/src" && build_ticketlab "$dir/build" -DCMAKE_BUILD_TYPE=Release "${ossl_args[@]}" >/dev/null)
    echo "$sha" >"$dir/.rev"
  fi
  echo "$dir/build"
}

# cpu_rates RUNS EXECS CORPUS BIN...: each BIN runs EXECS inputs of CORPUS
# (bench_main --execs), the BINs in turn, RUNS rounds; prints each one's
# median inputs per CPU second (user + system). CPU time, not wall: on a
# shared machine a run's wall time is mostly other people's work.
cpu_rates() {
  /usr/bin/python3 - "$@" <<'PY'
import resource, statistics, subprocess, sys
runs, execs, corpus, bins = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]
rates = [[] for _ in bins]
def used():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
for _ in range(runs):
    for i, b in enumerate(bins):
        u = used()
        subprocess.run([b, "--execs", str(execs), corpus], stdout=subprocess.DEVNULL, check=True)
        rates[i].append(execs / max(used() - u, 1e-6))
print(" ".join(f"{statistics.median(r):.0f}" for r in rates))
PY
}

bench_limits_beside_targets() {
  local lim h12 h13 r12 r13 t pe
  echo
  echo "== the targets beside their limits: plain OpenSSL alone (bench/bench_limits.c, no ticketlab"
  echo "   code), 3 s each. hello: the server alone on one ClientHello with a valid ticket (it resumes);"
  echo "   resume: a whole in-memory resumption, client and server"
  lim=$("$BUILD/bin/bench_limits" 3)
  echo "$lim" | sed 's/^/  /'
  h12=$(echo "$lim" | sed -n 's/^limit TLS1.2 hello: \([0-9]*\) .*/\1/p')
  h13=$(echo "$lim" | sed -n 's/^limit TLS1.3 hello: \([0-9]*\) .*/\1/p')
  r12=$(echo "$lim" | sed -n 's/^limit TLS1.2 resume: \([0-9]*\) .*/\1/p')
  r13=$(echo "$lim" | sed -n 's/^limit TLS1.3 resume: \([0-9]*\) .*/\1/p')
  printf '%-22s %12s %22s %22s\n' target "execs/s" "/hello 1.2, 1.3" "/resume 1.2, 1.3"
  for t in fuzz_ticket_session fuzz_ticket_blob fuzz_decrypt_status fuzz_client_ticket; do
    pe=${PLAIN[$t]:-}
    [ -n "$pe" ] || continue
    printf '%-22s %12s %22s %22s\n' "$t" "$pe" \
      "$(awk -v p="$pe" -v a="$h12" -v b="$h13" 'BEGIN{printf "%.2f, %.2f", p/a, p/b}')" \
      "$(awk -v p="$pe" -v a="$r12" -v b="$r13" 'BEGIN{printf "%.2f, %.2f", p/a, p/b}')"
  done
}

bench_targets_before_after() {
  local base t r execs
  base=$(bench_base_dir)
  [ -n "$base" ] || return 0
  echo
  echo "== the fuzz targets before ($TICKETLAB_BENCH_BASE) and now, plain: inputs per CPU second, median"
  echo "   of 7 rounds, before and now in turn, each run about a second's worth of inputs"
  printf '%-22s %14s %14s %8s\n' target "before" "now" ratio
  for t in $(tl_fuzz_targets); do
    [ -x "$base/bin/bench_$t" ] || continue
    execs=${PLAIN[$t]:-1000}
    r=($(cpu_rates 7 "$execs" "corpus/$t" "$base/bin/bench_$t" "$BUILD/bin/bench_$t"))
    printf '%-22s %14s %14s %8s\n' "$t" "${r[0]}" "${r[1]}" "$(awk -v a="${r[1]}" -v b="${r[0]}" 'BEGIN{printf "%.2f", a/b}')"
  done
}

bench_startup() {
  local tl=$BUILD/bin/ticketlab row one m base
  row=$(grep -m1 -oE '^[a-z0-9][a-z0-9._-]* \|' conformance/expectations.tl | cut -d' ' -f1)
  one=$(ls corpus/fuzz_ticket_session/* | head -1)
  echo
  echo "== start-up of ticketlab itself: median wall of 21 runs, in turn (ms)"
  m=($(wall_medians 21 "$tl" --version -- "$tl" conformance --filter "$row" -- \
         "$BUILD/bin/fuzz_replay_fuzz_ticket_session" "$one"))
  printf '  %-58s %8.1f\n' "ticketlab --version" "$(awk -v s="${m[0]}" 'BEGIN{print s*1000}')"
  printf '  %-58s %8.1f\n' "ticketlab conformance, one row ($row)" "$(awk -v s="${m[1]}" 'BEGIN{print s*1000}')"
  printf '  %-58s %8.1f\n' "fuzz_ticket_session, its first input (replay, $(basename "$one"))" \
    "$(awk -v s="${m[2]}" 'BEGIN{print s*1000}')"
}

bench_conformance_jobs() {
  local tl=$BUILD/bin/ticketlab base n rows m
  base=$(bench_base_dir)
  n=$(nproc)
  rows=$("$tl" conformance --format json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["rows"]))')
  echo
  echo "== conformance: $rows rows, wall seconds (median of 7 runs, in turn; the reports are the same"
  echo "   whatever -j: pytest/test_conformance_jobs.py)"
  if [ -n "$base" ]; then
    m=($(wall_medians 7 "$tl" conformance -j 1 -- "$tl" conformance -j 2 -- "$tl" conformance -- \
           "$base/bin/ticketlab" conformance))
  else
    m=($(wall_medians 7 "$tl" conformance -j 1 -- "$tl" conformance -j 2 -- "$tl" conformance))
  fi
  local k=$(( ${#m[@]} / 2 ))
  printf '  %-36s %8s %10s %12s\n' "" "wall s" "rows/s" "CPU s"
  printf '  %-36s %8s %10.0f %12s\n' "-j 1 (one process)" "${m[0]}" "$(awk -v r="$rows" -v s="${m[0]}" 'BEGIN{print r/s}')" "${m[k]}"
  printf '  %-36s %8s %10.0f %12s   (wall %.2fx -j 1)\n' "-j 2" "${m[1]}" "$(awk -v r="$rows" -v s="${m[1]}" 'BEGIN{print r/s}')" \
    "${m[k+1]}" "$(awk -v a="${m[0]}" -v b="${m[1]}" 'BEGIN{print a/b}')"
  printf '  %-36s %8s %10.0f %12s\n' "default (-j $n, the processors)" "${m[2]}" "$(awk -v r="$rows" -v s="${m[2]}" 'BEGIN{print r/s}')" "${m[k+2]}"
  [ -n "$base" ] && printf '  %-36s %8s %10.0f %12s\n' "before ($TICKETLAB_BENCH_BASE)" "${m[3]}" \
    "$(awk -v r="$rows" -v s="${m[3]}" 'BEGIN{print r/s}')" "${m[k+3]}"
  return 0
}

# A table of N rows: the real rows (and their since lines) again and again, renamed.
bench_big_table() {
  /usr/bin/python3 - conformance/expectations.tl "$1" "$2" <<'PY'
import sys
src, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
blocks = []
for line in open(src):
    if not line.strip() or line.startswith("#"):
        continue
    if line[0].isspace():
        blocks[-1].append(line)
    else:
        blocks.append([line])
with open(out, "w") as f:
    for k in range(n):
        b = blocks[k % len(blocks)]
        name, rest = b[0].split("|", 1)
        f.write(f"{name.strip()}.r{k} |{rest}")
        f.writelines(b[1:])
PY
}

bench_table_parse() {
  local tl=$BUILD/bin/ticketlab base tmp n f row r b
  base=$(bench_base_dir)
  tmp=$(mktemp -d)
  echo
  echo "== the expectations table's parse: the real rows repeated under new names, one row run"
  echo "   (ticketlab conformance --expectations BIG --filter ROW -j 1; /usr/bin/time)"
  printf '  %8s %8s %10s %10s %12s' rows MB "wall s" "CPU s" "peak RSS MB"
  [ -n "$base" ] && printf ' %16s %16s %16s' "before: wall s" "before: CPU s" "before: RSS MB"
  echo
  for n in 16000 64000; do
    f=$tmp/t$n.tl
    bench_big_table "$n" "$f"
    row=$(head -1 "$f" | cut -d' ' -f1)
    r=($(/usr/bin/time -f '%e %U %S %M' "$tl" conformance --expectations "$f" --filter "$row" -j 1 2>&1 >/dev/null | tail -1))
    printf '  %8s %8.1f %10s %10.2f %12.0f' "$n" "$(awk -v b="$(stat -c %s "$f")" 'BEGIN{print b/1e6}')" \
      "${r[0]}" "$(awk -v u="${r[1]}" -v s="${r[2]}" 'BEGIN{print u+s}')" "$(awk -v k="${r[3]}" 'BEGIN{print k/1024}')"
    # The quadratic parse takes about a minute and 1.2 GB on 64k rows: before, 16k only.
    if [ -n "$base" ] && [ "$n" -le 16000 ]; then
      b=($(/usr/bin/time -f '%e %U %S %M' "$base/bin/ticketlab" conformance --expectations "$f" --filter "$row" 2>&1 >/dev/null | tail -1))
      printf ' %16s %16.2f %16.0f' "${b[0]}" "$(awk -v u="${b[1]}" -v s="${b[2]}" 'BEGIN{print u+s}')" "$(awk -v k="${b[3]}" 'BEGIN{print k/1024}')"
    fi
    echo
  done
  rm -rf "$tmp"
}

bench_conformance_sections() {
  bench_targets_before_after
  bench_startup
  bench_conformance_jobs
  bench_table_parse
}
