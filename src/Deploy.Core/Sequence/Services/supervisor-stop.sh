#!/bin/sh
# supervisor-stop.sh: stops a runtime service: SIGTERM to its process group, SIGKILL after $2 times 50 ms.
# The service counts as running while any process of its group does: the group's leader (the small sh that
# supervisor-start.sh made) may end on TERM while a child that ignores TERM, or a daemon the service forked, still runs.
# The waits for the exit start at 5 ms and double up to 50 ms (most processes are gone within a few milliseconds of
# SIGTERM; a first wait of 50 ms would cost every stop 50 ms).
# $1 path: the pid file (removed; a missing one means "not running")
# $2: how many 50 ms SIGTERM gets
alive() {
  case $1 in ''|*[!0-9]*) return 1 ;; esac
  IFS= read -r st 2>/dev/null < "/proc/$1/stat" || return 1
  st=${st##*) }; [ "${st%% *}" != Z ]
}
running() {
  alive "$1" && return 0
  case $1 in ''|*[!0-9]*) return 1 ;; esac
  # No process in the group at all (one syscall): the usual case once the leader is gone. Else the members are read
  # from /proc (slow with dash's bytewise read, so only then), where a leader that is a zombie does not count.
  kill -0 -"$1" 2>/dev/null || return 1
  [ -d /proc/self ] || return 0
  g=$1
  for f in /proc/[0-9]*/stat; do
    IFS= read -r st 2>/dev/null < "$f" || continue
    # shellcheck disable=SC2086 # split on purpose: the fields after the command name (state, ppid, pgrp, ...)
    set -- ${st##*) }
    [ "$3" = "$g" ] && [ "$1" != Z ] && return 0
  done
  return 1
}
[ -f "$1" ] || exit 0
pid=; IFS= read -r pid < "$1"
if running "$pid"; then
  kill -TERM -"$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  t=0; d=5; while running "$pid" && [ "$t" -lt "$(($2 * 50))" ]; do sleep "0.$(printf %03d "$d")"; t=$((t + d)); [ "$d" -ge 50 ] || d=$((d * 2)); [ "$d" -le 50 ] || d=50; done
  if running "$pid"; then kill -KILL -"$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null; fi
fi
rm -f -- "$1"
