#!/bin/sh
# make-page.sh - write the man page of one ticketlab command.
#
#   sh man/make-page.sh TICKETLAB COMMAND VERSION OUT
#
# The page is `TICKETLAB COMMAND --help` turned into troff by
# help-to-troff.awk, followed by man/ticketlab-COMMAND.1.tail (examples,
# environment, see also) when there is one. OUT is written whole or not at all.
set -eu
bin=$1 cmd=$2 version=$3 out=$4
here=$(dirname "$0")
tmp="$out.tmp.$$"
trap 'rm -f "$tmp" "$tmp.help"' EXIT
if ! "$bin" "$cmd" --help >"$tmp.help" 2>&1; then
  echo "make-page.sh: '$bin $cmd --help' failed" >&2
  exit 1
fi
awk -f "$here/help-to-troff.awk" -v page="ticketlab-$cmd" -v section=1 -v version="$version" \
  "$tmp.help" >"$tmp"
if [ -f "$here/ticketlab-$cmd.1.tail" ]; then
  cat "$here/ticketlab-$cmd.1.tail" >>"$tmp"
fi
mv "$tmp" "$out"
