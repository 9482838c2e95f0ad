#!/bin/sh
# supervisor-start.sh: starts a runtime service detached (setsid) unless its pid file names a live process.
# $1 path: the service script (written from $4 when it is missing)
# $2 path: the pid file
# $3 path: the log file (stdout and stderr, appended)
# $4: the service script's text
# $5 path: the working directory (optional)
# The service runs under a small sh that writes its exit code to "$2.exit" when it ends on its own (the pid file
# names that sh, the leader of the service's process group, which a stop signals as a whole).
# Exit 3: a file could not be written; 125: the working directory is missing.
alive() {
  case $1 in ''|*[!0-9]*) return 1 ;; esac
  IFS= read -r st 2>/dev/null < "/proc/$1/stat" || return 1
  st=${st##*) }; [ "${st%% *}" != Z ]
}
p=; IFS= read -r p < "$2" 2>/dev/null; alive "$p" && exit 0
if [ ! -f "$1" ]; then mkdir -p "${1%/*}" && printf '%s' "$4" > "$1" || exit 3; fi
mkdir -p "${2%/*}" || exit 3
[ -z "$5" ] || cd -- "$5" || exit 125
rm -f -- "$2.exit"
# shellcheck disable=SC2016 # expanded by the inner sh
setsid /bin/sh -c '/bin/sh "$1"; echo $? > "$2.tmp.exit" && mv -f "$2.tmp.exit" "$2.exit"' sh "$1" "$2" >>"$3" 2>&1 </dev/null &
echo $! > "$2.tmp" && mv -f "$2.tmp" "$2"
