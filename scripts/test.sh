#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite: the ci preset (warnings as
# errors), then the address+undefined sanitizer build, then the format check.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
jobs=$(nproc)
export OPENBLAS_NUM_THREADS=1

scripts/check_layers.sh

cmake --preset ci "${SLOPE_LAUNCHER[@]}" >/dev/null
cmake --build --preset ci -j "$jobs"
ctest --preset ci -j "$jobs"

cmake --preset asan "${SLOPE_LAUNCHER[@]}" >/dev/null
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs"

tools/format.sh --check
echo "scripts/test.sh: all passed"
