#!/bin/sh
# host-set-owner.sh: chown, not following a final symlink.
# $1 path: the entry
# $2: owner[:group]
# Exit 3: it does not exist.
[ -e "$1" ] || [ -L "$1" ] || exit 3
exec chown -h -- "$2" "$1"
