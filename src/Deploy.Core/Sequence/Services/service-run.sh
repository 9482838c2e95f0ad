#!/bin/sh
# service-run.sh: runs a service script once, in its working directory.
# $1: the service script's text
# $2 path: the working directory (optional)
# Exit 125: the working directory is missing; otherwise the script's own exit code.
[ -z "$2" ] || cd -- "$2" || exit 125
exec /bin/sh -c "$1" sh
