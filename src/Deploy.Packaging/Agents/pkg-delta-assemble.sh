#!/bin/sh
# pkg-delta-assemble.sh: builds a new release from the installed one plus a delta, and checks it.
# $1 path: the installed release (the delta's base)
# $2 path: the new release's staging folder (it exists)
# $3: copy (stdin: NUL-terminated relative paths of the files the delta did not change, copied from $1 with their
#     mode and folders) or check (stdin: `sha256sum -c` lines of every file of the new release, checked in $2;
#     the files that differ are printed)
set -eu
case "$3" in
  copy) cd -- "$1" && xargs -0 -r cp -p --parents -t "$2" -- ;;
  check) cd -- "$2" && sha256sum --quiet --strict -c - ;;
  *) echo "pkg-delta-assemble.sh: unknown mode '$3'" >&2; exit 2 ;;
esac
