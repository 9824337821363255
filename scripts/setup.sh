#!/usr/bin/env bash
# Installs the Debian packages slope needs, only those missing (so a second run is quick), through
# sudo when not root. Sourced by demo.sh and test.sh; extra packages may be passed as arguments.
set -euo pipefail

slope_packages=(g++ cmake make ccache xtensor-dev libxtensor-blas-dev libxsimd-dev
  libopenblas-dev libdnnl-dev ocl-icd-opencl-dev libboost-test-dev libfmt-dev zlib1g-dev libcli11-dev clang-format clang-tidy
  dataset-fashion-mnist clang libclang-rt-14-dev pkgconf python3-numpy libunwind8 libzip-dev libpng-dev
  chromium libopenmpi-dev openmpi-bin "$@")

missing=()
for p in "${slope_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "slope: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ccache makes rebuilds quick when it is there; nothing depends on it.
SLOPE_LAUNCHER=()
if command -v ccache >/dev/null 2>&1; then
  SLOPE_LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# Paths relative to the checkout, so that every clone and worktree shares the cache.
export CCACHE_NOHASHDIR=1 CCACHE_BASEDIR="$PWD"
