// SPDX-License-Identifier: MIT
// Axis bookkeeping shared by the reductions (mean, max) and the single-axis ops (logsumexp,
// softmax, concatenate): which output element each input element feeds, without xtensor
// reducers (0.24.3 mis-broadcasts lazy keep_dims reducers, and their small-array overhead shows).
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "../graph/errors.hpp"

namespace slope::detail {

/// Normalised (negative counts from the end), sorted, distinct axes. Throws ShapeError naming
/// `op`, the axes and the shape when an axis is out of range or repeated.
std::vector<std::size_t> reduce_axes(const char* op, const std::vector<long>& axes,
                                     const Shape& shape);
/// Every axis of `shape`, in order (a full reduction).
std::vector<std::size_t> all_axes(const Shape& shape);
/// The shape left after reducing `axes`: dropped, or kept with extent 1 under keepdims.
Shape reduced_shape(const Shape& shape, const std::vector<std::size_t>& axes, bool keepdims);
/// How many elements each output element reduces (the product of the reduced extents).
std::size_t reduced_count(const Shape& shape, const std::vector<std::size_t>& axes);

/// Calls f(i, o) for every element of `shape` in row-major order: i is its flat index, o the flat
/// index of the output element it reduces into (the same with or without keepdims).
template <class F>
void for_each_reduced(const Shape& shape, const std::vector<std::size_t>& axes, F&& f) {
  const std::size_t rank = shape.size();
  const std::size_t total = shape_size(shape);
  if (total == 0) return;
  // out_stride[d]: the step in the output for a step along d (0 along a reduced axis).
  std::vector<std::size_t> out_stride(rank, 0);
  std::size_t s = 1;
  for (std::size_t d = rank; d-- > 0;)
    if (std::find(axes.begin(), axes.end(), d) == axes.end()) {
      out_stride[d] = s;
      s *= shape[d];
    }
  std::vector<std::size_t> idx(rank, 0);
  std::size_t o = 0;
  for (std::size_t i = 0; i < total; ++i) {
    f(i, o);
    for (std::size_t d = rank; d-- > 0;) {  // odometer: bump the last index, carry leftwards
      o += out_stride[d];
      if (++idx[d] < shape[d]) break;
      o -= out_stride[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/// One axis of a row-major shape seen as [outer, n, inner]: element (a, k, b) sits at flat index
/// (a * n + k) * inner + b, so the `n` elements of one line are `inner` apart.
struct AxisSplit {
  std::size_t outer = 1;
  std::size_t n = 1;
  std::size_t inner = 1;
};
AxisSplit split_at(const Shape& shape, std::size_t axis);

}  // namespace slope::detail
