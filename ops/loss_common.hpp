// SPDX-License-Identifier: MIT
// What the loss nodes share: the reduction of per-example losses, and the one-pass backward that
// scales the residual dL_i/ds_i into the gradient. Internal: not part of <slope/slope.hpp>.
#pragma once

#include <vector>

#include "../graph/variable.hpp"
#include "loss.hpp"

namespace slope::detail {

/// The node value from per-example losses accumulated in double: their mean or sum (shape ()),
/// or the losses themselves (shape [N]) for Reduction::none; of element type `dtype`.
Tensor reduce_losses(const std::vector<double>& losses, Reduction reduction, Dtype dtype);

/// grad(x) (+)= r[i, :] * w_i for r = dL_i/ds_i [N, C]: w_i = g / N (mean), g (sum) or g[i]
/// (none). Overwrites a fresh gradient buffer, adds to an existing one.
void add_scaled_rows(const Variable& x, const Tensor& r, const Tensor& g, Reduction reduction);

}  // namespace slope::detail
