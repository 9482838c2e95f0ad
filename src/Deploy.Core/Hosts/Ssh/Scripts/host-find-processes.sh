#!/bin/sh
# host-find-processes.sh: prints "pid NUL comm NUL cmdline NUL" per live (non-zombie) process that matches.
# The caller filters command lines exactly.
# $1: name, cmd or pidfile
# $2: the process name / a space-free piece of the command line / the pid file's path
e() {
  d=/proc/$1
  IFS= read -r c < "$d/comm" 2>/dev/null || return 0
  IFS= read -r st < "$d/stat" 2>/dev/null || return 0
  st=${st##*) }
  [ "${st%% *}" = Z ] && return 0
  printf '%s\0%s\0' "$1" "$c"
  tr '\0' ' ' < "$d/cmdline" 2>/dev/null
  printf '\0'
}
case $1 in
  name)
    for d in /proc/[0-9]*; do
      p=${d#/proc/}; [ "$p" = "$$" ] && continue
      IFS= read -r c < "$d/comm" 2>/dev/null || continue
      [ "$c" = "$2" ] && e "$p"
    done ;;
  cmd)
    for f in $(grep -lsaF -e "$2" /proc/[0-9]*/cmdline 2>/dev/null); do
      p=${f#/proc/}; p=${p%/cmdline}; [ "$p" = "$$" ] || e "$p"
    done ;;
  pidfile)
    IFS= read -r p < "$2" 2>/dev/null || exit 0
    case $p in ''|*[!0-9]*) exit 0 ;; esac
    e "$p" ;;
esac
exit 0
