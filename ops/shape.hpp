// SPDX-License-Identifier: MIT
// Ops that move elements without changing them: transpose, reshape, row slices, concatenation.
// Each gradient puts g's elements back where they came from.
#pragma once

#include <cstddef>
#include <vector>

#include "../graph/variable.hpp"

namespace slope {

/// y = x^T for a 2-D x: [M, N] -> [N, M]. dy/dx = g^T.
/// Throws ShapeError when x is not 2-D.
Variable transpose(const Variable& x);
/// y = x with its axes permuted: y.shape[d] = x.shape[perm[d]] (NumPy's transpose(x, perm)).
/// dy/dx = g permuted back by the inverse permutation.
/// Throws ShapeError when perm is not a permutation of 0..rank-1.
Variable transpose(const Variable& x, const std::vector<std::size_t>& perm);

/// y = x's elements, row-major, in `shape`. dy/dx = g reshaped to x's shape.
/// Throws ShapeError when the element counts differ.
Variable reshape(const Variable& x, const Shape& shape);

/// y = rows [begin, end) of axis 0: [N, ...] -> [end - begin, ...] (begin == end gives 0 rows).
/// dy/dx = g in those rows, 0 in the others.
/// Throws ShapeError when x is 0-D, begin > end or end > N.
Variable slice_rows(const Variable& x, std::size_t begin, std::size_t end);

/// y = the inputs joined along `axis` (negative counts from the end); every other extent must
/// match. dy/dx_i = the slice of g that x_i filled.
/// Throws ValueError for an empty list, TypeError when element types differ, ShapeError when
/// ranks or the other extents differ or the axis is out of range (all naming the inputs).
Variable concatenate(const std::vector<Variable>& xs, long axis = 0);

}  // namespace slope
