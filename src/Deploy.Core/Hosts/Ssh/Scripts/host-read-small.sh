#!/bin/sh
# host-read-small.sh: prints a small file base64-encoded on one line, through a pooled session (no channel of its
# own); of a larger file only its first $2+1 bytes, so the caller sees it is larger and streams it instead.
# $1 path: the file
# $2: the size limit in bytes
# Exit 3: it does not exist; 6: it is not a readable regular file (the caller streams it for the exact error).
[ -e "$1" ] || exit 3
[ -f "$1" ] && [ -r "$1" ] || exit 6
head -c "$(($2 + 1))" -- "$1" | base64 -w 0
