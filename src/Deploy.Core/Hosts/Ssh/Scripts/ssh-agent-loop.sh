#!/bin/sh
# ssh-agent-loop.sh: a pooled session's loop (see AgentSession), behind ssh-frame.sh. No arguments.
# stdin, per command: a frame (ssh-frame.sh). A command whose end is not its MARKER line is never run: the loop
# exits. The command runs in a subshell with stdin from /dev/null and DEPLOY_SSH_JOB=JOB exported; then
# "MARKER exitcode" is printed on stdout and "MARKER" on stderr.
# shellcheck disable=SC2154 # c: set by deploy_frame (ssh-frame.sh)
while read -r n j z; do
  deploy_frame "$n" "$z" || exit 0
  ( unset -f deploy_frame; DEPLOY_SSH_JOB=$j; export DEPLOY_SSH_JOB; eval "$c" ) </dev/null; r=$?; printf '%s %d\n' "$n" "$r"; printf '%s\n' "$n" >&2
done
