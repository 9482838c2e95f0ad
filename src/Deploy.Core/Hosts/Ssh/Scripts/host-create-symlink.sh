#!/bin/sh
# host-create-symlink.sh: creates or atomically replaces a symbolic link (a temp link renamed over).
# $1 path: the link
# $2: the link's target, stored as given
# $3 path: the parent directory (created)
# $4 path: the temp path beside the link
mkdir -p -- "$3" || exit 1
ln -sfn -- "$2" "$4" || exit 1
mv -fT -- "$4" "$1" || { rm -f -- "$4"; exit 1; }
