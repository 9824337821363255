// SPDX-License-Identifier: MIT
#include <algorithm>

#include <fmt/format.h>

#include "../graph/errors.hpp"
#include "index.hpp"

namespace slope {

Variable one_hot(const Labels& y, std::size_t classes, Dtype dtype) {
  // Before the labels: against 2^63 classes every label is "in range", and the message should say
  // what is wrong, which is the size.
  const std::size_t rows = std::max<std::size_t>(y.size(), 1);
  if (classes > kMaxTensorElements / rows)
    throw ValueError(
        fmt::format("one_hot: {} classes are too many for memory (a ({}, {}) tensor would hold "
                    "more than {} elements)",
                    classes, y.size(), classes, kMaxTensorElements));
  detail::check_labels("one_hot", y, classes, Shape{});
  Tensor t = Tensor::zeros(Shape{y.size(), classes}, dtype);  // [N] -> [N, C]
  for (std::size_t i = 0; i < y.size(); ++i)
    t.set_flat(i * classes + static_cast<std::size_t>(y[i]), 1.0);
  return Variable(std::move(t));
}

}  // namespace slope
