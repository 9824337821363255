#!/usr/bin/env bash
# clang-tidy (Debian's clang-tidy 14) with .clang-tidy's checks over the library sources (graph/ ops/
# gradcheck/ data/ optim/ nn/ viz/ checkpoint/), two files at a time; fails when any file has a finding.
# Usage: scripts/clang_tidy.sh [BUILD_DIR]   (default build/ci; it must hold compile_commands.json,
# which every preset writes: cmake --preset ci)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/ci}
if [ ! -f "$build/compile_commands.json" ]; then
  echo "clang_tidy.sh: $build/compile_commands.json is missing (run: cmake --preset ci)" >&2
  exit 2
fi
tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
if [ -z "$tidy" ]; then
  echo "clang_tidy.sh: clang-tidy is not installed (apt-get install clang-tidy)" >&2
  exit 2
fi
export tidy build
# One file: its findings are printed together, and only when there are any.
check_one() {
  local out
  if ! out=$("$tidy" -p "$build" --quiet --extra-arg=-Wno-unknown-warning-option "$1" 2>&1); then
    printf '%s\n' "$out" | grep -v ' warnings generated\.$' || true
    echo "clang_tidy.sh: findings in $1" >&2
    return 1
  fi
}
export -f check_one
shopt -s nullglob
files=(graph/*.cpp ops/*.cpp gradcheck/*.cpp data/*.cpp optim/*.cpp nn/*.cpp viz/*.cpp checkpoint/*.cpp
  distributed/*.cpp)
start=$SECONDS
status=0
printf '%s\n' "${files[@]}" | xargs -P 2 -I{} bash -c 'check_one "$1"' _ {} || status=1
verdict=clean
[ $status = 0 ] || verdict=FINDINGS
echo "clang_tidy.sh: ${#files[@]} files in $((SECONDS - start)) s: $verdict"
exit $status
