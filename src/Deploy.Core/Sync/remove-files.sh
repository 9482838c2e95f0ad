#!/bin/sh
# remove-files.sh: removes files (not directories); absent ones are fine.
# $@ path: the files to remove
for p in "$@"; do rm -f -- "$p" || exit 1; done
