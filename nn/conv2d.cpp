// SPDX-License-Identifier: MIT
#include "conv2d.hpp"

#include <cmath>

#include <fmt/format.h>

#include "../graph/errors.hpp"
#include "init.hpp"
#include "seed.hpp"

namespace slope::nn {

Conv2d::Conv2d(std::size_t in_channels, std::size_t out_channels, Size2 kernel,
               Conv2dOptions options)
    : in_(in_channels),
      out_(out_channels),
      kernel_(kernel),
      stride_(options.stride),
      padding_(options.padding) {
  if (in_ == 0 || out_ == 0 || kernel.h == 0 || kernel.w == 0)
    throw ValueError(fmt::format(
        "Conv2d: in_channels ({}), out_channels ({}) and the kernel ({}, {}) must be at least 1",
        in_, out_, kernel.h, kernel.w));
  const std::uint64_t seed = options.seed ? *options.seed : next_seed();
  // NOTE: kaiming_uniform with a = sqrt(5) gives the bound 1 / sqrt(fan_in), PyTorch's default.
  weight_ = register_parameter(
      "weight",
      init::kaiming_uniform({out_, in_, kernel.h, kernel.w}, seed, init::FanMode::fan_in,
                            init::Nonlinearity::leaky_relu, std::sqrt(5.0), options.dtype));
  if (options.bias) {
    const double bound = 1.0 / std::sqrt(double(in_ * kernel.h * kernel.w));
    bias_ = register_parameter("bias",
                               init::uniform({out_}, -bound, bound, seed ^ 0xb1a5, options.dtype));
  }
}

void Conv2d::check_input(const Variable& x) const {
  if (x.shape().size() != 4 || x.shape()[1] != in_)
    throw ShapeError(fmt::format("{}: expected x of shape (N, {}, H, W), got {}", describe(), in_,
                                 shape_str(x.shape())));
}

Variable Conv2d::forward(const Variable& x) {
  check_input(x);
  return conv2d(x, weight_, bias_, stride_, padding_);
}

std::string Conv2d::describe() const {
  return fmt::format("Conv2d({}, {}, kernel ({}, {}), stride ({}, {}), padding ({}, {}){})", in_,
                     out_, kernel_.h, kernel_.w, stride_.h, stride_.w, padding_.h, padding_.w,
                     bias_.defined() ? "" : ", bias=false");
}

}  // namespace slope::nn
