#!/bin/sh
# host-os-release.sh: prints the host's os-release (empty when it has none).
cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null || true
