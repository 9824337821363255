// SPDX-License-Identifier: MIT
// Elementwise ops. Binary ops broadcast as NumPy does; each input's gradient is summed back to
// its own shape. Mixed element types throw TypeError; shapes that do not broadcast, ShapeError.
#pragma once

#include "../graph/variable.hpp"

namespace slope {

/// y = a + b. dy/da = 1, dy/db = 1 (summed over broadcast axes).
Variable add(const Variable& a, const Variable& b);
/// y = a * b. dy/da = b, dy/db = a (summed over broadcast axes).
Variable mul(const Variable& a, const Variable& b);
/// y = max(x, 0). dy/dx = 1 where x > 0, else 0 (0 at the kink x = 0).
Variable relu(const Variable& x);

/// A constant scalar of x's element type (broadcasts against anything).
Variable scalar_like(const Variable& x, double value);

inline Variable operator+(const Variable& a, const Variable& b) { return add(a, b); }
inline Variable operator*(const Variable& a, const Variable& b) { return mul(a, b); }
inline Variable operator+(const Variable& a, double s) { return add(a, scalar_like(a, s)); }
inline Variable operator+(double s, const Variable& a) { return add(scalar_like(a, s), a); }
inline Variable operator*(const Variable& a, double s) { return mul(a, scalar_like(a, s)); }
inline Variable operator*(double s, const Variable& a) { return mul(scalar_like(a, s), a); }

}  // namespace slope
