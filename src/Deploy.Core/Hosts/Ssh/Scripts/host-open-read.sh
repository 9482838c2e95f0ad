#!/bin/sh
# host-open-read.sh: prints one byte 'K' then the file, so "not found" is told apart from an empty file.
# $1 path: the file
# Exit 3: it does not exist; 4: it is a directory; 5: it is not readable.
[ -e "$1" ] || exit 3
[ -d "$1" ] && { echo "'$1' is a directory" >&2; exit 4; }
[ -r "$1" ] || { echo "'$1' is not readable" >&2; exit 5; }
printf K
exec cat -- "$1"
