// SPDX-License-Identifier: MIT
// Pooling layers: no parameters, max_pool2d or avg_pool2d (ops/conv.hpp) with a fixed window.
#pragma once

#include <string>

#include "../ops/conv.hpp"
#include "module.hpp"

namespace slope::nn {

/// The window of a pooling layer; the stride defaults to the kernel (windows that tile).
struct PoolWindow {
  Size2 kernel;
  Size2 stride;
  Size2 padding;
  /// "kernel (2, 2), stride (2, 2), padding (0, 0)".
  std::string describe() const;
  /// Whether the windows tile the input: the stride is the kernel, no padding.
  bool tiles() const {
    return stride.h == kernel.h && stride.w == kernel.w && padding.h == 0 && padding.w == 0;
  }
};

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Size2 kernel) : MaxPool2d(kernel, kernel) {}
  MaxPool2d(Size2 kernel, Size2 stride, Size2 padding = 0) : window_{kernel, stride, padding} {}
  /// max_pool2d(x, kernel, stride, padding); its errors name the shape and the window.
  Variable forward(const Variable& x) override;
  std::string describe() const override { return "MaxPool2d(" + window_.describe() + ")"; }
  const PoolWindow& window() const { return window_; }

 private:
  PoolWindow window_;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Size2 kernel) : AvgPool2d(kernel, kernel) {}
  AvgPool2d(Size2 kernel, Size2 stride, Size2 padding = 0) : window_{kernel, stride, padding} {}
  /// avg_pool2d(x, kernel, stride, padding); padding counts as zeros.
  Variable forward(const Variable& x) override;
  std::string describe() const override { return "AvgPool2d(" + window_.describe() + ")"; }

 private:
  PoolWindow window_;
};

}  // namespace slope::nn
