#!/usr/bin/env bash
# Fails unless docs/ops.md has a table row (| `name` | ...) for every op the gradient checker
# lists: the doc cannot fall behind the registry.
# Usage: scripts/check_ops_doc.sh PATH/TO/slope-gradcheck   (e.g. build/ci/tools/slope-gradcheck)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: scripts/check_ops_doc.sh PATH/TO/slope-gradcheck (an executable)" >&2
  exit 2
fi
doc=docs/ops.md
# --list prints a header line ("op cases kinks") and then one op per line, its name first.
ops=$("$1" --list | awk 'NF > 0 && $1 != "op" { print $1 }')
if [ -z "$ops" ]; then
  echo "check_ops_doc.sh: '$1 --list' printed no ops" >&2
  exit 2
fi
missing=()
for op in $ops; do
  grep -q "^| \`$op\` |" "$doc" || missing+=("$op")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "check_ops_doc.sh: $doc has no row for: ${missing[*]}" >&2
  echo "  add one per op: | \`name\` | forward | gradient per input | shapes | file |" >&2
  exit 1
fi
echo "check_ops_doc.sh: $doc has a row for each of the $(wc -w <<<"$ops") registered ops"
