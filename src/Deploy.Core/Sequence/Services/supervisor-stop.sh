#!/bin/sh
# supervisor-stop.sh: stops a runtime service: SIGTERM to its process group, SIGKILL after $2 waits of 50 ms.
# $1 path: the pid file (removed; a missing one means "not running")
# $2: how many 50 ms waits SIGTERM gets
alive() {
  case $1 in ''|*[!0-9]*) return 1 ;; esac
  IFS= read -r st < "/proc/$1/stat" 2>/dev/null || return 1
  st=${st##*) }; [ "${st%% *}" != Z ]
}
[ -f "$1" ] || exit 0
pid=; IFS= read -r pid < "$1"
if alive "$pid"; then
  kill -TERM -"$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  i=0; while alive "$pid" && [ "$i" -lt "$2" ]; do sleep 0.05; i=$((i+1)); done
  if alive "$pid"; then kill -KILL -"$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null; fi
fi
rm -f -- "$1"
