// SPDX-License-Identifier: MIT
// What the loss and regularizer nodes share: argument checks, the reduction of per-example
// losses, and the one-pass backward that scales the residual dL_i/ds_i into the gradient.
// Internal: not part of <slope/slope.hpp>.
#pragma once

#include <vector>

#include "../graph/variable.hpp"
#include "loss.hpp"

namespace slope::detail {

/// Throws ShapeError "<op>: expected a 2-D scores, got shape (3)"; ValueError for an empty batch
/// or no classes, labels of the wrong length, or a label < 0 or >= C, worded as gather's:
/// "<op>: label y[2] = 7 is out of range [0, 5) (scores shape (4, 5))".
void check_scores_and_labels(const char* op, const Shape& scores, const Labels& y);

/// Throws ValueError "<op>: <name> must be finite and >= 0 (<name> -1)" (NaN and inf too).
void check_coefficient(const char* op, const char* name, double value);

/// The node value from per-example losses accumulated in double: their mean or sum (shape ()),
/// or the losses themselves (shape [N]) for Reduction::none; of element type `dtype`.
Tensor reduce_losses(const std::vector<double>& losses, Reduction reduction, Dtype dtype);

/// grad(x) (+)= r[i, :] * w_i for r = dL_i/ds_i [N, C]: w_i = g / N (mean), g (sum) or g[i]
/// (none). Overwrites a fresh gradient buffer, adds to an existing one.
void add_scaled_rows(const Variable& x, const Tensor& r, const Tensor& g, Reduction reduction);

}  // namespace slope::detail
