#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite: the layer rule; the ci preset
# (warnings as errors) with the ops.md check; the address+undefined sanitizer build; the thread
# sanitizer's two-thread test; a fixed-count run of every fuzzer; clang-tidy; the format check.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
jobs=$(nproc)
export OPENBLAS_NUM_THREADS=1
start=$SECONDS
stage() { echo "scripts/test.sh: $1 ($((SECONDS - start)) s)"; }

stage "layer rule"
scripts/check_layers.sh

stage "ci build and tests"
cmake --preset ci "${SLOPE_LAUNCHER[@]}" >/dev/null
cmake --build --preset ci -j "$jobs"
ctest --preset ci -j "$jobs"
scripts/check_ops_doc.sh build/ci/tools/slope-gradcheck

stage "address and undefined sanitizers"
cmake --preset asan "${SLOPE_LAUNCHER[@]}" >/dev/null
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs"

stage "thread sanitizer"
cmake --preset tsan "${SLOPE_LAUNCHER[@]}" >/dev/null
cmake --build --preset tsan -j "$jobs" --target test_threads
ctest --preset tsan -j "$jobs"

stage "fuzzers"
scripts/fuzz.sh

stage "clang-tidy"
scripts/clang_tidy.sh build/ci

stage "format"
tools/format.sh --check
echo "scripts/test.sh: all passed in $((SECONDS - start)) s"
