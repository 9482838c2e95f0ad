#!/bin/sh
# ssh-spare-channel.sh: a channel waiting for one command (see SpareChannel); no external programs but head, for a
# long command line. No arguments.
# stdin: "MARKER JOB [LENGTH]", the command line (any number of lines), a line holding only MARKER; then the
# command's input. With LENGTH (the command line's bytes, its last newline included), head reads the command line
# in a few reads instead of the one read(2) per byte that the shell's read costs on a pipe (head -c never reads
# past it, so the command's input stays unread); without head, or without LENGTH, the shell reads it line by line.
# A command whose end is not its MARKER line is never run. Prints MARKER on stdout and stderr, exports
# DEPLOY_SSH_JOB=JOB and evaluates the command line.
h=; command -v head >/dev/null 2>&1 && h=1
read -r n j z || exit 0; c=
if [ -n "$z" ] && [ -n "$h" ]; then
  c=$(head -c "$z"; echo .); c=${c%.}
  IFS= read -r l || exit 0; [ "$l" = "$n" ] || exit 0
else
  while IFS= read -r l || exit 0; do [ "$l" = "$n" ] && break; c="$c$l
"; done
fi
printf '%s\n' "$n"; printf '%s\n' "$n" >&2; DEPLOY_SSH_JOB=$j; export DEPLOY_SSH_JOB; eval "$c"
