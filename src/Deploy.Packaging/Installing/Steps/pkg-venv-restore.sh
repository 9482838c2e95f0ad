#!/bin/sh
# pkg-venv-restore.sh: puts a virtualenv's backup copy back, when there is one (idempotent).
# $1 path: the virtualenv
# $2 path: the backup copy
if [ -d "$2" ]; then rm -rf -- "$1" && mv -- "$2" "$1"; fi
