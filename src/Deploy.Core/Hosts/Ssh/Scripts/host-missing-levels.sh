#!/bin/sh
# host-missing-levels.sh: which directories are missing, each tested at most once (see MissingDirectories).
# $1: a prefix (ends with '/', or empty)
# $2...: directories under it, without the prefix, parents before their children (pre-order)
# Prints how many trailing components of the prefix are missing; when none, then the index of every directory found
# missing whose parent was not (a directory under a missing one is missing too, and is not tested).
r=$1; shift
n=0; p=${r%/}
while [ -n "$p" ] && [ ! -d "$p" ]; do p=${p%/*}; n=$((n+1)); done
echo $n
[ $n -eq 0 ] || exit 0
i=0; m=
for d; do
  case $d in
    "$m"/*) [ -n "$m" ] || { [ -d "$r$d" ] || { m=$d; echo $i; }; } ;;
    *) [ -d "$r$d" ] || { m=$d; echo $i; } ;;
  esac
  i=$((i+1))
done
