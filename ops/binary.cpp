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

// x / 0 is inf or NaN: name the first zero divisor instead.
void check_no_zero(const char* op, const Tensor& b) {
  b.visit([op, &b](const auto& a) {
    const auto* p = a.data();
    for (std::size_t i = 0; i < a.size(); ++i)
      if (p[i] == 0)
        throw ValueError(
            fmt::format("{}: division by zero (rhs is 0 at flat index {}, rhs shape {})", op, i,
                        shape_str(b.shape())));
  });
}
}  // namespace

Variable scalar_like(const Variable& x, double value) {
  return Variable(Tensor::scalar(value, x.dtype()));
}

Variable add(const Variable& a, const Variable& b) {
  Tensor y = map2("add", a.value(), b.value(), [](const auto& x, const auto& z) { return x + z; });
  return make_node(
      "add", std::move(y), {a, b},
      // why hand-written: a primitive.
      [](const Tensor& g, Inputs& in) {
        add_broadcast_grad(in[0], g);
        add_broadcast_grad(in[1], g);
      },
      [](const Inputs& in) { return add(in[0], in[1]); });
}

Variable sub(const Variable& a, const Variable& b) {
  Tensor y = map2("sub", a.value(), b.value(), [](const auto& x, const auto& z) { return x - z; });
  return make_node(
      "sub", std::move(y), {a, b},
      // why hand-written: add(a, neg(b)) would take two nodes and a negated copy.
      [](const Tensor& g, Inputs& in) {
        add_broadcast_grad(in[0], g);
        if (in[1].requires_grad())
          add_broadcast_grad(in[1], map(g, [](const auto& d) { return -d; }));
      },
      [](const Inputs& in) { return sub(in[0], in[1]); });
}

Variable mul(const Variable& a, const Variable& b) {
  Tensor y = map2("mul", a.value(), b.value(), [](const auto& x, const auto& z) { return x * z; });
  return make_node(
      "mul", std::move(y), {a, b},
      // why hand-written: a primitive.
      [](const Tensor& g, Inputs& in) {
        auto times = [](const auto& u, const auto& v) { return u * v; };
        if (in[0].requires_grad()) add_broadcast_grad(in[0], map2("mul", g, in[1].value(), times));
        if (in[1].requires_grad()) add_broadcast_grad(in[1], map2("mul", g, in[0].value(), times));
      },
      [](const Inputs& in) { return mul(in[0], in[1]); });
}

Variable div(const Variable& a, const Variable& b) {
  Tensor y = map2("div", a.value(), b.value(), [](const auto& x, const auto& z) { return x / z; });
  check_no_zero("div", b.value());
  return make_node(
      "div", std::move(y), {a, b},
      // why hand-written: a primitive (mul(a, pow(b, -1)) would take two nodes).
      [](const Tensor& g, Inputs& in) {
        if (in[0].requires_grad())
          add_broadcast_grad(in[0], map2("div", g, in[1].value(),
                                         [](const auto& d, const auto& z) { return d / z; }));
        if (in[1].requires_grad())
          add_broadcast_grad(in[1], g.visit([&in](const auto& d) -> Tensor {
            using A = std::decay_t<decltype(d)>;
            const auto& x = in[0].value().get<typename A::value_type>();
            const auto& z = in[1].value().get<typename A::value_type>();
            return A(-d * x / (z * z));  // out shape: d, x and z broadcast together
          }));
      },
      [](const Inputs& in) { return div(in[0], in[1]); });
}

namespace {
std::vector<OpCase> div_cases(std::uint64_t seed) {
  const OpFn apply = [](const Inputs& in) { return div(in[0], in[1]); };
  auto cases = detail::binary_cases(seed, apply, detail::positive_inputs);
  // Signed numerators and divisors (kept 0.1 away from the pole at 0).
  cases.push_back(
      {"signed", {randn({3, 4}, seed + 20), detail::nonzero_inputs({3, 4}, seed + 21)}, apply});
  return cases;
}
const OpRegistration kAdd("add", detail::binary_op(add, detail::normal_inputs));
const OpRegistration kSub("sub", detail::binary_op(sub, detail::normal_inputs));
const OpRegistration kMul("mul", detail::binary_op(mul, detail::normal_inputs));
const OpRegistration kDiv("div", div_cases);
}  // namespace

}  // namespace slope
