// SPDX-License-Identifier: MIT
// What hand-written op files share: the element type of a typed array, writing or accumulating a
// gradient in one pass, the kink record of an elementwise op, and the NaN rule of ops that
// compare. Internal: not part of <slope/slope.hpp>.
#pragma once

#include <cstddef>
#include <limits>
#include <type_traits>

#include "../graph/broadcast.hpp"
#include "../graph/variable.hpp"

namespace slope::detail {

/// The element type of a typed array (or of an xtensor expression): float or double.
template <class A>
using value_t = typename std::decay_t<A>::value_type;

/// d[i] = f(i) for i < n when `fresh` (a new, uninitialised buffer), else d[i] += f(i).
template <class T, class F>
void write_or_add(T* d, std::size_t n, bool fresh, F&& f) {
  if (fresh)
    for (std::size_t i = 0; i < n; ++i) d[i] = f(i);
  else
    for (std::size_t i = 0; i < n; ++i) d[i] += f(i);
}

/// x's gradient (+)= f(i) elementwise, in one pass over x's own buffer: no temporary tensor.
template <class T, class F>
void write_or_add_grad(const Variable& x, F&& f) {
  bool fresh = false;
  T* d = x.grad_slot(&fresh).template data<T>();
  write_or_add(d, x.size(), fresh, f);
}

/// x's gradient (+)= f(g_i, x_i) elementwise, for g of x's shape: the backward of a unary
/// elementwise op, in one pass with no temporary. f is called with two floats or two doubles.
template <class F>
void add_unary_grad(const Variable& x, const Tensor& g, F&& f) {
  g.visit([&](const auto& ga) {
    using T = value_t<decltype(ga)>;
    const T* a = x.value().data<T>();
    const T* gp = ga.data();
    write_or_add_grad<T>(x, [&](std::size_t i) { return f(gp[i], a[i]); });
  });
}

/// While branch_recording() is on, records for each element v of `x` which side of the op's kinks
/// it sits on (`side(v)`, a small integer) and whether it sits on one (`on_kink(v)`).
template <class Side, class OnKink>
void record_kinks(const Variable& out, const Tensor& x, Side side, OnKink on_kink) {
  if (!branch_recording() || !out.requires_grad()) return;
  x.visit([&](const auto& a) {
    const auto* p = a.data();
    out.node()->branches = record_branches(
        a.size(), [&](std::size_t i) { return side(p[i]); },
        [&](std::size_t i) { return on_kink(p[i]); });
  });
}

// NOTE: the NaN rule of ops that compare (relu, abs, clamp, maximum, minimum, max, the hinges, l1):
// a comparison with NaN has no answer, so a NaN input gives a NaN output and a NaN gradient for
// that element, never a silent 0 (PyTorch's forward rule, applied to the gradient as well).

/// NaN when v is NaN, else `otherwise`.
template <class T>
T nan_or(T v, T otherwise) {
  return v != v ? v : otherwise;
}

/// -1, 0 or 1 in w's type: the subgradient of |w| (0 at the kink w = 0); NaN for NaN.
template <class T>
T sign_of(T w) {
  return nan_or(w, static_cast<T>((w > T(0)) - (w < T(0))));
}

/// Sets the gradient of every NaN element of `x` to NaN (after a backward that selected by a
/// comparison and so gave it 0 or g); `dx` has x's shape and element type.
inline void nan_where_nan(Tensor& dx, const Tensor& x) {
  dx.visit([&x](auto& d) {
    using T = value_t<decltype(d)>;
    const T* xp = x.data<T>();
    T* dp = d.data();
    for (std::size_t i = 0; i < d.size(); ++i)
      if (xp[i] != xp[i]) dp[i] = xp[i];
  });
}

}  // namespace slope::detail
