// SPDX-License-Identifier: MIT
#include "../graph/errors.hpp"
#include "elementwise.hpp"
#include "index.hpp"
#include "op_cases.hpp"
#include "op_helpers.hpp"
#include "reduce.hpp"

namespace slope {

Variable gather(const Variable& x, const Labels& y) {
  check_dim("gather", "x", x.shape(), 2);
  const std::size_t n = x.shape()[0], c = x.shape()[1];
  check_labels("gather", y, c, x.shape());
  Tensor out = Tensor::zeros(Shape{n}, x.dtype());  // [N, C] -> [N]
  out.visit([&](auto& o) {
    using T = detail::value_t<decltype(o)>;
    const T* xp = x.value().data<T>();
    for (std::size_t i = 0; i < n; ++i) o.data()[i] = xp[i * c + static_cast<std::size_t>(y[i])];
  });
  return make_node(
      "gather", std::move(out), {x},
      // why hand-written: a primitive that picks elements by label.
      [y, c](const Tensor& g, Inputs& in) {
        Tensor dx = Tensor::zeros(in[0].shape(), g.dtype());
        dx.visit([&](auto& d) {
          using T = detail::value_t<decltype(d)>;
          const T* gp = g.data<T>();
          for (std::size_t i = 0; i < y.size(); ++i)
            d.data()[i * c + static_cast<std::size_t>(y[i])] += gp[i];
        });
        in[0].add_grad(std::move(dx));
      },
      [y](const Inputs& in) { return gather(in[0], y); });
}

namespace {
std::vector<OpCase> gather_cases(std::uint64_t seed) {
  const Labels y{2, 0, 4, 2};
  return {
      {"plain", {randn({4, 5}, seed)}, [y](const Inputs& in) { return gather(in[0], y); }},
      {"one_row",
       {randn({1, 3}, seed + 1)},
       [](const Inputs& in) { return gather(in[0], Labels{1}); }},
      {"reuse",
       {randn({4, 5}, seed + 2)},  // x feeds the pick and the row sums
       [y](const Inputs& in) { return mul(gather(in[0], y), sum(in[0], {1})); }},
  };
}
const OpRegistration kGather("gather", gather_cases);
}  // namespace

}  // namespace slope
