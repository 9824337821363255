// SPDX-License-Identifier: MIT
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "axes.hpp"
#include "elementwise.hpp"
#include "op_cases.hpp"
#include "op_helpers.hpp"
#include "reduce.hpp"

namespace slope {

namespace {
// The mean over `axes` (sorted, distinct); `replay` re-runs the public overload that was called.
Variable mean_over(const Variable& x, const std::vector<std::size_t>& axes, bool keepdims,
                   OpFn replay) {
  const std::size_t n = detail::reduced_count(x.shape(), axes);
  if (n == 0)
    throw ValueError(
        fmt::format("mean: the mean of no elements is undefined (axes ({}), x shape {})",
                    fmt::join(axes, ", "), shape_str(x.shape())));
  Tensor y = Tensor::zeros(detail::reduced_shape(x.shape(), axes, keepdims), x.dtype());
  y.visit([&](auto& out) {
    using T = detail::value_t<decltype(out)>;
    // in double, divided before the rounding to T
    detail::sum_over(x.value().data<T>(), x.shape(), axes, out.data(),
                     1.0 / static_cast<double>(n));
  });
  return make_node(
      "mean", std::move(y), {x},
      // why hand-written: sum(x) * (1 / n) would take two nodes and a constant.
      [axes, n](const Tensor& g, Inputs& in) {
        Tensor dx = Tensor::zeros(in[0].shape(), g.dtype());
        dx.visit([&](auto& d) {
          using T = detail::value_t<decltype(d)>;
          const T* gp = g.data<T>();
          const T inv = T(1) / static_cast<T>(n);
          T* dp = d.data();
          detail::for_each_reduced(in[0].shape(), axes,
                                   [&](std::size_t i, std::size_t o) { dp[i] = gp[o] * inv; });
        });
        in[0].add_grad(std::move(dx));
      },
      std::move(replay));
}
}  // namespace

Variable mean(const Variable& x) {
  return mean_over(x, detail::all_axes(x.shape()), false,
                   [](const Inputs& in) { return mean(in[0]); });
}

Variable mean(const Variable& x, const std::vector<long>& axes, bool keepdims) {
  return mean_over(x, detail::reduce_axes("mean", axes, x.shape()), keepdims,
                   [axes, keepdims](const Inputs& in) { return mean(in[0], axes, keepdims); });
}

namespace {
std::vector<OpCase> mean_cases(std::uint64_t seed) {
  auto cases = detail::unary_cases(
      seed, [](const Inputs& in) { return mean(in[0]); }, detail::normal_inputs);
  cases.push_back(
      {"axis1", {randn({3, 4}, seed + 10)}, [](const Inputs& in) { return mean(in[0], {1}); }});
  cases.push_back({"axis0_keepdims_broadcast", {randn({3, 4}, seed + 11)}, [](const Inputs& in) {
                     // the kept axis broadcasts back over x, and x feeds both paths
                     return mul(in[0], mean(in[0], {0}, true));
                   }});
  cases.push_back({"axes02_keepdims", {randn({2, 3, 4}, seed + 12)}, [](const Inputs& in) {
                     return mean(in[0], {0, -1}, true);
                   }});
  return cases;
}
const OpRegistration kMean("mean", mean_cases);
}  // namespace

}  // namespace slope
