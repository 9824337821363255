// SPDX-License-Identifier: MIT
#include "../graph/broadcast.hpp"
#include "axes.hpp"
#include "op_cases.hpp"
#include "op_helpers.hpp"
#include "reduce.hpp"

namespace slope {

namespace {
// The shape of x with the summed axes kept as extent 1: g reshaped to it broadcasts back to x.
Shape kept_shape(const Shape& x, const std::vector<std::size_t>& axes) {
  Shape s = x;
  for (auto a : axes) s[a] = 1;
  return s;
}

Tensor broadcast_back(const Tensor& g, const Shape& kept, const Shape& x_shape) {
  Tensor gk = g.reshaped(kept);
  return gk.visit([&x_shape](const auto& a) -> Tensor {
    using A = std::decay_t<decltype(a)>;
    return A(xt::broadcast(a, x_shape));
  });
}
}  // namespace

Variable sum(const Variable& x) {
  Tensor y = x.value().visit([](const auto& a) -> Tensor {
    using A = std::decay_t<decltype(a)>;
    using T = typename A::value_type;
    return A(xt::xscalar<T>(static_cast<T>(detail::sum_of(a.data(), a.size()))));  // in double
  });
  return make_node(
      "sum", std::move(y), {x},
      // why hand-written: a primitive (the reduction the others are composed with).
      [](const Tensor& g, Inputs& in) {
        in[0].add_grad(Tensor::full(in[0].shape(), g.item(), g.dtype()));
      },
      [](const Inputs& in) { return sum(in[0]); });
}

Variable sum(const Variable& x, const std::vector<long>& axes, bool keepdims) {
  const std::vector<std::size_t> norm = detail::reduce_axes("sum", axes, x.shape());
  const Shape kept = kept_shape(x.shape(), norm);
  Tensor y = Tensor::zeros(detail::reduced_shape(x.shape(), norm, keepdims), x.dtype());
  y.visit([&](auto& out) {  // in double
    detail::sum_over(x.value().data<detail::value_t<decltype(out)>>(), x.shape(), norm, out.data());
  });
  return make_node(
      "sum", std::move(y), {x},
      // why hand-written: a primitive (the reduction the others are composed with).
      [kept](const Tensor& g, Inputs& in) {
        in[0].add_grad(broadcast_back(g, kept, in[0].shape()));
      },
      [axes, keepdims](const Inputs& in) { return sum(in[0], axes, keepdims); });
}

namespace {
std::vector<OpCase> sum_cases(std::uint64_t seed) {
  auto cases = detail::unary_cases(
      seed, [](const Inputs& in) { return sum(in[0]); }, detail::normal_inputs);
  cases.push_back(
      {"axis1", {randn({3, 4}, seed + 10)}, [](const Inputs& in) { return sum(in[0], {1}); }});
  cases.push_back({"axes02_keepdims", {randn({2, 3, 4}, seed + 11)}, [](const Inputs& in) {
                     return sum(in[0], {0, -1}, true);
                   }});
  return cases;
}
const OpRegistration kSum("sum", sum_cases);
}  // namespace

}  // namespace slope
