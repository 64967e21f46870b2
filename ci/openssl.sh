# ci/openssl.sh - build an OpenSSL release once and cache its install prefix
# outside the clone (sourced by the ci/ scripts, or run directly).
#
#   bash ci/openssl.sh SPEC [plain|fuzz]     prints the install prefix
#
# SPEC is one of:
#   system               the system OpenSSL (prints nothing: use the default)
#   3.5.7                the release tarball openssl-3.5.7.tar.{xz,gz} in
#                        $TICKETLAB_OPENSSL_SOURCES, else in ../shared/openssl/
#   path/to/x.tar.{xz,gz} a release tarball of your own
#   path/to/srcdir       an OpenSSL source tree (with a Configure script)
#   path/to/prefix       an installed OpenSSL (include/openssl/ssl.h): used as is
#   BASE+FILE.diff       a version, tarball or source tree with a patch applied (patch -p1)
#   BASE+revert:FILE.diff  ... with an upstream change reverted (patch -R -p1);
#                        several patches chain: 3.0.14+a.diff+b.diff
#
# Flavours:
#   plain  shared and static libraries, -O2: what a distribution ships.
#   fuzz   static only, built by clang with ASan+UBSan and -fsanitize=fuzzer-no-link,
#          as OSS-Fuzz builds it: the fuzzers then see inside libssl's ticket code.
#          Arithmetic, symmetric primitives and the provider machinery get no
#          coverage counters (ci/fuzz-coverage-ignorelist.txt; still ASan+UBSan).
#
# The prefix is ${TICKETLAB_CACHE:-~/.cache/ticketlab}/openssl-<name>-<flavour>
# (a patched build's name carries the patches' names and a hash of their bytes;
# a fuzz build's, a hash of its compiler flags and the coverage ignore-list).
# A prefix is used only once its build finished (a stamp file says so), and a
# lock keeps two jobs from building the same one at the same time.

TL_CI_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

tl_openssl_cache_dir() {
  echo "${TICKETLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ticketlab}"
}

# tl_openssl_shared_dir - where the release tarballs live:
# $TICKETLAB_OPENSSL_SOURCES when set, else ../shared/openssl beside the clone.
tl_openssl_shared_dir() {
  if [ -n "${TICKETLAB_OPENSSL_SOURCES:-}" ]; then echo "$TICKETLAB_OPENSSL_SOURCES"; return 0; fi
  local here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  realpath -m "$here/../shared/openssl"
}

# tl_openssl_release_tarball VERSION - the tarball of a release in the
# shared directory (.tar.xz or .tar.gz), or one line saying where upstream
# publishes it (on stderr; returns 2).
tl_openssl_release_tarball() {
  local v=$1 dir t
  dir=$(tl_openssl_shared_dir)
  for t in "$dir/openssl-$v.tar.xz" "$dir/openssl-$v.tar.gz"; do
    [ -f "$t" ] && { echo "$t"; return 0; }
  done
  local url=https://github.com/openssl/openssl/releases/download/openssl-$v/openssl-$v.tar.gz
  echo "ci/openssl.sh: no tarball for OpenSSL $v in $dir: upstream publishes $url with $url.sha256 to check it against (sha256sum); put it in $dir or set TICKETLAB_OPENSSL_SOURCES" >&2
  return 2
}

