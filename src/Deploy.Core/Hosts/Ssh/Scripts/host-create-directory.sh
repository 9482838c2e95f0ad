#!/bin/sh
# host-create-directory.sh: mkdir -p, then the mode if one is given.
# $1 path: the directory
# $2: the octal mode, or empty
mkdir -p -- "$1" || exit 1
[ -z "$2" ] || chmod "$2" -- "$1"
