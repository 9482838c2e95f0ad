#!/bin/sh
# Prints the facts precheck needs, one "key=value" line each, in one round trip.
# $1..$n: absolute paths to measure free disk space for, then "--", then command names to look up on PATH.
# Output: cpu=N, mem_total_kb=N, mem_avail_kb=N, clock=SECONDS[.NANOS], hostname=NAME, port=N (one per listening
# TCP port), disk=KB<TAB>PATH, cmd=0|1<TAB>NAME, then "os-release" and the raw os-release text after it.
# Few processes (a host checked with 50 others shares its cores; each start costs milliseconds): date, one awk for
# /sys and /proc, and one df per path; os-release is read with the shell's own read (short).
LC_ALL=C
export LC_ALL
echo "clock=$(date +%s.%N 2>/dev/null || date +%s)"
# One awk reads /sys and /proc (online CPUs, memory, host name, listening TCP sockets) in blocks: the shell's `read` takes one byte per
# system call, and on a host with many connections /proc/net/tcp alone cost tens of milliseconds that way.
procs=
for f in /sys/devices/system/cpu/online /proc/meminfo /proc/sys/kernel/hostname /proc/net/tcp /proc/net/tcp6; do
  [ -r "$f" ] && procs="$procs $f"
done
# shellcheck disable=SC2086 # $procs: the readable /proc files above (no spaces), one awk argument each
awk '
  FILENAME == "/sys/devices/system/cpu/online" {
    # the online CPUs as ranges, e.g. 0-3,8-11
    n = split($0, r, ","); c = 0
    for (i = 1; i <= n; i++) { if (split(r[i], b, "-") == 2) c += b[2] - b[1] + 1; else c++ }
    print "cpu=" c; next
  }
  FILENAME == "/proc/meminfo" {
    if ($1 == "MemTotal:") print "mem_total_kb=" $2
    else if ($1 == "MemAvailable:") print "mem_avail_kb=" $2
    next
  }
  FILENAME == "/proc/sys/kernel/hostname" { print "hostname=" $0; next }
  $4 == "0A" { n = split($2, a, ":"); print "porthex=" a[n] }
' $procs
[ -r /proc/sys/kernel/hostname ] || echo "hostname=$(hostname 2>/dev/null)"
[ -r /sys/devices/system/cpu/online ] || echo "cpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || grep -c '^processor' /proc/cpuinfo)"
fourth() { kb=$4; }
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  p=$1
  while [ ! -e "$p" ] && [ "$p" != "/" ]; do p=${p%/*}; [ -n "$p" ] || p=/; done
  out=$(df -Pk "$p" 2>/dev/null)
  kb=
  # shellcheck disable=SC2086 # split the data line (after the header) into its fields
  case $out in
    *"
"*) fourth ${out#*
} ;;
  esac
  printf 'disk=%s\t%s\n' "${kb:--1}" "$1"
  shift
done
[ $# -gt 0 ] && shift
for c in "$@"; do
  if command -v "$c" >/dev/null 2>&1; then printf 'cmd=1\t%s\n' "$c"; else printf 'cmd=0\t%s\n' "$c"; fi
done
echo "os-release"
f=/etc/os-release
[ -r "$f" ] || f=/usr/lib/os-release
if [ -r "$f" ]; then
  while IFS= read -r l || [ -n "$l" ]; do printf '%s\n' "$l"; done < "$f"
fi
exit 0
