#!/bin/sh
# lock-acquire.sh: takes a lock with one symlink(2) (ln -s fails when the lock exists, so two takers never both win).
# $1 path: the lock (a symlink whose target text is the holder record)
# $2: the new holder record
# $3: when not empty, the holder record to take over (only if the lock still holds exactly that record)
# $4 path: optional: a directory whose entries to list once the lock is taken (host-list-tree.sh's fields, one level),
#   so a caller reads what it guards under the lock in the same round trip
# Exits 0 when taken (printing the listing of $4, if given). Exits 3 and prints "<age seconds>\n<record>" when
# another holds it.
d=${1%/*}
[ -d "$d" ] || mkdir -p -- "$d" || exit 1
t=
if [ -n "$3" ]; then
  # One takeover at a time: without the guard, two takers of the same stale lock could each remove the other's.
  g="$1.takeover"
  if ! mkdir -- "$g" 2>/dev/null; then
    find "$g" -maxdepth 0 -mmin +1 -exec rmdir -- {} \; 2>/dev/null
    mkdir -- "$g" 2>/dev/null || exit 4
  fi
  [ "$(readlink -- "$1")" = "$3" ] && rm -f -- "$1"
  ln -s -- "$2" "$1" 2>/dev/null
  r=$?
  rmdir -- "$g"
  [ $r -eq 0 ] && taken=1
else
  # Held: the holder's record is read; a lock released between the failed ln and that read is tried again (a few
  # times), so a taker racing a release sees either the lock or its holder, never an error.
  n=0
  until ln -s -- "$2" "$1" 2>/dev/null; do
    t=$(readlink -- "$1") && break
    n=$((n + 1))
    [ "$n" -lt 5 ] || exit 1
  done
  [ -n "$t" ] || taken=1
fi
if [ -n "${taken:-}" ]; then
  [ -n "${4:-}" ] || exit 0
  exec find -H "$4" -mindepth 1 -maxdepth 1 -printf '%P\0%y\0%s\0%T@\0%m\0%l\0'
fi
[ -n "$t" ] || t=$(readlink -- "$1") || exit 1
# A lock released since it was read shows age 0: a live holder (refused), not a stale one.
m=$(stat -c %Y -- "$1" 2>/dev/null) || m=$(date +%s)
printf '%s\n%s\n' "$(( $(date +%s) - m ))" "$t"
exit 3
