// SPDX-License-Identifier: MIT
// Initialisers: seeded tensors of a given shape, from a constant to Kaiming's He initialisation.
// Fans follow slope's layouts: a 2-D weight is [in, out] (linear's x W), a weight of 3 or more
// dimensions is [out, in, k...] (a convolution's OIHW), so fan_in = in * k... and fan_out = out *
// k...; a 1-D tensor (a bias) has fan_in = fan_out = its size.
#pragma once

#include <cstdint>

#include "../graph/tensor.hpp"

namespace slope::nn::init {

struct Fans {
  double in = 1;
  double out = 1;
};
/// The fans of a weight of this shape (see above). Throws ShapeError for a 0-D shape.
Fans fans(const Shape& shape);

enum class FanMode { fan_in, fan_out };
enum class Nonlinearity { linear, relu, leaky_relu, tanh, sigmoid };
/// The recommended gain (PyTorch's calculate_gain): linear and sigmoid 1, relu sqrt(2), tanh 5/3,
/// leaky_relu sqrt(2 / (1 + a^2)) with negative slope `a`.
double gain(Nonlinearity f, double a = 0.01);

Tensor zeros(const Shape& shape, Dtype dtype = Dtype::float32);
Tensor constant(const Shape& shape, double value, Dtype dtype = Dtype::float32);
/// N(mean, std^2). Throws ValueError for a negative or non-finite std.
Tensor normal(const Shape& shape, double mean, double std, std::uint64_t seed,
              Dtype dtype = Dtype::float32);
/// U(low, high). Throws ValueError unless low <= high, both finite.
Tensor uniform(const Shape& shape, double low, double high, std::uint64_t seed,
               Dtype dtype = Dtype::float32);
/// Glorot: std = gain * sqrt(2 / (fan_in + fan_out)); uniform bound = std * sqrt(3).
Tensor xavier_normal(const Shape& shape, std::uint64_t seed, double gain = 1.0,
                     Dtype dtype = Dtype::float32);
Tensor xavier_uniform(const Shape& shape, std::uint64_t seed, double gain = 1.0,
                      Dtype dtype = Dtype::float32);
/// He: std = gain(f, a) / sqrt(fan), fan by `mode`; uniform bound = std * sqrt(3).
Tensor kaiming_normal(const Shape& shape, std::uint64_t seed, FanMode mode = FanMode::fan_in,
                      Nonlinearity f = Nonlinearity::relu, double a = 0.0,
                      Dtype dtype = Dtype::float32);
Tensor kaiming_uniform(const Shape& shape, std::uint64_t seed, FanMode mode = FanMode::fan_in,
                       Nonlinearity f = Nonlinearity::relu, double a = 0.0,
                       Dtype dtype = Dtype::float32);
/// LeCun: std = 1 / sqrt(fan_in); uniform bound = sqrt(3 / fan_in).
Tensor lecun_normal(const Shape& shape, std::uint64_t seed, Dtype dtype = Dtype::float32);
Tensor lecun_uniform(const Shape& shape, std::uint64_t seed, Dtype dtype = Dtype::float32);

}  // namespace slope::nn::init
