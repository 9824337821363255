// SPDX-License-Identifier: MIT
// What the gradient methods share.
#include "gradient_method.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope {

namespace detail {

void check_gradient_options(const char* who, const GradientOptions& o) {
  check_positive(who, "step_size", o.step_size);
  if (!(o.weight_decay >= 0 && std::isfinite(o.weight_decay)))
    throw ValueError(
        fmt::format("{}: weight_decay must be >= 0 (weight_decay {})", who, o.weight_decay));
  if (!(o.clip_norm >= 0 && std::isfinite(o.clip_norm)))
    throw ValueError(fmt::format("{}: clip_norm must be >= 0 (clip_norm {})", who, o.clip_norm));
}

namespace {
// Calls f(data, size) on every parameter's gradient, as float or double.
template <class F>
void for_each_grad(std::vector<Variable>& params, F f) {
  for (auto& p : params)
    if (p.has_grad()) p.grad().visit([&f](auto& g) { f(g.data(), g.size()); });
}
}  // namespace

double clip_grad_norm(std::vector<Variable>& params, double c) {
  // NOTE: the gradients are finite here (GradientMethod::step checks them first).
  double norm = global_grad_norm(params);
  if (!(norm > c)) return norm;
  // Each gradient becomes (g / unit) * scale, which is g * c / norm.
  double unit = 1;
  double scale = c / norm;
  if (std::isinf(norm)) {
    // Finite gradients above about 1e154 overflow the sum of squares, and c / inf = 0 would be a
    // silent zero step: take the norm of the gradients divided by their largest magnitude.
    double big = 0;
    for_each_grad(params, [&big](const auto* g, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i) big = std::max(big, std::abs(static_cast<double>(g[i])));
    });
    double sq = 0;
    for_each_grad(params, [&sq, big](const auto* g, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i) {
        const double v = static_cast<double>(g[i]) / big;
        sq += v * v;
      }
    });
    const double s = std::sqrt(sq);
    norm = big * s;  // inf only when the norm itself is beyond double's range
    unit = big;
    scale = c / s;
  }
  // In double: c / norm can be below float32's smallest normal number.
  for_each_grad(params, [unit, scale](auto* g, std::size_t n) {
    using T = std::decay_t<decltype(*g)>;
    for (std::size_t i = 0; i < n; ++i)
      g[i] = static_cast<T>(static_cast<double>(g[i]) / unit * scale);
  });
  return norm;
}

void throw_no_fields(const char* who) {
  throw ValueError(
      fmt::format("{}: its update rule does not list its state tensors (a fields() member, see "
                  "gradient_method.hpp), so its state cannot be exported or loaded",
                  who));
}

void check_state_count(const char* who, const OptimizerState& s, const std::string& prefix,
                       std::size_t n) {
  const std::size_t held = count_indexed(s, prefix);
  if (held != n)
    throw ValueError(
        fmt::format("{}: load_state: the state holds entries for {} parameters "
                    "(\"{}0\" ...), but the objective has {}",
                    who, held, prefix, n));
}

void check_param_matches(const char* who, const std::string& name, const Variable& p,
                         const ParamSpec& spec) {
  const Tensor& w = p.value();
  const Tensor& g = p.grad();
  const bool shapes_ok = w.shape() == spec.shape && g.shape() == spec.shape;
  if (shapes_ok && w.dtype() == spec.dtype && g.dtype() == spec.dtype) return;
  const std::string what = fmt::format(
      "{}: {} is now shape {} {} (gradient shape {} {}), but its state was made for "
      "shape {} {}; call begin() again after replacing a parameter",
      who, name, shape_str(w.shape()), dtype_name(w.dtype()), shape_str(g.shape()),
      dtype_name(g.dtype()), shape_str(spec.shape), dtype_name(spec.dtype));
  if (shapes_ok) throw TypeError(what);
  throw ShapeError(what);
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
