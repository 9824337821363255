// SPDX-License-Identifier: MIT
#include <algorithm>

#include "../graph/errors.hpp"
#include "elementwise.hpp"
#include "op_cases.hpp"
#include "op_helpers.hpp"
#include "shape.hpp"

namespace slope {

Variable slice_rows(const Variable& x, std::size_t begin, std::size_t end) {
  if (x.shape().empty())
    throw ShapeError(fmt::format("slice_rows: x has no rows (x shape {})", shape_str(x.shape())));
  const std::size_t rows = x.shape()[0];
  if (begin > end || end > rows)
    throw ShapeError(
        fmt::format("slice_rows: rows [{}, {}) are not a range within {} rows (x shape {})", begin,
                    end, rows, shape_str(x.shape())));
  const std::size_t width = rows == 0 ? 0 : x.size() / rows;  // elements per row
  Shape out_shape = x.shape();
  out_shape[0] = end - begin;  // [N, ...] -> [end - begin, ...]
  Tensor y = Tensor::zeros(out_shape, x.dtype());
  y.visit([&](auto& out) {
    using T = detail::value_t<decltype(out)>;
    const T* src = x.value().data<T>() + begin * width;
    std::copy(src, src + out.size(), out.data());
  });
  return make_node(
      "slice_rows", std::move(y), {x},
      // why hand-written: a primitive that moves elements.
      [begin, width](const Tensor& g, Inputs& in) {
        Tensor dx = Tensor::zeros(in[0].shape(), g.dtype());
        dx.visit([&](auto& d) {
          using T = detail::value_t<decltype(d)>;
          const T* gp = g.data<T>();
          std::copy(gp, gp + g.size(), d.data() + begin * width);
        });
        in[0].add_grad(std::move(dx));
      },
      [begin, end](const Inputs& in) { return slice_rows(in[0], begin, end); });
}

namespace {
std::vector<OpCase> slice_rows_cases(std::uint64_t seed) {
  return {
      {"middle", {randn({5, 3}, seed)}, [](const Inputs& in) { return slice_rows(in[0], 1, 4); }},
      {"vector", {randn({6}, seed + 1)}, [](const Inputs& in) { return slice_rows(in[0], 0, 2); }},
      {"tensor3",
       {randn({4, 2, 3}, seed + 2)},
       [](const Inputs& in) { return slice_rows(in[0], 2, 4); }},
      {"overlap",
       {randn({4, 3}, seed + 3)},  // rows 1..2 feed both slices
       [](const Inputs& in) { return mul(slice_rows(in[0], 0, 3), slice_rows(in[0], 1, 4)); }},
  };
}
const OpRegistration kSliceRows("slice_rows", slice_rows_cases);
}  // namespace

}  // namespace slope
