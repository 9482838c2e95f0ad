#!/bin/sh
# pkg-delta-assemble.sh: builds a new release from the installed one plus a delta, and checks it.
# $1 path: the installed release (the delta's base)
# $2 path: the new release's staging folder (copy: a leftover one is removed and it is made anew)
# $3: copy (the relative paths of the files the delta did not change, copied from $1 with their mode and folders)
#     or check (`sha256sum -c` lines of every file of the new release, checked in $2; the files that differ are
#     printed)
# $4: optional: the input itself, newline-separated (a small one travels as an argument: no channel of its own);
#     without it the input is read from stdin (copy: NUL-terminated paths)
set -eu
input() { if [ $# -lt 4 ]; then cat; elif [ -n "$4" ]; then printf '%s\n' "$4"; fi; }
case "$3" in
  copy)
    rm -rf -- "$2" && mkdir -p -- "$2"
    cd -- "$1"
    if [ $# -ge 4 ]; then
      [ -z "$4" ] || printf '%s\n' "$4" | xargs -d '\n' -r cp -p --parents -t "$2" --
    else
      xargs -0 -r cp -p --parents -t "$2" --
    fi ;;
  check) cd -- "$2" && input "$@" | sha256sum --quiet --strict -c - ;;
  *) echo "pkg-delta-assemble.sh: unknown mode '$3'" >&2; exit 2 ;;
esac
