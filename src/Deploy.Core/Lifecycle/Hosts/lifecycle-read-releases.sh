#!/bin/sh
# lifecycle-read-releases.sh: prints every release record of a product in one round trip: for each <dir>/*.json a
# line of \001 and the file's name, then its content. A record is JSON, which escapes control characters, so \001
# never occurs inside one. A missing directory prints nothing.
# $1 path: the releases directory
[ -d "$1" ] || exit 0
for f in "$1"/*.json; do
  [ -f "$f" ] || continue
  printf '\001%s\n' "${f##*/}"
  cat -- "$f"
  echo
done
