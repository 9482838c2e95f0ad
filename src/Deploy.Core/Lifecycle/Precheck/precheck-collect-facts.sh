#!/bin/sh
# Prints the facts precheck needs, one "key=value" line each, in one round trip.
# $1..$n: absolute paths to measure free disk space for, then "--", then command names to look up on PATH.
# Output: cpu=N, mem_total_kb=N, mem_avail_kb=N, clock=SECONDS[.NANOS], hostname=NAME, port=N (one per listening
# TCP port), disk=KB<TAB>PATH, cmd=0|1<TAB>NAME, then "os-release" and the raw os-release text after it.
LC_ALL=C
export LC_ALL
echo "clock=$(date +%s.%N 2>/dev/null || date +%s)"
cpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || grep -c '^processor' /proc/cpuinfo)
echo "cpu=$cpu"
awk '/^MemTotal:/ { print "mem_total_kb=" $2 } /^MemAvailable:/ { print "mem_avail_kb=" $2 }' /proc/meminfo
echo "hostname=$(cat /proc/sys/kernel/hostname 2>/dev/null || hostname)"
for f in /proc/net/tcp /proc/net/tcp6; do
  [ -r "$f" ] && awk 'NR > 1 && $4 == "0A" { split($2, a, ":"); print "porthex=" a[2] }' "$f"
done
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  p=$1
  while [ ! -e "$p" ] && [ "$p" != "/" ]; do p=$(dirname "$p"); done
  kb=$(df -Pk "$p" 2>/dev/null | awk 'NR == 2 { print $4 }')
  printf 'disk=%s\t%s\n' "${kb:--1}" "$1"
  shift
done
[ $# -gt 0 ] && shift
for c in "$@"; do
  if command -v "$c" >/dev/null 2>&1; then printf 'cmd=1\t%s\n' "$c"; else printf 'cmd=0\t%s\n' "$c"; fi
done
echo "os-release"
cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null || true
