# ci/openssl.sh - build an OpenSSL release once and cache its install prefix
# outside the clone (sourced by the ci/ scripts, or run directly).
#
#   bash ci/openssl.sh SPEC [plain|fuzz]     prints the install prefix
#
# SPEC is one of:
#   system               the system OpenSSL (prints nothing: use the default)
#   3.5.7                the release tarball ../shared/openssl/openssl-3.5.7.tar.xz
#   path/to/x.tar.{xz,gz} a release tarball of your own
#   path/to/srcdir       an OpenSSL source tree (with a Configure script)
#   path/to/prefix       an installed OpenSSL (include/openssl/ssl.h): used as is
#
# Flavours:
#   plain  shared and static libraries, -O2: what a distribution ships.
#   fuzz   static only, built by clang with ASan+UBSan and -fsanitize=fuzzer-no-link,
#          as OSS-Fuzz builds it: the fuzzers then see inside libssl's ticket code.
#
# The prefix is ${TICKETLAB_CACHE:-~/.cache/ticketlab}/openssl-<name>-<flavour>.
# A prefix is used only once its build finished (a stamp file says so), and a
# lock keeps two jobs from building the same one at the same time.

tl_openssl_cache_dir() {
  echo "${TICKETLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ticketlab}"
}

# tl_openssl_shared_dir - where the release tarballs for the tests live:
# $TICKETLAB_OPENSSL_SOURCES, else ../shared/openssl beside the clone, else
# /work/shared/openssl. Prints the first that exists (or the first choice).
tl_openssl_shared_dir() {
  local here d
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  for d in ${TICKETLAB_OPENSSL_SOURCES:+"$TICKETLAB_OPENSSL_SOURCES"} "$here/../shared/openssl" /work/shared/openssl; do
    if [ -d "$d" ]; then (cd "$d" && pwd); return 0; fi
  done
  echo "${TICKETLAB_OPENSSL_SOURCES:-$here/../shared/openssl}"
}

# tl_openssl_prefix SPEC FLAVOUR - build when needed; print the prefix.
# Progress goes to stderr and to a build log in the cache; fails with a
# one-line message naming the spec and the log.
tl_openssl_prefix() {
  local spec=$1 flavour=${2:-plain} src="" name tarball=""
  case "$flavour" in plain|fuzz) ;; *) echo "ci/openssl.sh: unknown flavour '$flavour' (plain or fuzz)" >&2; return 2 ;; esac
  if [ "$spec" = system ]; then return 0; fi
  if [ -f "$spec/include/openssl/ssl.h" ]; then (cd "$spec" && pwd); return 0; fi
  if [ -d "$spec" ] && [ -f "$spec/Configure" ]; then
    src=$(cd "$spec" && pwd); name=$(basename "$src")
  elif [ -f "$spec" ]; then
    tarball=$(cd "$(dirname "$spec")" && pwd)/$(basename "$spec")
    name=$(basename "$spec"); name=${name%.tar.*}
  elif [[ "$spec" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]]; then
    tarball="$(tl_openssl_shared_dir)/openssl-$spec.tar.xz"
    [ -f "$tarball" ] || { echo "ci/openssl.sh: no tarball for OpenSSL $spec at $tarball" >&2; return 2; }
    name="openssl-$spec"
  else
    echo "ci/openssl.sh: '$spec' is not a version, a tarball, a source tree or an installed prefix" >&2
    return 2
  fi
  name=${name#openssl-}
  local cache prefix log
  cache=$(tl_openssl_cache_dir); mkdir -p "$cache"
  prefix="$cache/openssl-$name-$flavour"; log="$prefix.log"
  (
    flock 9
    [ -f "$prefix/.ticketlab-built" ] && exit 0
    rm -rf "$prefix" "$prefix.src"
    echo "ci/openssl.sh: building OpenSSL $name ($flavour) into $prefix; log in $log" >&2
    local work="$prefix.src"
    mkdir -p "$work"
    if [ -n "$tarball" ]; then
      tar xf "$tarball" -C "$work" --strip-components=1 || { echo "ci/openssl.sh: cannot unpack $tarball" >&2; exit 1; }
    else
      cp -a "$src/." "$work/"
    fi
    local args=(--prefix="$prefix" --libdir=lib no-tests)
    # no-docs exists from 3.2 on; 3.0 has no such switch.
    grep -q '"docs",' "$work/Configure" && args+=(no-docs)
    local cc=${CC:-cc} cflags=""
    if [ "$flavour" = fuzz ]; then
      cc=clang
      cflags="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fsanitize=fuzzer-no-link"
      args+=(no-shared no-module)
    fi
    {
      cd "$work" &&
      CC=$cc CFLAGS="${cflags:--O2 -g}" ./Configure "${args[@]}" &&
      make -j"$(nproc)" build_libs &&
      make install_dev
    } >"$log" 2>&1 || { echo "ci/openssl.sh: building OpenSSL $name ($flavour) failed; see $log" >&2; exit 1; }
    touch "$prefix/.ticketlab-built"
    rm -rf "$work"
  ) 9>"$prefix.lock" || return 1
  echo "$prefix"
}

# tl_openssl_cmake_args PREFIX FLAVOUR - the cmake arguments that pick it.
tl_openssl_cmake_args() {
  local prefix=$1 flavour=${2:-plain}
  [ -n "$prefix" ] || return 0
  echo "-DOPENSSL_ROOT_DIR=$prefix"
  [ "$flavour" = fuzz ] && echo "-DOPENSSL_USE_STATIC_LIBS=TRUE"
  return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  [ $# -ge 1 ] || { echo "usage: ci/openssl.sh SPEC [plain|fuzz]" >&2; exit 2; }
  tl_openssl_prefix "$@"
fi
