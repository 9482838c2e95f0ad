#!/bin/sh
# host-upload.sh: receives an upload's tar stream, then places its files (see UploadStream and UploadLayout).
# stdin: a tar stream for -C / whose first entry is $1/list (the layout's manifest), then the files at their temp
# paths (on the destinations' file systems), then an empty $1/done entry: the commit mark. Nothing is placed unless
# the whole stream arrived; on failure the temps are removed. A script killed outright leaves them to the next
# upload into the same bookkeeping parent: the owner pid is in the name of the owner mark .deploy-own-ID.PID, made
# before the bookkeeping directory exists, so a starting upload is never mistaken for a dead one.
# $1: the bookkeeping directory (.../.deploy-up-ID), absolute
# $2: auto (perl places the files where it exists) or sh (mv)
# $3: the text of host-upload-unlist.pl
# $4: the text of host-upload-place.pl
# $5: how the client laid the stream out: empty (on what it knew), "a" (on a guess: $6 is the guess's anchor, a
#     directory that must be writable, confirmed before anything else is created or read; a missing anchor is made
#     first, with the missing directories above it, and those it made are removed again, bottom-up while empty, when
#     the upload fails), or "c"
#     (on this script's answer: $6 is the text of host-missing-levels.sh and $7 its parameters as one list of
#     shell-quoted words; the check runs first, and its answer is printed on stdout, then a line ".")
# $8: empty (stdin is one tar stream), or the text of host-upload-split.pl: stdin is that script's frames, two tar
#     streams extracted at once (the manifest comes in a frame of its own instead of the list entry)
# $9 (optional): a script this shell runs once every file is placed (AfterPlacement), $10...: its parameters
# Exit 2: the stream could not be extracted or was cut off; 3: placing failed; 4: the check failed; 5: the anchor is
# not a writable directory and could not be made one (nothing was read: the client lays the stream out again, on a
# check); 6: the stream is split but the host has no perl (nothing was read: the client sends one stream); the
# after-placement script's own failure exits with its status. Nothing but builtins runs before tar, but mkdir for a
# missing anchor. A script killed outright leaves the directories it made for an anchor behind, empty.
made=; an=
# Removes the directories made for the anchor ($an up to $made, the topmost), bottom-up, while they are empty.
unmake() {
  [ -n "$made" ] || return 0
  d=$an
  while [ -n "$d" ]; do
    if [ -e "$d" ]; then rmdir -- "$d" 2>/dev/null || return 0; fi
    [ "$d" != "$made" ] || return 0
    d=${d%/*}
  done
}
case $5 in
  a) an=$6
     if [ ! -e "$an" ] && [ ! -L "$an" ]; then
       made=$an
       while p=${made%/*}; [ -n "$p" ] && [ ! -e "$p" ] && [ ! -L "$p" ]; do made=$p; done
       mkdir -p -- "$an" 2>/dev/null
     fi
     [ -d "$an" ] && [ -w "$an" ] || { unmake; exit 5; } ;;
  c) ( c=$6; eval "set -- $7"; eval "$c" ) || exit 4; echo . ;;
esac
s=$8
[ -z "$s" ] || command -v perl >/dev/null 2>&1 || { unmake; echo "there is no perl to extract a split upload" >&2; exit 6; }
b=$1; m=$2; u=${b%/*}; x=$3
unlist() {
  [ -f "$1/list" ] || return 0
  if command -v perl >/dev/null 2>&1; then
    perl -e "$x" "$1/list"
  else
    xargs -0 -n 3 sh -c 'rm -rf -- "$1"' sh < "$1/list"
  fi
}
alive() {
  [ -n "$1" ] || return 1
  if [ -d /proc/self ]; then
    IFS= read -r st 2>/dev/null < "/proc/$1/stat" || return 1
    st=${st##*) }; [ "${st%% *}" != Z ]
  else
    kill -0 "$1" 2>/dev/null
  fi
}
for o in "$u"/.deploy-own-*; do
  [ -f "$o" ] || continue
  op=${o##*.}; i=${o##*/.deploy-own-}; i=${i%.*}
  alive "$op" && continue
  unlist "$u/.deploy-up-$i"; rm -rf -- "$u/.deploy-up-$i" "$o"
done
for o in "$u"/.deploy-up-*; do
  [ -d "$o" ] && [ "$o" != "$b" ] || continue
  for w in "$u/.deploy-own-${o##*/.deploy-up-}".*; do [ -f "$w" ] && continue 2; done
  op=; IFS= read -r op < "$o/pid" 2>/dev/null; alive "$op" && continue
  unlist "$o"; rm -rf -- "$o"
done
[ -d "$u" ] || mkdir -p -- "$u" || { unmake; exit 1; }
w=$u/.deploy-own-${b##*/.deploy-up-}.$$
: > "$w" || { unmake; exit 1; }
ok=
trap '[ -n "$ok" ] || { unlist "$b"; unmake; }; if [ -e "$b" ] || [ -e "$w" ]; then rm -rf -- "$b" "$w"; fi' EXIT
trap 'exit 1' HUP INT TERM PIPE
# GNU tar reads the pipe in records of 256 KiB instead of 10 KiB (its default): a tenth of the reads and wakeups,
# 10-15% off an upload of many small files over SSH. Through TAR_OPTIONS, which GNU tar reads and BusyBox's tar (no
# -b) and bsdtar ignore; it replaces any TAR_OPTIONS of the login, which could change the extraction relied on here.
if [ -n "$s" ]; then
  TAR_OPTIONS=--blocking-factor=512 perl -e "$s" "$b" || exit 2
else
  TAR_OPTIONS=--blocking-factor=512 tar -x -p --no-same-owner -f - -C / || exit 2
fi
[ -f "$b/done" ] || { echo "the upload stream was cut off before its end" >&2; exit 2; }
if [ "$m" != sh ] && command -v perl >/dev/null 2>&1; then
  perl -e "$4" "$b/list" "$b" "$w" || exit 3
else
  xargs -0 -n 3 sh -c '
    if [ "$3" != D ]; then mv -fT -- "$1" "$2" || exit 255; exit 0; fi
    mv -T -- "$1" "$2" 2>/dev/null && exit 0
    [ -d "$2" ] && [ ! -L "$2" ] || { echo "cannot place $2: it is not a directory" >&2; exit 255; }
    find "$1" ! -type d -exec sh -c '"'"'s=$1; t=$2; shift 2; for f; do p=$t${f#"$s"}; mkdir -p -- "${p%/*}" && mv -fT -- "$f" "$p" || exit 1; done'"'"' sh "$1" "$2" {} + || exit 255
    rm -rf -- "$1"' sh < "$b/list" || exit 3
fi
ok=1
[ $# -ge 9 ] || exit 0
a=$9; shift 9
after() { eval "$a"; }
after "$@"
