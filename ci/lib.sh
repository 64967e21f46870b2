# ci/lib.sh - shared by the ci/ scripts (sourced, not run).

# ensure_packages PKG... - install the Debian packages that are missing.
ensure_packages() {
  tl_use_ccache
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "ci: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  tl_use_ccache
}

# tl_use_ccache - compile through ccache when it is installed: CMake (3.17+)
# takes the launcher from the environment, so every build uses it, the ones
# the tests make included. Its cache (~/.cache/ccache) is outside the clone:
# only a fresh machine compiles everything.
tl_use_ccache() {
  if [ -z "${CMAKE_C_COMPILER_LAUNCHER:-}" ] && command -v ccache >/dev/null 2>&1; then
    export CMAKE_C_COMPILER_LAUNCHER=ccache
  fi
}

# The packages every build needs.
TL_BUILD_PACKAGES=(cmake make gcc clang libssl-dev openssl python3-pytest ca-certificates ccache)
# What the tests need beyond the build: real servers (nginx, haproxy, gnutls-serv)
# to mint and probe tickets, curl as a client of `ticketlab serve`, and
# pkg-config for a plug-in built against an installed ticketlab, groff and
# man to render the manual pages (pytest/test_man.py), python3-cryptography
# for the hostile TLS 1.3 peer (pytest/tls13peer.py).
TL_TEST_PACKAGES=(nginx-light haproxy gnutls-bin curl pkg-config groff-base man-db python3-cryptography)

# build_ticketlab DIR [cmake args...] - configure and build into DIR.
build_ticketlab() {
  local dir=$1; shift
  cmake -S . -B "$dir" -DTICKETLAB_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
}

# tl_fuzz_targets - the fuzz target names, from fuzz/targets.txt (one place
# for CMake and the ci/ scripts).
tl_fuzz_targets() {
  grep -E '^[a-z_]+$' "$(dirname "${BASH_SOURCE[0]}")/../fuzz/targets.txt"
}
