#!/usr/bin/env bash
# Installs the build tree's slope into a scratch prefix and uses it as a user would (ctest
# install_consumer): find_package(slope) and pkg-config builds with -march=x86-64 alone, whose
# numbers must equal the in-tree build's to the bit; the installed slope-gradcheck run without
# LD_LIBRARY_PATH from a moved prefix; a user's op library through `--load` and through
# slope::gradcheck_cli, with a wrong backward that must fail by name and index.
# Usage: run.sh BUILD_DIR IN_TREE_TWIN (the in-tree build of main.cpp)
set -euo pipefail
build_dir=$1
in_tree=$2
source_dir=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
unset LD_LIBRARY_PATH
fail() { echo "install_consumer: $*" >&2; exit 1; }
# expect STATUS TEXT CMD...: CMD exits STATUS and its output (stdout and stderr) contains TEXT.
expect() {
  local want=$1 text=$2 status=0
  shift 2
  "$@" >"$scratch/out" 2>&1 || status=$?
  [ "$status" -eq "$want" ] || { cat "$scratch/out"; fail "'$*' exited $status, not $want"; }
  grep -qF -- "$text" "$scratch/out" || { cat "$scratch/out"; fail "'$*' does not say '$text'"; }
}

cmake --install "$build_dir" --prefix "$scratch/prefix" >/dev/null
prefix=$scratch/prefix
libdir=$(dirname "$(find "$prefix" -name 'libslope.so.0' | head -1)")
[ -n "$libdir" ] || fail "no libslope.so.0 installed"

# The package: a versioned library, public headers only, no -march imposed on users.
[ "$(readlink "$libdir/libslope.so.0")" = libslope.so.0.2.0 ] || fail "libslope.so.0 is no link to libslope.so.0.2.0"
[ "$(readlink "$libdir/libslope.so")" = libslope.so.0 ] || fail "libslope.so is no link to libslope.so.0"
for internal in gradcheck/coordinate.hpp ops/op_cases.hpp ops/loss_common.hpp ops/penalty.hpp; do
  [ ! -e "$prefix/include/slope/$internal" ] || fail "internal header $internal is installed"
done
for public in slope.hpp version.hpp gradcheck_cli.hpp graph/tensor.hpp ops/registry.hpp; do
  [ -e "$prefix/include/slope/$public" ] || fail "public header $public is not installed"
done
! grep -rq -- "-march" "$libdir/cmake/slope" "$libdir/pkgconfig/slope.pc" || fail "the package imposes -march"
# Every installed header's own includes are installed too.
(cd "$prefix/include/slope" && find . -name '*.hpp' | while read -r h; do
  sed -n 's/^#include "\(.*\)"/\1/p' "$h" | while read -r inc; do
    [ -e "$(dirname "$h")/$inc" ] || fail "$h includes $inc, which is not installed"
  done
done)
# libslope exports slope's API alone: its copies of xtensor/xsimd/fmt code stay its own.
code="^((void|bool|int|long|unsigned long|float|double|char) )?(xt|xsimd|fmt)::"
others=$(nm -D --defined-only -C "$libdir/libslope.so.0" | cut -d' ' -f3- | grep -E "$code" || true)
[ -z "$others" ] || fail "libslope exports xtensor/xsimd/fmt code: $(echo "$others" | head -3)"

# find_package(slope), built for the baseline x86-64 CPU.
cmake -S "$source_dir" -B "$scratch/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_FLAGS=-march=x86-64 -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$scratch/build" >/dev/null
! grep -q "march=native" "$scratch/build/CMakeFiles/consumer.dir/flags.make" || fail "-march=native reached the consumer"
# ... and exports none of its own inline xtensor/xsimd/fmt copies for libslope to bind to.
shared=$(nm -D --defined-only -C "$scratch/build/consumer" | grep -E ' (xt|xsimd|fmt)::' || true)
[ -z "$shared" ] || fail "the consumer's inline code interposes libslope's: $(echo "$shared" | head -3)"
"$scratch/build/consumer" >"$scratch/consumer.txt"
"$in_tree" >"$scratch/in_tree.txt"
grep -q "^slope 0.2.0 (headers 0.2.0)" "$scratch/consumer.txt" || fail "version: $(head -1 "$scratch/consumer.txt")"
diff "$scratch/in_tree.txt" "$scratch/consumer.txt" ||
  fail "the -march=x86-64 consumer's numbers differ from the in-tree build's"

# A user's own checker on slope::gradcheck_cli, over the user's ops compiled in.
wrong="bad_softplus/matrix: FAILED at input 0 index [0, 2] (flat 2)"
expect 0 "1 passed, 0 failed" "$scratch/build/check_my_ops" --op softplus
expect 1 "$wrong" "$scratch/build/check_my_ops" --op bad_softplus
expect 2 "--rtol needs a number, got 'x'" "$scratch/build/check_my_ops" --rtol x

# The installed tool runs without LD_LIBRARY_PATH, also once the whole prefix has moved.
# shellcheck disable=SC2016 # a literal $ORIGIN
readelf -d "$prefix/bin/slope-gradcheck" | grep RUNPATH | grep -qF '[$ORIGIN/' ||
  fail "slope-gradcheck has no RUNPATH \$ORIGIN/..."
mv "$prefix" "$scratch/moved"
prefix=$scratch/moved
libdir=$(dirname "$(find "$prefix" -name 'libslope.so.0' | head -1)")
expect 0 "passed, 0 failed" "$prefix/bin/slope-gradcheck" --op add
expect 0 "Usage: slope-gradcheck" "$prefix/bin/slope-gradcheck" --help

# pkg-config, from the moved prefix (slope.pc finds its own place).
export PKG_CONFIG_PATH=$libdir/pkgconfig
[ "$(pkg-config --modversion slope)" = 0.2.0 ] || fail "pkg-config --modversion slope"
# shellcheck disable=SC2046
g++ -std=c++17 -O2 -march=x86-64 "$source_dir/main.cpp" -o "$scratch/consumer_pc" \
  $(pkg-config --cflags --libs slope) -Wl,-rpath,"$libdir"
"$scratch/consumer_pc" >"$scratch/consumer_pc.txt"
diff "$scratch/in_tree.txt" "$scratch/consumer_pc.txt" || fail "the pkg-config consumer's numbers differ"

# A user's op library, built outside slope's tree, through --load (of the moved prefix's tool).
lib=$scratch/build/libmy_ops.so
expect 0 "1 passed, 0 failed" "$prefix/bin/slope-gradcheck" --load "$lib" --op softplus
expect 0 "bad_softplus" "$prefix/bin/slope-gradcheck" --load="$lib" --list
expect 1 "$wrong" "$prefix/bin/slope-gradcheck" --load "$lib" --op bad_softplus
expect 2 "no such file '$scratch/nothing.so'" "$prefix/bin/slope-gradcheck" --load "$scratch/nothing.so"
expect 2 "'$source_dir/main.cpp' is not a shared library" "$prefix/bin/slope-gradcheck" \
  --load "$source_dir/main.cpp" --op softplus
(cd "$scratch/build" && expect 0 "1 passed, 0 failed" "$prefix/bin/slope-gradcheck" --load libmy_ops.so --op softplus)
echo "install_consumer: find_package, pkg-config, -march=x86-64 (bitwise equal), relocated tool, --load and gradcheck_cli: ok"
