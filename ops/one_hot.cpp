// SPDX-License-Identifier: MIT
#include "index.hpp"

namespace slope {

Variable one_hot(const Labels& y, std::size_t classes, Dtype dtype) {
  detail::check_labels("one_hot", y, classes, Shape{});
  Tensor t = Tensor::zeros(Shape{y.size(), classes}, dtype);  // [N] -> [N, C]
  for (std::size_t i = 0; i < y.size(); ++i)
    t.set_flat(i * classes + static_cast<std::size_t>(y[i]), 1.0);
  return Variable(std::move(t));
}

}  // namespace slope
