#!/bin/sh
# payload-copy-placed.sh: fills a kept release payload from files the sequence engine already placed on this host,
# so an upgrade sends a changed file once (for the service) and not a second time (for its kept copy). Copies each
# placed file into the payload, sets the package file's mode, and checks the copy's SHA-256 against the package
# file's; prints the number (1-based) of every pair whose copy failed or differs (the caller uploads those files).
# Writes no marker: the caller writes .complete once the payload is whole.
# $@ path: pairs of (placed file, payload file)
# stdin: one line per pair: the package file's SHA-256 and its octal mode
i=0
while [ $# -ge 2 ]; do
  i=$((i + 1))
  IFS=' ' read -r sum mode || sum=none
  d=${2%/*}
  if { [ -d "$d" ] || mkdir -p -- "$d"; } && cp -- "$1" "$2" && chmod "$mode" -- "$2" && s=$(sha256sum -- "$2") && [ "${s%% *}" = "$sum" ]; then
    :
  else
    rm -f -- "$2"
    echo "$i"
  fi
  shift 2
done 2>/dev/null
exit 0
