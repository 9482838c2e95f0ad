#!/bin/sh
# host-write-file.sh: writes stdin to a temp beside the destination, checks its size, then renames it over.
# A dropped connection ends stdin early, which is not success: the size check refuses a cut-off stream.
# $1 path: the destination
# $2 path: the temp path beside it
# $3 path: the parent directory (created)
# $4: the expected size in bytes
# $5: the octal mode, or empty (keep the existing file's mode, else 644)
# $6: the mtime as @seconds.nanoseconds, or empty
# Exit 4: short write.
[ -d "$3" ] || mkdir -p -- "$3" || exit 1
umask 077
trap 'rm -f -- "$2"' EXIT
trap 'exit 1' HUP INT TERM PIPE
cat > "$2" || exit 1
s=$(wc -c < "$2") || exit 1
[ "$s" -eq "$4" ] || { echo "short write: $s of $4 bytes arrived" >&2; exit 4; }
if [ -n "$5" ]; then m=$5; elif [ -f "$1" ]; then m=$(stat -c %a -- "$1") || exit 1; else m=644; fi
chmod "$m" -- "$2" || exit 1
[ -z "$6" ] || touch -m -d "$6" -- "$2" || exit 1
sync -- "$2" 2>/dev/null || sync
mv -fT -- "$2" "$1" || exit 1
trap - EXIT
