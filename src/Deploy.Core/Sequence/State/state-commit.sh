#!/bin/sh
# state-commit.sh: makes the staged state the recorded state, deletes the journal, and (when $5 is given) releases
# the lock in the same round trip, only if it still holds the caller's record.
# $1 path: the staged state (state.next.json)
# $2 path: the state (state.json)
# $3 path: the journal
# $4 path: the lock
# $5: the caller's lock record, or empty to keep the lock
mv -f -- "$1" "$2" && rm -f -- "$3" || exit 1
[ -z "$5" ] || { [ "$(readlink -- "$4" 2>/dev/null)" != "$5" ] || rm -f -- "$4"; }
