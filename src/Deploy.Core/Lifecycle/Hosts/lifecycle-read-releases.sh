#!/bin/sh
# lifecycle-read-releases.sh: prints every release record of a product in one round trip and one process however
# long the history (a cat per record cost a fork each): for each <dir>/*.json a line of \001 and the file's name,
# then its content and a newline. A record is JSON, which escapes control characters, so \001 never occurs inside
# one. A missing or empty directory prints nothing.
# $1 path: the releases directory
# $2 path (optional): the payloads directory: first, for each <service>/<digest> folder in it, a line of \002, the
#   folder and " 1" when its .complete marker exists, else " 0" (builtins only: a glob and a test per folder)
if [ -n "${2:-}" ]; then
  for p in "$2"/*/*/; do
    [ -d "$p" ] || continue
    p=${p%/}
    c=0
    [ -f "$p/.complete" ] && c=1
    printf '\002%s %s\n' "${p#"$2"/}" "$c"
  done
fi
[ -d "$1" ] || exit 0
set -- "$1"/*.json
[ -f "$1" ] || exit 0
# An empty record (awk shows it no line) is still listed, so the reader reports it as damaged.
for f; do [ -s "$f" ] || printf '\001%s\n' "${f##*/}"; done
exec awk 'FNR == 1 { n = FILENAME; sub(/.*\//, "", n); printf "\001%s\n", n } { print }' "$@"
