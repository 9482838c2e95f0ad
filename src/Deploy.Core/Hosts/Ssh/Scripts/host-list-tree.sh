#!/bin/sh
# host-list-tree.sh: every entry below a directory: relative path, then the fields of host-stat.sh, NUL-separated.
# $1 path: the root (a missing root lists nothing)
[ -d "$1" ] || exit 0
exec find -H "$1" -mindepth 1 -printf '%P\0%y\0%s\0%T@\0%m\0%l\0'
