// SPDX-License-Identifier: MIT
// softmax and log_softmax share one file: the same line kernels, forward and backward.
#include "softmax.hpp"

#include <cmath>

#include "axes.hpp"
#include "elementwise.hpp"
#include "op_cases.hpp"
#include "op_helpers.hpp"
#include "row_softmax.hpp"

namespace slope {

namespace {
enum class Kind { softmax, log_softmax };

// One line of n elements, `stride` apart. Called with a literal stride of 1 for the last axis,
// so the common case inlines to a contiguous loop.
template <class T>
void softmax_line(const T* x, T* y, std::size_t n, std::size_t stride) {
  T m = x[0];
  for (std::size_t k = 1; k < n; ++k) m = std::max(m, x[k * stride]);
  double s = 0;
  for (std::size_t k = 0; k < n; ++k) s += (y[k * stride] = std::exp(x[k * stride] - m));
  const T inv = static_cast<T>(1.0 / s);
  for (std::size_t k = 0; k < n; ++k) y[k * stride] *= inv;
}

template <class T>
void log_softmax_line(const T* x, T* y, std::size_t n, std::size_t stride) {
  T m = x[0];
  for (std::size_t k = 1; k < n; ++k) m = std::max(m, x[k * stride]);
  double s = 0;
  for (std::size_t k = 0; k < n; ++k) s += std::exp(x[k * stride] - m);
  // NOTE: (x - m) - log(s), not x - (m + log(s)): near 1e4 the sum would round away digits.
  const T ls = static_cast<T>(std::log(s));
  for (std::size_t k = 0; k < n; ++k) y[k * stride] = (x[k * stride] - m) - ls;
}

template <class T>
double sum_of_line(const T* g, std::size_t n, std::size_t stride) {
  double s = 0;
  for (std::size_t k = 0; k < n; ++k) s += static_cast<double>(g[k * stride]);
  return s;
}

// dx (+)= y * (g - sum(g * y)); `fresh` overwrites instead of adding.
template <class T>
void softmax_back_line(const T* y, const T* g, T* dx, std::size_t n, std::size_t stride,
                       bool fresh) {
  double sum = 0;
  for (std::size_t k = 0; k < n; ++k) sum += static_cast<double>(g[k * stride] * y[k * stride]);
  const T dot = static_cast<T>(sum);
  for (std::size_t k = 0; k < n; ++k) {
    const T v = y[k * stride] * (g[k * stride] - dot);
    dx[k * stride] = fresh ? v : dx[k * stride] + v;
  }
}

// dx (+)= g - exp(y) * sum(g).
template <class T>
void log_softmax_back_line(const T* y, const T* g, T* dx, std::size_t n, std::size_t stride,
                           bool fresh) {
  const T total = static_cast<T>(sum_of_line(g, n, stride));
  for (std::size_t k = 0; k < n; ++k) {
    const T v = g[k * stride] - std::exp(y[k * stride]) * total;
    dx[k * stride] = fresh ? v : dx[k * stride] + v;
  }
}

// The same for one contiguous row, given p = exp(y) already.
template <class T>
void log_softmax_back_rows(const T* p, const T* g, T* dx, std::size_t n, bool fresh) {
  const T total = static_cast<T>(detail::sum_of(g, n));
  for (std::size_t k = 0; k < n; ++k) {
    const T v = g[k] - p[k] * total;
    dx[k] = fresh ? v : dx[k] + v;
  }
}

// Runs `line(offset, stride)` over every line along the split axis.
template <class Line>
void for_each_line(const detail::AxisSplit& sp, Line&& line) {
  if (sp.n == 0) return;  // nothing to normalise: the output is empty too
  if (sp.inner == 1) {
    for (std::size_t a = 0; a < sp.outer; ++a) line(a * sp.n, std::size_t{1});
    return;
  }
  for (std::size_t a = 0; a < sp.outer; ++a)
    for (std::size_t b = 0; b < sp.inner; ++b) line(a * sp.n * sp.inner + b, sp.inner);
}

template <Kind kind>
Variable softmax_node(const Variable& x, long axis) {
  constexpr const char* op = kind == Kind::softmax ? "softmax" : "log_softmax";
  const detail::AxisSplit sp = detail::split_at(x.shape(), normalize_axis(op, axis, x.shape()));
  Tensor y = x.value().visit([&](const auto& xv) -> Tensor {
    using A = std::decay_t<decltype(xv)>;
    using T = typename A::value_type;
    A out(xv.shape());
    if (sp.inner == 1 && sp.n > 0) {  // the last axis: contiguous rows
      detail::row_softmax(xv, out, sp.n, kind == Kind::log_softmax);
      return out;
    }
    const T* xp = xv.data();
    T* yp = out.data();
    for_each_line(sp, [&](std::size_t at, std::size_t stride) {
      if constexpr (kind == Kind::softmax)
        softmax_line(xp + at, yp + at, sp.n, stride);
      else
        log_softmax_line(xp + at, yp + at, sp.n, stride);
    });
    return out;
  });
  // Residual: the output (both backwards need y, not x). Copied only when a gradient can flow.
  Tensor saved = x.requires_grad() && grad_enabled() ? y : Tensor();
  return make_node(
      op, std::move(y), {x},
      // why hand-written: exp(x - max) / sum composed takes five nodes; the backward needs only y.
      [sp, saved = std::move(saved)](const Tensor& g, Inputs& in) {
        bool fresh = false;
        Tensor& slot = in[0].grad_slot(&fresh);
        slot.visit([&](auto& d) {
          using T = detail::value_t<decltype(d)>;
          using A = std::decay_t<decltype(d)>;
          const T* yp = saved.data<T>();
          const T* gp = g.data<T>();
          T* dp = d.data();
          if constexpr (kind == Kind::log_softmax) {
            if (sp.inner == 1) {  // rows: one vectorised exp(y), as in the forward
              const A p = xt::exp(saved.get<T>());
              for (std::size_t r = 0; r < sp.outer; ++r)
                log_softmax_back_rows(p.data() + r * sp.n, gp + r * sp.n, dp + r * sp.n, sp.n,
                                      fresh);
              return;
            }
          }
          for_each_line(sp, [&](std::size_t at, std::size_t stride) {
            if constexpr (kind == Kind::softmax)
              softmax_back_line(yp + at, gp + at, dp + at, sp.n, stride, fresh);
            else
              log_softmax_back_line(yp + at, gp + at, dp + at, sp.n, stride, fresh);
          });
        });
      },
      [axis](const Inputs& in) { return softmax_node<kind>(in[0], axis); });
}
}  // namespace

Variable softmax(const Variable& x, long axis) { return softmax_node<Kind::softmax>(x, axis); }
Variable log_softmax(const Variable& x, long axis) {
  return softmax_node<Kind::log_softmax>(x, axis);
}

namespace {
template <Kind kind>
std::vector<OpCase> softmax_cases(std::uint64_t seed) {
  auto last = [](const Inputs& in) { return softmax_node<kind>(in[0], -1); };
  return {
      {"matrix", {randn({3, 4}, seed)}, last},
      {"vector", {randn({5}, seed + 1)}, last},
      {"axis0",
       {randn({3, 4}, seed + 2)},
       [](const Inputs& in) { return softmax_node<kind>(in[0], 0); }},
      {"tensor3_axis1",
       {randn({2, 3, 4}, seed + 3)},
       [](const Inputs& in) { return softmax_node<kind>(in[0], 1); }},
      {"reuse",
       {randn({2, 3}, seed + 4)},
       [](const Inputs& in) { return mul(softmax_node<kind>(in[0], -1), in[0]); }},
  };
}
const OpRegistration kSoftmax("softmax", softmax_cases<Kind::softmax>);
const OpRegistration kLogSoftmax("log_softmax", softmax_cases<Kind::log_softmax>);
}  // namespace

}  // namespace slope
