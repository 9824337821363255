// SPDX-License-Identifier: MIT
// Elementwise ops. Binary ops broadcast as NumPy does; each input's gradient is summed back to
// its own shape. Mixed element types throw TypeError; shapes that do not broadcast, ShapeError.
// Inputs outside an op's domain throw ValueError naming the op, the offending value and its flat
// index: no op turns good input into a silent NaN. A NaN input gives a NaN output (PyTorch's rule),
// and ops that compare give the NaN element a NaN gradient (docs/ops.md, "NaN in, NaN out").
#pragma once

#include "../graph/variable.hpp"

namespace slope {

/// y = a + b. dy/da = 1, dy/db = 1 (summed over broadcast axes).
Variable add(const Variable& a, const Variable& b);
/// y = a * b. dy/da = b, dy/db = a (summed over broadcast axes).
Variable mul(const Variable& a, const Variable& b);
/// y = max(x, 0). dy/dx = 1 where x > 0, else 0 (0 at the kink x = 0). NaN gives NaN, both ways.
Variable relu(const Variable& x);

/// A constant scalar of x's element type (broadcasts against anything).
Variable scalar_like(const Variable& x, double value);

// ---- binary, broadcasting ----

/// y = a - b. dy/da = 1, dy/db = -1 (summed over broadcast axes).
Variable sub(const Variable& a, const Variable& b);
/// y = a / b. dy/da = 1 / b, dy/db = -a / b^2 (summed over broadcast axes).
/// Throws ValueError when b has a zero (naming its flat index): x / 0 would give inf or NaN.
Variable div(const Variable& a, const Variable& b);
/// y = max(a, b) elementwise. dy/da = 1 where a >= b, else 0; dy/db = 1 where b > a.
/// NOTE: at a tie (a kink) the whole gradient goes to a, the first input. A NaN on either side
/// gives NaN, and a NaN gradient to that side.
Variable maximum(const Variable& a, const Variable& b);
/// y = min(a, b) elementwise. dy/da = 1 where a <= b, else 0; dy/db = 1 where b < a.
/// NOTE: at a tie (a kink) the whole gradient goes to a, the first input.
Variable minimum(const Variable& a, const Variable& b);

// ---- unary ----

/// y = -x. dy/dx = -1. Any shape.
Variable neg(const Variable& x);
/// y = e^x. dy/dx = e^x. Overflows to inf for x above ~88 (float32) or ~709 (float64).
Variable exp(const Variable& x);
/// y = ln x. dy/dx = 1 / x. Throws ValueError for x <= 0 (or NaN), naming the first such element.
Variable log(const Variable& x);
/// y = sqrt(x). dy/dx = 1 / (2 sqrt(x)), +inf at x = 0 (as in PyTorch).
/// Throws ValueError for x < 0 (or NaN), naming the first such element.
Variable sqrt(const Variable& x);
/// y = x^p for a constant p. dy/dx = p x^(p-1) (0 everywhere when p = 0).
/// Throws ValueError for x < 0 with a non-integer p (NaN), x = 0 with p < 0 (inf) and a NaN p.
/// Overflow gives inf (1e200^2, as exp(1000)); a NaN x gives NaN for an integer p.
Variable pow(const Variable& x, double p);
/// y = |x|. dy/dx = sign(x); the kink x = 0 gets the subgradient 0.
Variable abs(const Variable& x);
/// y = x^2. dy/dx = 2x.
Variable square(const Variable& x);
/// y = 1 / (1 + e^-x). dy/dx = y (1 - y). Saturates to 0 or 1 without overflow.
Variable sigmoid(const Variable& x);
/// y = tanh(x). dy/dx = 1 - y^2.
Variable tanh(const Variable& x);
/// y = min(max(x, lo), hi). dy/dx = 1 where lo <= x <= hi, else 0 (as PyTorch's clamp: the kinks
/// x = lo and x = hi pass the gradient). Throws ValueError when lo > hi or either is NaN.
Variable clamp(const Variable& x, double lo, double hi);

// ---- selection ----

/// y = a where mask != 0, else b; mask, a and b broadcast together (mask may be float32 or
/// float64, a and b must share a type). dy/da = 1 where mask != 0, dy/db = 1 where mask == 0
/// (each summed back to its shape); the mask is a constant. Throws ShapeError naming all three
/// shapes when they do not broadcast, ValueError for a NaN in the mask.
Variable where(const Tensor& mask, const Variable& a, const Variable& b);

// ---- operators ----

inline Variable operator+(const Variable& a, const Variable& b) { return add(a, b); }
inline Variable operator*(const Variable& a, const Variable& b) { return mul(a, b); }
inline Variable operator+(const Variable& a, double s) { return add(a, scalar_like(a, s)); }
inline Variable operator+(double s, const Variable& a) { return add(scalar_like(a, s), a); }
inline Variable operator*(const Variable& a, double s) { return mul(a, scalar_like(a, s)); }
inline Variable operator*(double s, const Variable& a) { return mul(scalar_like(a, s), a); }

inline Variable operator-(const Variable& x) { return neg(x); }
inline Variable operator-(const Variable& a, const Variable& b) { return sub(a, b); }
inline Variable operator-(const Variable& a, double s) { return sub(a, scalar_like(a, s)); }
inline Variable operator-(double s, const Variable& a) { return sub(scalar_like(a, s), a); }
inline Variable operator/(const Variable& a, const Variable& b) { return div(a, b); }
inline Variable operator/(const Variable& a, double s) { return div(a, scalar_like(a, s)); }
inline Variable operator/(double s, const Variable& a) { return div(scalar_like(a, s), a); }

}  // namespace slope
