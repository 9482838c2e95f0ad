#!/bin/sh
# pkg-switch-current.sh: points the "current" symlink at a release atomically: a new link beside it, renamed over it
# (rename(2) replaces the link; readers see the old release or the new one).
# $1 path: the current link, e.g. /opt/rdb/agent/current
# $2: the release folder name under releases/
ln -sfn -- "releases/$2" "$1.deploy-tmp" && mv -Tf -- "$1.deploy-tmp" "$1"
