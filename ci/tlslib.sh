# ci/tlslib.sh - build BoringSSL or AWS-LC once and cache its install prefix
# outside the clone (sourced by the ci/ scripts, or run directly). The sibling
# of ci/openssl.sh for the libraries of the OpenSSL family that are not OpenSSL.
#
#   bash ci/tlslib.sh SPEC [plain|fuzz]     prints the install prefix
#
# SPEC is one of:
#   boringssl            ../shared/tlslibs/boringssl-<commit>.tar.xz
#   aws-lc               ../shared/tlslibs/aws-lc-<commit>.tar.xz
#   path/to/x.tar.xz     a snapshot of your own (boringssl-* or aws-lc-*)
#   path/to/prefix       an installed library (include/openssl/ssl.h): used as is
#
# Flavours:
#   plain  static libssl.a and libcrypto.a, -O2 (Release): what a server links.
#   fuzz   static, clang, -DFUZZ=1: ASan + fuzzer-no-link + edge coverage as the
#          libraries' own fuzz builds have it, and a deterministic RAND_bytes
#          reset by RAND_reset_for_fuzzing(). AWS-LC's FUZZ=1 also turns on
#          "fuzzer mode" (tickets unencrypted, signatures unchecked) at build
#          time; -DNO_FUZZER_MODE=1 keeps it off so the ticket code under test
#          is the real one. BoringSSL's fuzzer mode is a run-time switch
#          (CRYPTO_set_fuzzer_mode), off unless called.
#
# Only the ssl and crypto targets are built (no bssl tool, no tests, no Go).
# The prefix is ${TICKETLAB_CACHE:-~/.cache/ticketlab}/<lib>-<commit>-<flavour>
# and holds include/, lib/libssl.a, lib/libcrypto.a and TICKETLAB_SOURCE (the
# library name and commit, which `ticketlab --version` prints). A prefix is
# used only once its build finished (stamp .ticketlab-built); a lock keeps two
# jobs from building the same one at once. Builds run under nice.

. "$(dirname "${BASH_SOURCE[0]}")/openssl.sh"

# tl_tlslib_shared_dir - where the snapshots live: $TICKETLAB_TLSLIB_SOURCES,
# else tlslibs/ beside the OpenSSL tarballs' folder (../shared/tlslibs).
tl_tlslib_shared_dir() {
  if [ -n "${TICKETLAB_TLSLIB_SOURCES:-}" ]; then
    echo "$TICKETLAB_TLSLIB_SOURCES"
  else
    echo "$(dirname "$(tl_openssl_shared_dir)")/tlslibs"
  fi
}

# tl_tlslib_is_spec SPEC - true when SPEC names BoringSSL or AWS-LC (by name or
# by a snapshot file), so ci/matrix.sh can send it here instead of ci/openssl.sh.
tl_tlslib_is_spec() {
  case "$(basename "$1")" in
    boringssl|aws-lc|boringssl-*.tar.*|aws-lc-*.tar.*) return 0 ;;
  esac
  return 1
}

# tl_tlslib_prefix SPEC FLAVOUR - build when needed; print the prefix.
# Progress goes to stderr and to a build log beside the prefix; fails with a
# one-line message naming the spec and the log.
tl_tlslib_prefix() {
  local spec=$1 flavour=${2:-plain} tarball="" name lib
  case "$flavour" in plain|fuzz) ;; *) echo "ci/tlslib.sh: unknown flavour '$flavour' (plain or fuzz)" >&2; return 2 ;; esac
  if [ -f "$spec/include/openssl/ssl.h" ]; then (cd "$spec" && pwd); return 0; fi
  case "$spec" in
    boringssl|aws-lc)
      for tarball in "$(tl_tlslib_shared_dir)/$spec"-*.tar.*; do break; done
      [ -f "$tarball" ] || { echo "ci/tlslib.sh: no $spec snapshot in $(tl_tlslib_shared_dir) (see its README.md)" >&2; return 2; } ;;
    *)
      [ -f "$spec" ] || { echo "ci/tlslib.sh: '$spec' is not boringssl, aws-lc, a snapshot tarball or an installed prefix" >&2; return 2; }
      tarball=$(cd "$(dirname "$spec")" && pwd)/$(basename "$spec") ;;
  esac
  name=$(basename "$tarball"); name=${name%.tar.*}
  case "$name" in
    boringssl-*) lib=BoringSSL ;;
    aws-lc-*) lib=AWS-LC ;;
    *) echo "ci/tlslib.sh: $tarball: the name must start with boringssl- or aws-lc-" >&2; return 2 ;;
  esac
  local cache prefix log
  cache=$(tl_openssl_cache_dir); mkdir -p "$cache"
  prefix="$cache/$name-$flavour"; log="$prefix.log"
  (
    flock 9
    [ -f "$prefix/.ticketlab-built" ] && exit 0
    rm -rf "$prefix" "$prefix.src" "$prefix.build"
    echo "ci/tlslib.sh: building $lib ${name##*-} ($flavour) into $prefix; log in $log" >&2
    local work="$prefix.src" bld="$prefix.build"
    mkdir -p "$work"
    tar xf "$tarball" -C "$work" --strip-components=1 || { echo "ci/tlslib.sh: cannot unpack $tarball" >&2; exit 1; }
    local args=(-DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DDISABLE_GO=ON -DBUILD_SHARED_LIBS=OFF
                -DCMAKE_POSITION_INDEPENDENT_CODE=ON)
    local cc=${CC:-cc} cxx=${CXX:-c++}
    if [ "$flavour" = fuzz ]; then
      cc=clang cxx=clang++
      args+=(-DFUZZ=1 -DNO_FUZZER_MODE=1 -DCMAKE_C_FLAGS=-g -DCMAKE_CXX_FLAGS=-g)
    fi
    {
      CC=$cc CXX=$cxx nice cmake -S "$work" -B "$bld" "${args[@]}" &&
      nice cmake --build "$bld" -j"${TICKETLAB_JOBS:-2}" --target ssl crypto &&
      mkdir -p "$prefix/lib" &&
      cp -a "$work/include" "$prefix/" &&
      cp "$(find "$bld" -name libssl.a | head -1)" "$(find "$bld" -name libcrypto.a | head -1)" "$prefix/lib/"
    } >"$log" 2>&1 || { echo "ci/tlslib.sh: building $lib ${name##*-} ($flavour) failed; see $log" >&2; exit 1; }
    echo "$lib ${name##*-}" >"$prefix/TICKETLAB_SOURCE"
    # The -DFUZZ=1 defines stay inside the library's build: tell ours
    # (cmake/tlslib.cmake) that RAND_reset_for_fuzzing() is there.
    [ "$flavour" = fuzz ] && touch "$prefix/TICKETLAB_FUZZ"
    touch "$prefix/.ticketlab-built"
    rm -rf "$work" "$bld"
  ) 9>"$prefix.lock" || return 1
  echo "$prefix"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  [ $# -ge 1 ] || { echo "usage: ci/tlslib.sh boringssl|aws-lc|SNAPSHOT|PREFIX [plain|fuzz]" >&2; exit 2; }
  tl_tlslib_prefix "$@"
fi
