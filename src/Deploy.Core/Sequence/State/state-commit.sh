#!/bin/sh
# state-commit.sh: makes the staged state the recorded state, deletes the journal, and (when $5 is given) releases
# the lock in the same round trip, only if it still holds the caller's record. Two programs run (mv, rm; readlink
# when releasing): every process start costs a fork+exec on a busy target.
# $1 path: the staged state (state.next.json)
# $2 path: the state (state.json)
# $3 path: the journal
# $4 path: the lock
# $5: the caller's lock record, or empty to keep the lock
mv -f -- "$1" "$2" || exit 1
if [ -n "$5" ] && [ "$(readlink -- "$4" 2>/dev/null)" = "$5" ]; then
  rm -f -- "$3" "$4"
else
  rm -f -- "$3"
fi
