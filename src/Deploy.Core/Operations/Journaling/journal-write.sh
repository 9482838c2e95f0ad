#!/bin/sh
# journal-write.sh: writes a small journal atomically: a temp file beside it, fsync, rename over it.
# $1 path: the journal
# $2: its content
d=${1%/*}
[ -d "$d" ] || mkdir -p -- "$d" || exit 1
printf '%s' "$2" > "$1.tmp" || exit 1
sync -- "$1.tmp" 2>/dev/null || sync
mv -f -- "$1.tmp" "$1"
