#!/bin/sh
# host-missing-levels.sh: prints, one line per directory, how many of its trailing components do not exist
# (0: it exists as a directory). A shared prefix travels once: every byte of a command costs a read(2).
# $1: a prefix (ends with '/', or empty)
# $2...: the directories, each without that prefix
r=$1; shift
for d; do
  n=0; p=$r$d
  while [ -n "$p" ] && [ ! -d "$p" ]; do p=${p%/*}; n=$((n+1)); done
  echo $n
done
