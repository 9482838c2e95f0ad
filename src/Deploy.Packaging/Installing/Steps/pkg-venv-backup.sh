#!/bin/sh
# pkg-venv-backup.sh: copies a virtualenv beside itself before pip changes it (a failed install restores the copy).
# $1 path: the virtualenv
# $2 path: the backup copy (replaced)
rm -rf -- "$2" && cp -a -- "$1" "$2"
