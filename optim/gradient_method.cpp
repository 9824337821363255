// SPDX-License-Identifier: MIT
// What the gradient methods share.
#include "gradient_method.hpp"

#include <cmath>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope {

namespace detail {

void check_positive(const char* who, const char* name, double v) {
  if (!(v > 0 && std::isfinite(v)))
    throw ValueError(fmt::format("{}: {} must be positive ({} {})", who, name, name, v));
}

void check_in_range(const char* who, const char* name, double v, double lo, double hi) {
  if (!(v >= lo && v < hi))
    throw ValueError(fmt::format("{}: {} must be in [{}, {}) ({} {})", who, name, lo, hi, name, v));
}

void check_gradient_options(const char* who, const GradientOptions& o) {
  check_positive(who, "step_size", o.step_size);
  if (!(o.weight_decay >= 0 && std::isfinite(o.weight_decay)))
    throw ValueError(
        fmt::format("{}: weight_decay must be >= 0 (weight_decay {})", who, o.weight_decay));
  if (!(o.clip_norm >= 0 && std::isfinite(o.clip_norm)))
    throw ValueError(fmt::format("{}: clip_norm must be >= 0 (clip_norm {})", who, o.clip_norm));
}

double clip_grad_norm(std::vector<Variable>& params, double c) {
  const double norm = global_grad_norm(params);
  // NOTE: a NaN norm fails the test and passes through unscaled; fit() then reports the NaN loss.
  if (norm > c) {
    const double scale = c / norm;
    for (auto& p : params) {
      if (!p.has_grad()) continue;
      p.grad().visit([scale](auto& g) {
        using T = typename std::decay_t<decltype(g)>::value_type;
        const T s = static_cast<T>(scale);
        T* d = g.data();
        for (std::size_t i = 0; i < g.size(); ++i) d[i] *= s;
      });
    }
  }
  return norm;
}

void shrink(float* w, std::size_t n, double a) {
  const float keep = static_cast<float>(1 - a);
  for (std::size_t i = 0; i < n; ++i) w[i] *= keep;
}
void shrink(double* w, std::size_t n, double a) {
  const double keep = 1 - a;
  for (std::size_t i = 0; i < n; ++i) w[i] *= keep;
}

}  // namespace detail

}  // namespace slope
