// SPDX-License-Identifier: MIT
// Matrix products, through BLAS.
#pragma once

#include "../graph/variable.hpp"

namespace slope {

/// y = a b for a [M, K] and b [K, N] -> [M, N]. dy/da = g b^T, dy/db = a^T g.
/// Throws ShapeError naming both shapes when they are not 2-D or K differs.
Variable matmul(const Variable& a, const Variable& b);
/// y = x W + b (an affine layer, fused): x [N, D], W [D, C], b [C] -> [N, C].
/// dy/dx = g W^T, dy/dW = x^T g, dy/db = column sums of g.
Variable linear(const Variable& x, const Variable& w, const Variable& b);

}  // namespace slope
