// SPDX-License-Identifier: MIT
// Axis bookkeeping shared by the reductions (mean, max) and the single-axis ops (logsumexp,
// softmax, concatenate), without xtensor reducers (0.24.3 mis-broadcasts lazy keep_dims reducers,
// and their small-array overhead shows). The walk itself, for_each_reduced, is in
// graph/broadcast.hpp.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "../graph/broadcast.hpp"  // detail::for_each_reduced, detail::sum_over
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

/// One axis of a row-major shape seen as [outer, n, inner]: element (a, k, b) sits at flat index
/// (a * n + k) * inner + b, so the `n` elements of one line are `inner` apart.
struct AxisSplit {
  std::size_t outer = 1;
  std::size_t n = 1;
  std::size_t inner = 1;
};
AxisSplit split_at(const Shape& shape, std::size_t axis);

}  // namespace slope::detail
