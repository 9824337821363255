// SPDX-License-Identifier: MIT
// max_pool2d's rule for a window's winner, shared by max_pool2d and conv2d_relu_max_pool2d: the
// first of equal maxima in row-major order, the first NaN when there is one. Internal.
//
// In a 2x2 window (a b / c d) without a NaN that winner is the larger of each row's pair (strict >,
// so the left one on a tie), then the larger of the two (the top one on a tie): selects only, which
// GCC vectorises. A branch on which element wins is a coin toss on real data (mispredictions made a
// branching loop 10x slower than the ReLU before it), so rows holding a NaN are found first and
// walked apart.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace slope::detail {

template <class T>
bool has_nan(const T* r0, const T* r1, std::size_t n) {
  int nan = 0;  // an int, not a bool: GCC vectorises the sum
  for (std::size_t i = 0; i < n; ++i) nan |= (r0[i] != r0[i]) | (r1[i] != r1[i]);
  return nan != 0;
}

/// Whether v, met after `best` in a window's row-major walk, takes its place: when larger (strict,
/// so the first of equal maxima stays), or when it is the first NaN (so that a NaN propagates).
template <class T>
bool displaces(T v, T best) {
  return v > best || (v != v && best == best);
}

/// The winner of window (a b / c d) under that rule: 0, 1 (top row), 2, 3.
template <class T>
int winner(const T (&v)[4]) {
  int k = 0;
  for (int i = 1; i < 4; ++i)
    if (displaces(v[i], v[k])) k = i;
  return k;
}

/// v when `keep`, else +0, by a mask rather than a branch: where rows are short most windows fall
/// to the scalar tail of a vectorised loop, where GCC would branch on `keep ? v : 0`.
template <class T>
T keep_if(bool keep, T v) {
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  Bits bits;
  std::memcpy(&bits, &v, sizeof v);
  bits &= Bits(0) - Bits(keep);
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

}  // namespace slope::detail
