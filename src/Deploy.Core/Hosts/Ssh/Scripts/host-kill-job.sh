#!/bin/sh
# host-kill-job.sh: kills every process whose environment holds DEPLOY_SSH_JOB=$1 (a job and all its descendants).
# $1: the job id
j=$1; i=0
while [ $i -lt 20 ]; do
  p=$(grep -lsxzF "DEPLOY_SSH_JOB=$j" /proc/[0-9]*/environ 2>/dev/null | sed -n 's#^/proc/\([0-9]*\)/environ$#\1#p')
  [ -n "$p" ] || exit 0
  kill -KILL $p 2>/dev/null
  i=$((i+1)); sleep 0.05
done
