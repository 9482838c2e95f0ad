#!/bin/sh
# ssh-spare-channel.sh: a channel waiting for one command (see SpareChannel); no external programs. No arguments.
# stdin: "MARKER JOB", the command line (any number of lines), a line holding only MARKER; then the command's input.
# Prints MARKER on stdout and stderr, exports DEPLOY_SSH_JOB=JOB and evaluates the command line.
read -r n j || exit 0; c=; while IFS= read -r l || exit 0; do [ "$l" = "$n" ] && break; c="$c$l
"; done; printf '%s\n' "$n"; printf '%s\n' "$n" >&2; DEPLOY_SSH_JOB=$j; export DEPLOY_SSH_JOB; eval "$c"
