#!/usr/bin/env bash
# clang-format over slope's sources: rewrites them, or with --check fails on any difference.
#   tools/format.sh [--check] [PATH...]
# Without PATHs it takes every tracked .cpp/.hpp; with them, only the C++ files under those paths
# (tracked or not), so a change can be formatted without touching anyone else's files.
set -euo pipefail
check=0
if [ "${1:-}" = "--check" ]; then
  check=1
  shift
fi
if [ $# -gt 0 ]; then
  mapfile -t files < <(find "$@" -type f \( -name '*.cpp' -o -name '*.hpp' \) | sort -u)
else
  cd "$(dirname "$0")/.."
  mapfile -t files < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null ||
    find graph ops optim tests examples tools bench slope -name '*.[ch]pp')
fi
[ ${#files[@]} -gt 0 ] || exit 0
if [ $check -eq 1 ]; then
  clang-format --dry-run --Werror "${files[@]}"
  echo "format: clean (${#files[@]} files)"
else
  clang-format -i "${files[@]}"
fi
