#!/usr/bin/env bash
# Records every public symbol of the packages in their PublicAPI.Unshipped.txt: symbols the build reports as new
# (RS0016) are appended, symbols it reports as gone (RS0017) are removed. Run it after changing a public API on
# purpose; review the diff; a release moves the Unshipped lines to PublicAPI.Shipped.txt. The build fails
# (RS0016/RS0017) until the files match the code. (It reads the build's own diagnostics: `dotnet format analyzers`
# did the same but silently applied nothing on a loaded machine.)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- src/Deploy.*/Deploy.*.csproj
for project in "$@"; do
  [ -f "$project" ] || project=$(ls "$project"/*.csproj)
  dir=$(dirname "$project")
  echo "public API: $project"
  log=$(dotnet build "$project" -v q -nologo 2>&1 || true)
  added=$(printf '%s\n' "$log" | grep "$dir/" | sed -n "s/.*error RS0016: Symbol '\(.*\)' is not part of the declared.*/\1/p" | sort -u)
  removed=$(printf '%s\n' "$log" | grep "$dir/" | sed -n "s/.*error RS0017: Symbol '\(.*\)' is part of the declared API.*/\1/p" | sort -u)
  unshipped="$dir/PublicAPI.Unshipped.txt"
  if [ -n "$removed" ]; then
    grep -vxF -f <(printf '%s\n' "$removed") "$unshipped" > "$unshipped.tmp" || true
    mv "$unshipped.tmp" "$unshipped"
    echo "  removed $(printf '%s\n' "$removed" | wc -l) symbol(s)"
  fi
  if [ -n "$added" ]; then
    printf '%s\n' "$added" >> "$unshipped"
    echo "  added $(printf '%s\n' "$added" | wc -l) symbol(s)"
  fi
done