# tl_openssl_spec_name SPEC - the short name of a spec, as the cache, the
# matrix table and the report files use it: "3.0.22", "3.0.14+psk-empty-identity",
# "3.5.7-ticket-after-suite-mismatch" (a patch applied, a change reverted).
tl_openssl_spec_name() {
  local spec=$1 base name part p
  local -a parts
  base=${spec%%+*}
  name=$base
  case "$base" in */*|*.tar.*) name=$(basename "$base") ;; *) [ -e "$base" ] && name=$(basename "$base") ;; esac
  name=${name#openssl-}; name=${name%.tar.*}
  if [ "$base" != "$spec" ]; then
    local rest=${spec#*+}
    IFS=+ read -r -a parts <<<"$rest"
    for part in "${parts[@]}"; do
      p=${part#revert:}; p=$(basename "$p"); p=${p%.diff}; p=${p%.patch}
      # A patch file may be named after the release it applies to.
      p=${p#"$name"-}
      if [ "$part" != "${part#revert:}" ]; then name="$name-$p"; else name="$name+$p"; fi
    done
  fi
  echo "$name"
}

# tl_openssl_patch_list SPEC - one line per patch of SPEC: "apply FILE" or
# "revert FILE", with FILE made absolute; fails with one line when a file is
# missing.
tl_openssl_patch_list() {
  local spec=$1 part f mode
  local -a parts
  [ "${spec%%+*}" = "$spec" ] && return 0
  IFS=+ read -r -a parts <<<"${spec#*+}"
  for part in "${parts[@]}"; do
    mode=apply; f=$part
    [ "$part" != "${part#revert:}" ] && { mode=revert; f=${part#revert:}; }
    [ -f "$f" ] || { echo "ci/openssl.sh: no patch file '$f' in spec '$spec' (SPEC+FILE.diff applies it, SPEC+revert:FILE.diff reverts it)" >&2; return 2; }
    echo "$mode $(cd "$(dirname "$f")" && pwd)/$(basename "$f")"
  done
}

# tl_openssl_prefix SPEC FLAVOUR - build when needed; print the prefix.
# SPEC may carry patches: BASE+FILE.diff applies FILE (patch -p1),
# BASE+revert:FILE.diff reverts it (patch -R -p1: FILE is the upstream
# change as it stands in BASE). Progress goes to stderr and to a build log
# in the cache; fails with a one-line message naming the spec and the log.
tl_openssl_prefix() {
  local spec=$1 flavour=${2:-plain} src="" name tarball="" base patches=""
  case "$flavour" in plain|fuzz) ;; *) echo "ci/openssl.sh: unknown flavour '$flavour' (plain or fuzz)" >&2; return 2 ;; esac
  base=${spec%%+*}
  if [ "$base" != "$spec" ]; then
    patches=$(tl_openssl_patch_list "$spec") || return 2
    case "$base" in system) echo "ci/openssl.sh: the system OpenSSL cannot be patched: name a release, a tarball or a source tree ('$spec')" >&2; return 2 ;; esac
    [ -f "$base/include/openssl/ssl.h" ] && { echo "ci/openssl.sh: '$base' is an installed OpenSSL and cannot be patched: name its release, tarball or source tree" >&2; return 2; }
  fi
  if [ "$base" = system ]; then return 0; fi
  if [ -f "$base/include/openssl/ssl.h" ]; then (cd "$base" && pwd); return 0; fi
  if [ -d "$base" ] && [ -f "$base/Configure" ]; then
    src=$(cd "$base" && pwd)
  elif [ -f "$base" ]; then
    tarball=$(cd "$(dirname "$base")" && pwd)/$(basename "$base")
  elif [[ "$base" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    tarball=$(tl_openssl_release_tarball "$base") || return 2
  else
    echo "ci/openssl.sh: '$base' is not a version, a tarball, a source tree or an installed prefix" >&2
    return 2
  fi
  name=$(tl_openssl_spec_name "$spec")
  if [ -n "$patches" ]; then
    # The patches' bytes are part of the name: an edited patch is a new build.
    local sum
    sum=$(while read -r mode f; do echo "$mode"; cat "$f"; done <<<"$patches" | sha256sum | cut -c1-8)
    name="$name.$sum"
  fi
  local cache prefix log fuzz_cflags="" suffix=""
  if [ "$flavour" = fuzz ]; then
    local list=$TL_CI_DIR/fuzz-coverage-ignorelist.txt
    fuzz_cflags="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fsanitize=fuzzer-no-link"
    # The flags and the ignore-list's bytes are part of the name, as a patch's are.
    suffix=".$( (echo "$fuzz_cflags"; cat "$list") | sha256sum | cut -c1-8)"
    fuzz_cflags="$fuzz_cflags -fsanitize-coverage-ignorelist=$list"
  fi
  cache=$(tl_openssl_cache_dir); mkdir -p "$cache"
  prefix="$cache/openssl-$name-$flavour$suffix"; log="$prefix.log"
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
    : >"$log"
    if [ -n "$patches" ]; then
      while read -r mode f; do
        local r=""; [ "$mode" = revert ] && r=-R
        (cd "$work" && patch -p1 --batch --forward $r <"$f") >>"$log" 2>&1 \
          || { echo "ci/openssl.sh: $f does not $mode cleanly on $base; see $log" >&2; exit 1; }
      done <<<"$patches"
    fi
    local args=(--prefix="$prefix" --libdir=lib no-tests)
    # no-docs exists from 3.2 on; 3.0 has no such switch.
    grep -q '"docs",' "$work/Configure" && args+=(no-docs)
    local cc=${CC:-cc} cflags=""
    if [ "$flavour" = fuzz ]; then
      cc=clang
      cflags=$fuzz_cflags
      args+=(no-shared no-module)
    fi
    {
      cd "$work" &&
      CC=$cc CFLAGS="${cflags:--O2 -g}" ./Configure "${args[@]}" &&
      make -j"$(nproc)" build_libs &&
      make install_dev
    } >>"$log" 2>&1 || { echo "ci/openssl.sh: building OpenSSL $name ($flavour) failed; see $log" >&2; exit 1; }
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
