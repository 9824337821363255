#!/usr/bin/env bash
# The dependency rule of docs/design.md: each library folder includes only the folders below it.
# Fails naming every include that breaks it.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A allowed=(
  [graph]=""
  [ops]="graph"
  [gradcheck]="graph ops"
  [data]="graph"
  [optim]="graph"
  [nn]="graph ops data"
  [distributed]="graph optim"
  [viz]="graph"
  [checkpoint]="graph data optim nn"
)

status=0
for folder in "${!allowed[@]}"; do
  [ -d "$folder" ] || continue
  while IFS=: read -r file line text; do
    dep=$(sed -E 's@.*(\.\./|<slope/)([a-z_]+)/.*@\2@' <<<"$text")
    [ "$dep" = "$folder" ] && continue
    if [[ " ${allowed[$folder]} " != *" $dep "* ]]; then
      echo "check_layers: $file:$line: $folder/ may not include $dep/ (allowed: ${allowed[$folder]:-nothing})"
      status=1
    fi
  done < <(grep -HnE '#include +["<](\.\./|slope/)[a-z_]+/' "$folder"/*.hpp "$folder"/*.cpp 2>/dev/null || true)
done
[ $status -eq 0 ] && echo "check_layers: every include follows the dependency rule"
exit $status
