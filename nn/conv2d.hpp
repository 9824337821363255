// SPDX-License-Identifier: MIT
// Conv2d: the convolution layer, owning its OIHW weight and its bias (ops/conv.hpp's conv2d).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "../ops/conv.hpp"
#include "module.hpp"

namespace slope::nn {

struct Conv2dOptions {
  Size2 stride = 1;
  Size2 padding = 0;
  bool bias = true;
  /// Seeds the initialisation; by default the next of nn::next_seed().
  std::optional<std::uint64_t> seed;
  Dtype dtype = Dtype::float32;
};

/// Parameters "weight" [out, in, KH, KW] and "bias" [out]. Default initialisation: PyTorch's,
/// Kaiming-uniform with a = sqrt(5), that is W ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
/// fan_in = in KH KW, and the same bound for b. forward takes x [N, in, H, W] and returns
/// conv2d(x, W, b, stride, padding).
class Conv2d : public Module {
 public:
  /// Throws ValueError when a channel count or a kernel extent is 0.
  Conv2d(std::size_t in_channels, std::size_t out_channels, Size2 kernel,
         Conv2dOptions options = {});
  Conv2d(std::size_t in_channels, std::size_t out_channels, Size2 kernel, Size2 stride,
         Size2 padding, bool bias = true)
      : Conv2d(in_channels, out_channels, kernel,
               Conv2dOptions{stride, padding, bias, std::nullopt, Dtype::float32}) {}
  /// Throws ShapeError naming the layer when x is not [N, in, H, W] (and conv2d's errors).
  Variable forward(const Variable& x) override;
  /// This layer, ReLU and MaxPool2d(pool) (windows that tile) as a block of
  /// conv2d_relu_max_pool2d (ops/conv.hpp): the same values and gradients, faster. Sequential runs
  /// consecutive blocks as one.
  ConvReluPool relu_max_pool2d_block(Size2 pool) const {
    return {weight_, bias_, stride_, padding_, pool};
  }
  /// Throws ShapeError naming the layer unless x is [N, in, H, W].
  void check_input(const Variable& x) const;
  std::size_t in_channels() const { return in_; }
  std::size_t out_channels() const { return out_; }
  /// "Conv2d(1, 32, kernel (5, 5), stride (1, 1), padding (2, 2))".
  std::string describe() const override;
  const Variable& weight() const { return weight_; }
  const Variable& bias() const { return bias_; }  ///< null without a bias

 private:
  std::size_t in_, out_;
  Size2 kernel_, stride_, padding_;
  Variable weight_, bias_;
};

}  // namespace slope::nn
