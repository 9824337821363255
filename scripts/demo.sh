#!/usr/bin/env bash
# Installs what is missing, builds, and runs the headline example; then shows where its pictures
# went (the learned templates, the training curves, the confusion matrix).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export OPENBLAS_NUM_THREADS=1
cmake --preset release "${SLOPE_LAUNCHER[@]}" >/dev/null
cmake --build --preset release -j "$(nproc)" --target linear_classifier
out=slope-out
for arg in "$@"; do  # the pictures go to --out DIR when given
  [ "${prev:-}" = "--out" ] && out=$arg
  case $arg in --out=*) out=${arg#--out=} ;; esac
  prev=$arg
done
build/release/examples/linear_classifier "$@"
echo "pictures:"
for f in templates.png curves.svg confusion.svg; do echo "  $(realpath -m "$out/$f")"; done
