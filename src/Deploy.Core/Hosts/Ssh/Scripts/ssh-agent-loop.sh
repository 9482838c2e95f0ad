#!/bin/sh
# ssh-agent-loop.sh: a pooled session's loop (see AgentSession); no external programs but head. No arguments.
# stdin, per command: "MARKER JOB [LENGTH]", the command line (any number of lines), a line holding only MARKER.
# With LENGTH (the command line's bytes, its last newline included), head reads the command line in a few reads
# instead of the one read(2) per byte that the shell's read costs on a pipe; without head, or without LENGTH, the
# shell reads it line by line. A command whose end is not its MARKER line is never run: the loop exits.
# The command runs in a subshell with stdin from /dev/null and DEPLOY_SSH_JOB=JOB exported; then "MARKER exitcode"
# is printed on stdout and "MARKER" on stderr.
h=; command -v head >/dev/null 2>&1 && h=1
while read -r n j z; do
  c=
  if [ -n "$z" ] && [ -n "$h" ]; then
    c=$(head -c "$z"; echo .); c=${c%.}
    IFS= read -r l || exit 0; [ "$l" = "$n" ] || exit 0
  else
    while IFS= read -r l || exit 0; do [ "$l" = "$n" ] && break; c="$c$l
"; done
  fi
  ( DEPLOY_SSH_JOB=$j; export DEPLOY_SSH_JOB; eval "$c" ) </dev/null; r=$?; printf '%s %d\n' "$n" "$r"; printf '%s\n' "$n" >&2
done
