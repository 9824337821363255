// SPDX-License-Identifier: MIT
#include "pool.hpp"

#include <fmt/format.h>

namespace slope::nn {

std::string PoolWindow::describe() const {
  return fmt::format("kernel ({}, {}), stride ({}, {}), padding ({}, {})", kernel.h, kernel.w,
                     stride.h, stride.w, padding.h, padding.w);
}

Variable MaxPool2d::forward(const Variable& x) {
  return max_pool2d(x, window_.kernel, window_.stride, window_.padding);
}

Variable AvgPool2d::forward(const Variable& x) {
  return avg_pool2d(x, window_.kernel, window_.stride, window_.padding);
}

}  // namespace slope::nn
