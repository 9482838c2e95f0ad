#!/bin/sh
# ssh-spare-channel.sh: a channel waiting for one command (see SpareChannel), behind ssh-frame.sh. No arguments.
# stdin: a frame (ssh-frame.sh), then the command's input. A command whose end is not its MARKER line is never run.
# Prints MARKER on stdout and stderr, exports DEPLOY_SSH_JOB=JOB and evaluates the command line.
# shellcheck disable=SC2154 # c: set by deploy_frame (ssh-frame.sh)
read -r n j z || exit 0
deploy_frame "$n" "$z" || exit 0; unset -f deploy_frame
printf '%s\n' "$n"; printf '%s\n' "$n" >&2; DEPLOY_SSH_JOB=$j; export DEPLOY_SSH_JOB; eval "$c"
