#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build script for ticketlab.
#
# The contract: $SRC holds the sources (ticketlab in $SRC/ticketlab, and
# optionally OpenSSL 3 in $SRC/openssl), $CC and $CFLAGS carry the
# sanitizer and coverage flags, $LIB_FUZZING_ENGINE the engine, and every
# fuzz target goes to $OUT with <target>_seed_corpus.zip, <target>.dict and
# <target>.options beside it.
#
# With $SRC/openssl present, OpenSSL is built with the same flags and linked
# statically: then the fuzzer sees inside tls_decrypt_ticket too.
set -euo pipefail
TL=${TICKETLAB_SRC:-$SRC/ticketlab}
WORKDIR=${WORK:-$(mktemp -d)}
mkdir -p "$OUT" "$WORKDIR"

cmake_args=()
if [ -d "$SRC/openssl" ]; then
  prefix="$WORKDIR/openssl-prefix"
  if [ ! -f "$prefix/lib64/libssl.a" ] && [ ! -f "$prefix/lib/libssl.a" ]; then
    (cd "$SRC/openssl" && ./config --prefix="$prefix" --libdir=lib no-shared no-tests \
        no-asm enable-fuzz-libfuzzer -DPEDANTIC $CFLAGS && make -j"$(nproc)" build_libs \
        && make install_dev)
  fi
  cmake_args+=(-DOPENSSL_ROOT_DIR="$prefix" -DOPENSSL_USE_STATIC_LIBS=TRUE)
fi

# The library and the fuzz helpers, with OSS-Fuzz's compiler and flags
# (afresh: a kept $WORK may hold a build of another checkout).
rm -rf "$WORKDIR/build"
cmake -S "$TL" -B "$WORKDIR/build" -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS" \
  -DCMAKE_BUILD_TYPE=None -DTICKETLAB_WERROR=OFF -DTICKETLAB_SANITIZE=OFF \
  -DTICKETLAB_FUZZ=OFF "${cmake_args[@]}"
cmake --build "$WORKDIR/build" -j"$(nproc)" --target tl_fuzz_common

# libssl before libcrypto: a static libssl needs libcrypto's symbols after it
# (the cache lists CRYPTO first, which fails to link with 77 undefined references).
ssl_lib=$(grep -E '^OPENSSL_SSL_LIBRARY:' "$WORKDIR/build/CMakeCache.txt" | cut -d= -f2)
crypto_lib=$(grep -E '^OPENSSL_CRYPTO_LIBRARY:' "$WORKDIR/build/CMakeCache.txt" | cut -d= -f2)
ssl_libs="$ssl_lib $crypto_lib"
for src in "$TL"/fuzz/fuzz_*.c; do
  t=$(basename "$src" .c)
  [ "$t" = fuzz_common ] && continue
  # -rdynamic: the harness clock's time() must be the one a shared libssl calls.
  $CC $CFLAGS -I"$TL/harness/include" -I"$TL/fuzz" "$src" \
    "$WORKDIR/build/lib/libtl_fuzz_common.a" "$WORKDIR/build/lib/libticketlab.a" \
    $LIB_FUZZING_ENGINE $ssl_libs -ldl -lpthread -rdynamic -o "$OUT/$t"
  if [ -d "$TL/corpus/$t" ]; then
    dirs=("$t"); [ -d "$TL/corpus/regressions/$t" ] && dirs+=("regressions/$t")
    (cd "$TL/corpus" && find "${dirs[@]}" -type f ! -name '*.txt' \
       | python3 -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1], "w")
for line in sys.stdin:
    p = line.strip(); z.write(p, p.replace("/", "_"))
z.close()' "$OUT/${t}_seed_corpus.zip")
  fi
  [ -f "$TL/fuzz/$t.dict" ] && cp "$TL/fuzz/$t.dict" "$OUT/$t.dict"
  {
    echo "[libfuzzer]"
    [ -f "$TL/fuzz/$t.dict" ] && echo "dict = $t.dict"
    echo "max_len = 16384"
    echo "timeout = 25"
    # No detect_leaks=0: OpenSSL's own known leaks are excused inside the
    # binaries (src/det/leaks.c), so every other leak is still reported.
  } > "$OUT/$t.options"
done
echo "ticketlab: built $(ls "$OUT"/fuzz_* | grep -cvE '\.(zip|dict|options)$') targets into $OUT"
