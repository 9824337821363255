// SPDX-License-Identifier: MIT
#include "flatten.hpp"

#include "../graph/errors.hpp"
#include "../ops/shape.hpp"

namespace slope::nn {

Variable Flatten::forward(const Variable& x) {
  const Shape& s = x.shape();
  if (s.empty()) throw ShapeError("Flatten: expected at least a 1-D input, got shape ()");
  if (s.size() == 2) return x;
  return reshape(x, Shape{s[0], s[0] == 0 ? 0 : x.size() / s[0]});  // [N, ...] -> [N, D]
}

}  // namespace slope::nn
