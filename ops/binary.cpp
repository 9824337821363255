// SPDX-License-Identifier: MIT
// Binary elementwise ops with broadcasting.
#include "../graph/broadcast.hpp"
#include "elementwise.hpp"
#include "op_cases.hpp"

namespace slope {

namespace {
// Sends g (of the output's shape) to an input, summed back over the axes it was broadcast along.
void add_broadcast_grad(const Variable& in, const Tensor& g) {
  if (in.requires_grad()) in.add_grad(sum_to(g, in.shape()));
}
}  // namespace

Variable scalar_like(const Variable& x, double value) {
  return Variable(Tensor::scalar(value, x.dtype()));
}

Variable add(const Variable& a, const Variable& b) {
  Tensor y = map2("add", a.value(), b.value(), [](const auto& x, const auto& z) { return x + z; });
  return make_node(
      "add", std::move(y), {a, b},
      [](const Tensor& g, Inputs& in) {
        add_broadcast_grad(in[0], g);
        add_broadcast_grad(in[1], g);
      },
      [](const Inputs& in) { return add(in[0], in[1]); });
}

Variable mul(const Variable& a, const Variable& b) {
  Tensor y = map2("mul", a.value(), b.value(), [](const auto& x, const auto& z) { return x * z; });
  return make_node(
      "mul", std::move(y), {a, b},
      [](const Tensor& g, Inputs& in) {
        auto times = [](const auto& u, const auto& v) { return u * v; };
        if (in[0].requires_grad()) add_broadcast_grad(in[0], map2("mul", g, in[1].value(), times));
        if (in[1].requires_grad()) add_broadcast_grad(in[1], map2("mul", g, in[0].value(), times));
      },
      [](const Inputs& in) { return mul(in[0], in[1]); });
}

namespace {
std::vector<OpCase> add_cases(std::uint64_t seed) {
  return detail::binary_cases(
      seed, [](const Inputs& in) { return add(in[0], in[1]); }, detail::normal_inputs);
}
std::vector<OpCase> mul_cases(std::uint64_t seed) {
  return detail::binary_cases(
      seed, [](const Inputs& in) { return mul(in[0], in[1]); }, detail::normal_inputs);
}
const OpRegistration kAdd("add", add_cases);
const OpRegistration kMul("mul", mul_cases);
}  // namespace

}  // namespace slope
