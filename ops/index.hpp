// SPDX-License-Identifier: MIT
// Indexing by class labels: picking each row's score of its label, and one-hot rows.
#pragma once

#include <cstddef>

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
/// Throws ValueError "<op>: label y[2] = 7 is out of range [0, 5) (x shape (4, 5))" for the first
/// label outside [0, classes); `shape` is the shape to name (the scores'), empty for none.
void check_labels(const char* op, const Labels& y, std::size_t classes, const Shape& shape);
}  // namespace detail

}  // namespace slope
