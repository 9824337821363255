// SPDX-License-Identifier: MIT
// NumPy broadcasting: the shape two operands broadcast to, elementwise maps over it, and sum_to,
// which undoes a broadcast in a backward pass.
#pragma once

#include <fmt/format.h>

#include "errors.hpp"
#include "tensor.hpp"

namespace slope {

/// The broadcast shape of a and b; throws ShapeError naming the op and both shapes.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

/// Sums `g` down to `shape` (the inverse of broadcasting `shape` up to g's shape).
Tensor sum_to(const Tensor& g, const Shape& shape);

/// y = f(x) elementwise; `f` takes an xtensor expression (so xsimd vectorises it).
template <class F>
Tensor map(const Tensor& x, F&& f) {
  return x.visit([&f](const auto& a) -> Tensor {
    using A = std::decay_t<decltype(a)>;
    return A(f(a));
  });
}

/// z = f(a, b) elementwise with broadcasting; checks element types and shapes, naming `op`.
template <class F>
Tensor map2(const char* op, const Tensor& a, const Tensor& b, F&& f) {
  check_same_dtype(op, "lhs", a, "rhs", b);
  if (a.shape() != b.shape()) broadcast_shapes(op, a.shape(), b.shape());
  return a.visit([&b, &f](const auto& x) -> Tensor {
    using A = std::decay_t<decltype(x)>;
    const auto& y = b.get<typename A::value_type>();
    return A(f(x, y));
  });
}

}  // namespace slope
