#!/bin/sh
# host-stat.sh: one entry, not following a final symlink: type, size, mtime, mode, link target, NUL-separated.
# $1 path: the entry
# Exit 3: it does not exist.
[ -e "$1" ] || [ -L "$1" ] || exit 3
exec find "$1" -maxdepth 0 -printf '%y\0%s\0%T@\0%m\0%l\0'
