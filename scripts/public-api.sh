#!/usr/bin/env bash
# Records every public symbol of the packages in their PublicAPI.Unshipped.txt (RS0016 added, RS0017 removed), with
# the PublicApiAnalyzers' own code fix. Run it after changing a public API on purpose; review the diff; a release
# moves the Unshipped lines to PublicAPI.Shipped.txt. The build fails (RS0016/RS0017) until the files match the code.
set -euo pipefail
cd "$(dirname "$0")/.."
for project in src/Deploy.*/Deploy.*.csproj; do
  echo "public API: $project"
  dotnet format analyzers "$project" --diagnostics RS0016 RS0017 --severity warn -v q
done
