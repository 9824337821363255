#!/usr/bin/env bash
# Installs what is missing, builds, and runs the headline example.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export OPENBLAS_NUM_THREADS=1
cmake --preset release "${SLOPE_LAUNCHER[@]}" >/dev/null
cmake --build --preset release -j "$(nproc)" --target linear_classifier
exec build/release/examples/linear_classifier "$@"
