#!/usr/bin/env bash
# Builds slope's libFuzzer targets (clang, address + undefined sanitizers; fuzz/CMakeLists.txt) in
# build/fuzz and runs each over its seed corpus, fuzz/corpus/<name>:
#   scripts/fuzz.sh                 a fixed number of inputs per target (SLOPE_FUZZ_RUNS, 60000),
#                                   the same ones every time (a fixed seed); run by scripts/test.sh
#   scripts/fuzz.sh --long SECONDS  each target for SECONDS with a random seed, on a corpus kept in
#                                   build/fuzz/corpus-<name>, seeded from the repository's: each
#                                   run starts from what the earlier ones found
# Exits non-zero when a target crashes, leaks, hangs or runs out of memory; the input that did it
# is left in build/fuzz/crash-<name>-* (replay it: build/fuzz/fuzz_<name> <that file>).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: scripts/fuzz.sh [--long SECONDS]" >&2
  exit 2
}
long=0
case "${1:-}" in
  "") ;;
  --long) [[ "${2:-}" =~ ^[0-9]+$ && "$2" -gt 0 ]] || usage; long=$2 ;;
  *) usage ;;
esac
runs=${SLOPE_FUZZ_RUNS:-60000}

set --  # setup.sh takes its arguments as extra packages
source scripts/setup.sh
build=build/fuzz
cmake -S fuzz -B "$build" -DCMAKE_CXX_COMPILER=clang++ "${SLOPE_LAUNCHER[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null

# The .npy target writes each input to a file: in memory when /dev/shm is there.
tmp=${TMPDIR:-/tmp}
if [ -d /dev/shm ] && [ -w /dev/shm ]; then tmp=/dev/shm; fi
# Limits: a reader may allocate what a 4 KB input can back, not hundreds of megabytes.
common=(-max_len=4096 -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=20 -print_final_stats=1)

status=0
found=0
for target in "$build"/fuzz_*; do
  [ -f "$target" ] && [ -x "$target" ] || continue
  found=1
  name=$(basename "$target")
  name=${name#fuzz_}
  seeds=fuzz/corpus/$name
  if [ "$long" -gt 0 ]; then
    corpus=$build/corpus-$name
    mkdir -p "$corpus"
    for f in "$seeds"/*; do
      [ -e "$corpus/$(basename "$f")" ] || cp "$f" "$corpus/"
    done
    args=(-max_total_time="$long" "$corpus")
  else
    corpus=$build/short-$name  # what this run finds; the seeds stay as they are
    rm -rf "$corpus"
    mkdir -p "$corpus"
    args=(-runs="$runs" -seed=1 "$corpus" "$seeds")
  fi
  log=$build/fuzz-$name.log
  start=$SECONDS
  if TMPDIR=$tmp "$target" "${common[@]}" -artifact_prefix="$build/crash-$name-" "${args[@]}" \
    >"$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz_$name: ${execs:-?} inputs in $((SECONDS - start)) s, no crash (corpus $corpus)"
  else
    echo "fuzz_$name: FAILED; the log is $log, its end:" >&2
    tail -n 40 "$log" >&2
    status=1
  fi
done
if [ "$found" -eq 0 ]; then
  echo "scripts/fuzz.sh: no fuzz targets were built in $build" >&2
  exit 1
fi
exit "$status"
