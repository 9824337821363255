// SPDX-License-Identifier: MIT
// Indexing by class labels: picking each row's score of its label, and one-hot rows.
#pragma once

#include <cstddef>

#include "../graph/errors.hpp"
#include "../graph/variable.hpp"

namespace slope {

/// y_i = x[i, y_i] (the lecture's scores[i, y_i]): x [N, C], labels [N] -> [N].
/// dy/dx = g_i at (i, y_i), 0 elsewhere.
/// Throws ShapeError when x is not 2-D, ValueError when the label count is not N or a label is
/// negative or >= C (naming the index and the value).
Variable gather(const Variable& x, const Labels& y);

/// A constant [N, classes] tensor with 1 at (i, y_i) and 0 elsewhere, of element type `dtype`.
/// NOTE: not differentiable (labels are integers) and not a registered op: the result is a
/// leaf with requires_grad off. Throws ValueError for a label that is negative or >= classes.
Variable one_hot(const Labels& y, std::size_t classes, Dtype dtype = Dtype::float64);

namespace detail {
// NOTE: the label check lives in graph/errors.hpp (check_labels); one_hot.cpp still names it here.
using slope::check_labels;
}  // namespace detail

}  // namespace slope
