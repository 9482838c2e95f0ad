#!/bin/sh
# ssh-agent-loop.sh: a pooled session's loop (see AgentSession); no external programs. No arguments.
# stdin, per command: "MARKER JOB", the command line (any number of lines), a line holding only MARKER.
# The command runs in a subshell with stdin from /dev/null and DEPLOY_SSH_JOB=JOB exported; then "MARKER exitcode"
# is printed on stdout and "MARKER" on stderr.
while read -r n j; do c=; while IFS= read -r l || exit 0; do [ "$l" = "$n" ] && break; c="$c$l
"; done; ( DEPLOY_SSH_JOB=$j; export DEPLOY_SSH_JOB; eval "$c" ) </dev/null; r=$?; printf '%s %d\n' "$n" "$r"; printf '%s\n' "$n" >&2; done
