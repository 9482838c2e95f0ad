#!/bin/sh
# host-remove.sh: removes a file, a link, an empty directory, or (recursive) a tree. A missing entry is fine.
# $1 path: the entry
# $2: 1 for recursive
if [ "$2" = 1 ]; then exec rm -rf -- "$1"; fi
if [ -d "$1" ] && [ ! -L "$1" ]; then exec rmdir -- "$1"; fi
exec rm -f -- "$1"
