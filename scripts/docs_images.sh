#!/usr/bin/env bash
# Regenerates every picture under docs/images/ (docs/tutorial.md and README.md show them): builds
# the examples with the ci preset, runs linear_classifier (its defaults, seed 0) and toy2d (seed
# 0), copies what they wrote, and screenshots toy2d's page in headless Chromium. Both runs take a
# few seconds of CPU and their pictures are the same bit for bit on a rerun (the screenshots up to
# font rendering). With --all, two_layer_net (about a minute of CPU) and cnn (about 10 minutes)
# run too, and every *.png or *.svg they write is kept, named after the program.
# Usage: scripts/docs_images.sh [--all]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export OPENBLAS_NUM_THREADS=1

all=0
[ "${1:-}" = "--all" ] && all=1
programs=(linear_classifier toy2d)
[ $all -eq 1 ] && programs+=(two_layer_net cnn)

cmake --preset ci "${SLOPE_LAUNCHER[@]}" >/dev/null
cmake --build build/ci -j "$(nproc)" --target "${programs[@]}"
bin=build/ci/examples
images=docs/images
mkdir -p "$images"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== linear_classifier (defaults: softmax, SGD, seed 0)"
"$bin/linear_classifier" --out "$tmp/linear_classifier" | tail -n 5
cp "$tmp"/linear_classifier/{templates.png,curves.svg,confusion.svg} "$images/"

echo "== toy2d (seed 0)"
"$bin/toy2d" --seed 0 --out "$tmp/toy2d" | tail -n 2
# The still pictures of the final regions, one per data set and model (about 250 KB together).
cp "$tmp"/toy2d/toy2d_*.svg "$images/"
# The page as a browser draws it: the default run at its last step, and the spiral's two-layer net.
chromium=$(command -v chromium || command -v chromium-browser)
shot() {  # shot FILE URL-FRAGMENT
  "$chromium" --headless --no-sandbox --disable-gpu --disable-extensions --no-first-run \
    --user-data-dir="$tmp/profile" --hide-scrollbars --window-size=1200,900 \
    --screenshot="$PWD/$1" "file://$tmp/toy2d/toy2d.html$2" >/dev/null 2>&1
  [ -s "$1" ] || { echo "docs_images: no screenshot $1" >&2; exit 1; }
}
shot "$images/toy2d.png" ""
shot "$images/toy2d_spiral_two_layer.png" "#data=spiral&model=two-layer"

if [ $all -eq 1 ]; then
  for program in two_layer_net cnn; do
    echo "== $program (defaults, seed 0)"
    "$bin/$program" --seed 0 --out "$tmp/$program" | tail -n 3
    for f in "$tmp/$program"/*.png "$tmp/$program"/*.svg; do
      [ -e "$f" ] || continue
      name=$(basename "$f")
      [[ "$name" == "$program"_* ]] || name="${program}_$name"  # no clash with the pictures above
      cp "$f" "$images/$name"
    done
  done
fi

echo "== docs/images"
du -ch "$images"/* | sort -k2
