#!/usr/bin/env bash
# ci/run.sh - the main job: build, show the world working, and run the
# conformance suite once, with its four reports (when it is built in).
# Reports land in ${TICKETLAB_REPORTS:-reports}/. Installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. ci/lib.sh
ensure_packages "${TL_BUILD_PACKAGES[@]}"

BUILD=${TICKETLAB_BUILD:-$PWD/build-release}
REPORTS=${TICKETLAB_REPORTS:-$PWD/reports}
build_ticketlab "$BUILD" -DCMAKE_BUILD_TYPE=Release
tl="$BUILD/bin/ticketlab"
mkdir -p "$REPORTS"

echo "== the world: TLS 1.2 and 1.3, full handshake then one resumption"
"$tl" handshake --tls 1.2 --resume 1
"$tl" handshake --tls 1.3 --resume 1

if "$tl" --help | grep -q '^  conformance'; then
  echo "== conformance"
  status=0
  # One run, four reports: conformance.txt, .json, .xml (JUnit) and .svg.
  "$tl" conformance --format table,json,junit,svg -o "$REPORTS/conformance" || status=$?
  cat "$REPORTS/conformance.txt"
  echo "reports: $REPORTS/conformance.{txt,json,xml,svg}"
  exit $status
fi
