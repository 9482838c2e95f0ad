#!/bin/sh
# host-set-mode.sh: chmod.
# $1 path: the entry
# $2: the octal mode
# Exit 3: it does not exist.
[ -e "$1" ] || [ -L "$1" ] || exit 3
exec chmod "$2" -- "$1"
