// SPDX-License-Identifier: MIT
// A buffer per thread, element type and slot, kept across calls: the convolutions' per-call
// columns and partial results, rebuilt without an allocation. Internal: not part of
// <slope/slope.hpp>.
#pragma once

#include <cstddef>
#include <vector>

namespace slope::detail {

/// Slots in use: 0, 1 (conv2d's im2col columns), 2, 3, 4 (its oneDNN gradients that are added).
template <class T, int kSlot>
T* scratch(std::size_t n) {
  thread_local std::vector<T> buffer;
  if (buffer.size() < n) buffer.resize(n);
  return buffer.data();
}

}  // namespace slope::detail
