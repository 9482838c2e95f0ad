#!/usr/bin/env bash
# Makes sure a Docker engine answers on the default socket; starts dockerd when none does.
# Flags fit a sandbox: vfs storage (no overlay mounts), no iptables, no default bridge.
set -euo pipefail
if docker info >/dev/null 2>&1; then exit 0; fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "start-dockerd: dockerd is not installed" >&2; exit 1
fi
mkdir -p /var/log
nohup dockerd --storage-driver=vfs --iptables=false --bridge=none --ip6tables=false >/var/log/deploy-test-dockerd.log 2>&1 &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then exit 0; fi
  sleep 0.5
done
echo "start-dockerd: dockerd did not answer within 30 s; its log:" >&2
tail -30 /var/log/deploy-test-dockerd.log >&2
exit 1
