#!/bin/sh
# lock-release.sh: releases a lock only if it still holds the caller's record; renews its heartbeat with "touch".
# $1 path: the lock
# $2: the caller's holder record
# $3: "release" or "touch"
# Exits 0 when done, 3 when the lock is not (any more) the caller's.
[ "$(readlink -- "$1" 2>/dev/null)" = "$2" ] || exit 3
if [ "$3" = touch ]; then
  touch -h -- "$1"
else
  rm -f -- "$1"
fi
