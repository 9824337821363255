#!/usr/bin/env bash
# clang-format over slope's sources: rewrites them, or with --check fails on any difference.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find graph ops optim tests examples tools bench slope -name '*.[ch]pp')
[ ${#files[@]} -gt 0 ] || exit 0
if [ "${1:-}" = "--check" ]; then
  clang-format --dry-run --Werror "${files[@]}"
  echo "format: clean (${#files[@]} files)"
else
  clang-format -i "${files[@]}"
fi
