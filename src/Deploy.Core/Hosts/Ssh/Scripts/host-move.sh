#!/bin/sh
# host-move.sh: renames an entry (mv -T: a directory destination is replaced, never entered).
# $1 path: the source
# $2 path: the destination
# $3: 1 to replace an existing destination
# Exit 3: the source does not exist; 5: the destination exists.
[ -e "$1" ] || [ -L "$1" ] || exit 3
if [ "$3" != 1 ] && { [ -e "$2" ] || [ -L "$2" ]; }; then echo "'$2' already exists" >&2; exit 5; fi
exec mv -fT -- "$1" "$2"
