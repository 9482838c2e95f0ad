#!/bin/sh
# supervisor-status.sh: whether a runtime service runs; if not, its exit code and the tail of its log.
# $1 path: the pid file
# $2 path: the log file
# $3: how many log lines to print
# Prints "running", or "exited CODE" (CODE empty when unknown) followed by the last $3 lines of the log.
alive() {
  case $1 in ''|*[!0-9]*) return 1 ;; esac
  IFS= read -r st 2>/dev/null < "/proc/$1/stat" || return 1
  st=${st##*) }; [ "${st%% *}" != Z ]
}
p=; IFS= read -r p < "$1" 2>/dev/null
if alive "$p"; then echo running; exit 0; fi
code=; IFS= read -r code < "$1.exit" 2>/dev/null
echo "exited $code"
[ -f "$2" ] && tail -n "$3" -- "$2"
exit 0
