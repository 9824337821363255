// SPDX-License-Identifier: MIT
#include <algorithm>

#include "../graph/errors.hpp"
#include "axes.hpp"
#include "elementwise.hpp"
#include "op_cases.hpp"
#include "op_helpers.hpp"
#include "shape.hpp"

namespace slope {

namespace {
// Same element type, same rank, same extents off the axis; names the first input that differs.
void check_concatenable(const std::vector<Variable>& xs, std::size_t axis) {
  const Shape& first = xs[0].shape();
  for (std::size_t i = 1; i < xs.size(); ++i) {
    const Shape& s = xs[i].shape();
    if (xs[i].dtype() != xs[0].dtype())
      throw TypeError(fmt::format("concatenate: element types differ (x[0] {}, x[{}] {})",
                                  dtype_name(xs[0].dtype()), i, dtype_name(xs[i].dtype())));
    bool ok = s.size() == first.size();
    for (std::size_t d = 0; ok && d < s.size(); ++d) ok = d == axis || s[d] == first[d];
    if (!ok)
      throw ShapeError(
          fmt::format("concatenate: shapes differ off axis {} (x[0] shape {}, x[{}] shape {})",
                      axis, shape_str(first), i, shape_str(s)));
  }
}
}  // namespace

Variable concatenate(const std::vector<Variable>& xs, long axis) {
  if (xs.empty()) throw ValueError("concatenate: no inputs to join (an empty list)");
  const std::size_t ax = normalize_axis("concatenate", axis, xs[0].shape());
  check_concatenable(xs, ax);
  // Each input is [outer, n_i, inner]; the output is [outer, sum n_i, inner].
  std::vector<std::size_t> chunk(xs.size());  // n_i * inner: one input's run per outer index
  Shape out_shape = xs[0].shape();
  out_shape[ax] = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const detail::AxisSplit sp = detail::split_at(xs[i].shape(), ax);
    chunk[i] = sp.n * sp.inner;
    out_shape[ax] += sp.n;
  }
  const std::size_t outer = detail::split_at(out_shape, ax).outer;
  std::size_t row = 0;  // the output's run per outer index
  for (auto c : chunk) row += c;
  Tensor y = Tensor::zeros(out_shape, xs[0].dtype());
  y.visit([&](auto& out) {
    using T = detail::value_t<decltype(out)>;
    std::size_t offset = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const T* src = xs[i].value().template data<T>();
      for (std::size_t a = 0; a < outer; ++a)
        std::copy(src + a * chunk[i], src + (a + 1) * chunk[i], out.data() + a * row + offset);
      offset += chunk[i];
    }
  });
  return make_node(
      "concatenate", std::move(y), Inputs(xs),
      // why hand-written: a primitive that moves elements.
      [chunk, outer, row](const Tensor& g, Inputs& in) {
        std::size_t offset = 0;
        for (std::size_t i = 0; i < in.size(); offset += chunk[i], ++i) {
          if (!in[i].requires_grad()) continue;
          Tensor dx = Tensor::zeros(in[i].shape(), g.dtype());
          dx.visit([&](auto& d) {
            using T = detail::value_t<decltype(d)>;
            const T* gp = g.data<T>();
            for (std::size_t a = 0; a < outer; ++a)
              std::copy(gp + a * row + offset, gp + a * row + offset + chunk[i],
                        d.data() + a * chunk[i]);
          });
          in[i].add_grad(std::move(dx));
        }
      },
      [axis](const Inputs& in) { return concatenate(in, axis); });
}

namespace {
std::vector<OpCase> concatenate_cases(std::uint64_t seed) {
  return {
      {"rows",
       {randn({2, 3}, seed), randn({4, 3}, seed + 1)},
       [](const Inputs& in) { return concatenate(in, 0); }},
      {"columns_three",
       {randn({3, 1}, seed + 2), randn({3, 2}, seed + 3), randn({3, 4}, seed + 4)},
       [](const Inputs& in) { return concatenate(in, -1); }},
      {"middle_axis",
       {randn({2, 1, 3}, seed + 5), randn({2, 2, 3}, seed + 6)},
       [](const Inputs& in) { return concatenate(in, 1); }},
      {"reuse",
       {randn({2, 3}, seed + 7)},
       [](const Inputs& in) {
         return concatenate({in[0], in[0]}, 1);
       }},
      {"with_product",
       {randn({2, 3}, seed + 8)},
       [](const Inputs& in) {
         return concatenate({in[0], mul(in[0], in[0])}, 0);
       }},
  };
}
const OpRegistration kConcatenate("concatenate", concatenate_cases);
}  // namespace

}  // namespace slope
