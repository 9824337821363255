// SPDX-License-Identifier: MIT
#include "../graph/errors.hpp"
#include "elementwise.hpp"
#include "op_cases.hpp"
#include "shape.hpp"

namespace slope {

Variable reshape(const Variable& x, const Shape& shape) {
  if (shape_size(shape, "reshape") != x.size())
    throw ShapeError(fmt::format("reshape: element counts differ (x shape {}, new shape {})",
                                 shape_str(x.shape()), shape_str(shape)));
  return make_node(
      "reshape", x.value().reshaped(shape), {x},
      [](const Tensor& g, Inputs& in) { in[0].add_grad(g.reshaped(in[0].shape())); },
      [shape](const Inputs& in) { return reshape(in[0], shape); });
}

namespace {
std::vector<OpCase> reshape_cases(std::uint64_t seed) {
  return {
      {"matrix_to_3d",
       {randn({3, 4}, seed)},
       [](const Inputs& in) {
         return reshape(in[0], {2, 3, 2});
       }},
      {"flatten",
       {randn({2, 3, 2}, seed + 1)},
       [](const Inputs& in) { return reshape(in[0], {12}); }},
      {"reuse",
       {randn({2, 3}, seed + 2)},
       [](const Inputs& in) {
         return mul(reshape(in[0], {3, 2}), reshape(in[0], {3, 2}));
       }},
  };
}
const OpRegistration kReshape("reshape", reshape_cases);
}  // namespace

}  // namespace slope
