#!/bin/sh
# lifecycle-run-hook.sh: runs a service hook with its time limit and an escalation: TERM to the hook's whole process
# group when the limit passes, KILL to what is left after the grace period (coreutils timeout does both).
# $1: the limit in seconds; $2: the grace period in seconds; $3: the hook command (a shell command line);
# $4...: the command line's own arguments ($1... inside it; the readiness poll passes its probe and interval so).
# Exit: the hook's own status; 124 when it stopped on TERM after the limit, 137 when it had to be killed.
# Without timeout(1) on the host the hook runs unbounded here and the transport's time limit (KILL) applies.
limit=$1 grace=$2 command=$3
shift 3
if command -v timeout >/dev/null 2>&1; then
  exec timeout -k "$grace" "$limit" /bin/sh -c "$command" sh "$@"
fi
exec /bin/sh -c "$command" sh "$@"
