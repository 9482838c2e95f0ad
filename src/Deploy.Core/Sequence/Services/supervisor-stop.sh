#!/bin/sh
# supervisor-stop.sh: stops a runtime service: SIGTERM to its process group, SIGKILL after $2 times 50 ms.
# The waits for the exit start at 5 ms and double up to 50 ms (most processes are gone within a few milliseconds of
# SIGTERM; a first wait of 50 ms would cost every stop 50 ms).
# $1 path: the pid file (removed; a missing one means "not running")
# $2: how many 50 ms SIGTERM gets
alive() {
  case $1 in ''|*[!0-9]*) return 1 ;; esac
  IFS= read -r st 2>/dev/null < "/proc/$1/stat" || return 1
  st=${st##*) }; [ "${st%% *}" != Z ]
}
[ -f "$1" ] || exit 0
pid=; IFS= read -r pid < "$1"
if alive "$pid"; then
  kill -TERM -"$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  t=0; d=5; while alive "$pid" && [ "$t" -lt "$(($2 * 50))" ]; do sleep "0.$(printf %03d "$d")"; t=$((t + d)); [ "$d" -ge 50 ] || d=$((d * 2)); [ "$d" -le 50 ] || d=50; done
  if alive "$pid"; then kill -KILL -"$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null; fi
fi
rm -f -- "$1"
