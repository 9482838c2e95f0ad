#!/bin/sh
# ssh-frame.sh: reads one command frame from stdin; sent in front of ssh-agent-loop.sh and ssh-spare-channel.sh
# (AgentSession.WithFrame), which call deploy_frame after reading the frame's first line. No external programs but head.
# A frame: "MARKER JOB [LENGTH]", the command line (any number of lines), a line holding only MARKER. With LENGTH
# (the command line's bytes, its last newline included), head reads the command line in a few reads instead of the
# one read(2) per byte that the shell's read costs on a pipe (head -c never reads past it, so what follows stays
# unread); without head, or without LENGTH, the shell reads it line by line.
# deploy_frame MARKER [LENGTH]: sets c to the command line; fails when the input ends first or the command line does not
# end at a MARKER line (such a command must never run).
# shellcheck disable=SC2034 # c is the caller's
h=; command -v head >/dev/null 2>&1 && h=1
deploy_frame() {
  c=
  if [ -n "$2" ] && [ -n "$h" ]; then
    c=$(head -c "$2"; echo .); c=${c%.}
    IFS= read -r l || return 1; [ "$l" = "$1" ] || return 1
  else
    while IFS= read -r l || return 1; do [ "$l" = "$1" ] && break; c="$c$l
"; done
  fi
}
