#!/bin/sh
# The bundled test suite: $1 = address, $2 = port. Exits 0 when /health answers "ok", 1 otherwise.
addr=$1
port=$2
python3 - "$addr" "$port" <<'PY'
import sys, urllib.request
try:
    body = urllib.request.urlopen(f"http://{sys.argv[1]}:{sys.argv[2]}/health", timeout=5).read().decode()
except Exception as e:
    print(f"FAIL: /health: {e}")
    sys.exit(1)
print("PASS: " + body.strip() if body.startswith("ok ") else "FAIL: " + body)
sys.exit(0 if body.startswith("ok ") else 1)
PY
