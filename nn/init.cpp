// SPDX-License-Identifier: MIT
#include "init.hpp"

#include <cmath>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope::nn::init {

Fans fans(const Shape& shape) {
  if (shape.empty()) throw ShapeError("init: a scalar has no fans (shape ())");
  if (shape.size() == 1) return {double(shape[0]), double(shape[0])};
  if (shape.size() == 2) return {double(shape[0]), double(shape[1])};
  double field = 1;  // the kernel's extent
  for (std::size_t d = 2; d < shape.size(); ++d) field *= double(shape[d]);
  return {double(shape[1]) * field, double(shape[0]) * field};
}

double gain(Nonlinearity f, double a) {
  switch (f) {
    case Nonlinearity::relu:
      return std::sqrt(2.0);
    case Nonlinearity::leaky_relu:
      return std::sqrt(2.0 / (1.0 + a * a));
    case Nonlinearity::tanh:
      return 5.0 / 3.0;
    default:
      return 1.0;
  }
}

Tensor zeros(const Shape& shape, Dtype dtype) { return Tensor::zeros(shape, dtype); }

Tensor constant(const Shape& shape, double value, Dtype dtype) {
  return Tensor::full(shape, value, dtype);
}

Tensor normal(const Shape& shape, double mean, double std, std::uint64_t seed, Dtype dtype) {
  if (!(std >= 0) || !std::isfinite(std) || !std::isfinite(mean))
    throw ValueError(
        fmt::format("init::normal: mean {} and std {} must be finite, std >= 0", mean, std));
  Tensor t = randn(shape, seed, dtype, std);
  if (mean != 0)
    t.visit([mean](auto& a) {
      using T = typename std::decay_t<decltype(a)>::value_type;
      a += static_cast<T>(mean);
    });
  return t;
}

Tensor uniform(const Shape& shape, double low, double high, std::uint64_t seed, Dtype dtype) {
  if (!(low <= high) || !std::isfinite(low) || !std::isfinite(high))
    throw ValueError(
        fmt::format("init::uniform: bounds [{}, {}] must be finite with low <= high", low, high));
  return slope::uniform(shape, low, high, seed, dtype);
}

namespace {
double fan(const Shape& shape, FanMode mode) {
  const Fans f = fans(shape);
  return mode == FanMode::fan_in ? f.in : f.out;
}
// A zero-mean uniform distribution with standard deviation `std` spans +-std * sqrt(3).
Tensor uniform_with_std(const Shape& shape, double std, std::uint64_t seed, Dtype dtype) {
  const double bound = std * std::sqrt(3.0);
  return init::uniform(shape, -bound, bound, seed, dtype);
}
double xavier_std(const Shape& shape, double g) {
  const Fans f = fans(shape);
  return g * std::sqrt(2.0 / (f.in + f.out));
}
double kaiming_std(const Shape& shape, FanMode mode, Nonlinearity f, double a) {
  return gain(f, a) / std::sqrt(fan(shape, mode));
}
}  // namespace

Tensor xavier_normal(const Shape& shape, std::uint64_t seed, double g, Dtype dtype) {
  return init::normal(shape, 0.0, xavier_std(shape, g), seed, dtype);
}
Tensor xavier_uniform(const Shape& shape, std::uint64_t seed, double g, Dtype dtype) {
  return uniform_with_std(shape, xavier_std(shape, g), seed, dtype);
}
Tensor kaiming_normal(const Shape& shape, std::uint64_t seed, FanMode mode, Nonlinearity f,
                      double a, Dtype dtype) {
  return init::normal(shape, 0.0, kaiming_std(shape, mode, f, a), seed, dtype);
}
Tensor kaiming_uniform(const Shape& shape, std::uint64_t seed, FanMode mode, Nonlinearity f,
                       double a, Dtype dtype) {
  return uniform_with_std(shape, kaiming_std(shape, mode, f, a), seed, dtype);
}
Tensor lecun_normal(const Shape& shape, std::uint64_t seed, Dtype dtype) {
  return init::normal(shape, 0.0, 1.0 / std::sqrt(fan(shape, FanMode::fan_in)), seed, dtype);
}
Tensor lecun_uniform(const Shape& shape, std::uint64_t seed, Dtype dtype) {
  return uniform_with_std(shape, 1.0 / std::sqrt(fan(shape, FanMode::fan_in)), seed, dtype);
}

}  // namespace slope::nn::init
