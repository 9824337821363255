// SPDX-License-Identifier: MIT
#include "linear.hpp"

#include <cmath>

#include <fmt/format.h>

#include "../graph/errors.hpp"
#include "../ops/linalg.hpp"
#include "init.hpp"
#include "seed.hpp"

namespace slope::nn {

Linear::Linear(std::size_t in, std::size_t out, LinearOptions options) : in_(in), out_(out) {
  if (in == 0 || out == 0)
    throw ValueError(fmt::format("Linear: in ({}) and out ({}) must be at least 1", in, out));
  const std::uint64_t seed = options.seed ? *options.seed : next_seed();
  // NOTE: kaiming_uniform with a = sqrt(5) gives the bound 1 / sqrt(in), PyTorch's default.
  weight_ =
      register_parameter("weight", init::kaiming_uniform({in, out}, seed, init::FanMode::fan_in,
                                                         init::Nonlinearity::leaky_relu,
                                                         std::sqrt(5.0), options.dtype));
  if (options.bias) {
    const double bound = 1.0 / std::sqrt(double(in));
    bias_ = register_parameter("bias",
                               init::uniform({out}, -bound, bound, seed ^ 0xb1a5, options.dtype));
  }
}

Variable Linear::forward(const Variable& x) {
  if (x.shape().size() != 2 || x.shape()[1] != in_)
    throw ShapeError(fmt::format("{}: expected x of shape (N, {}), got {}", describe(), in_,
                                 shape_str(x.shape())));
  return bias_.defined() ? linear(x, weight_, bias_) : matmul(x, weight_);
}

std::string Linear::describe() const {
  return fmt::format("Linear({}, {}{})", in_, out_, bias_.defined() ? "" : ", bias=false");
}

}  // namespace slope::nn
