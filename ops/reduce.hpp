// SPDX-License-Identifier: MIT
// Reductions over all elements or over given axes.
#pragma once

#include <vector>

#include "../graph/variable.hpp"

namespace slope {

/// y = sum of all elements, shape (). dy/dx = 1 everywhere.
Variable sum(const Variable& x);
/// Sum over `axes` (negative counts from the end); `keepdims` keeps them as extent 1.
/// dy/dx = g broadcast back over the summed axes. Throws ShapeError for an axis out of range.
Variable sum(const Variable& x, const std::vector<long>& axes, bool keepdims = false);

}  // namespace slope
