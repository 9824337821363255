// SPDX-License-Identifier: MIT
// Smooth squashing activations: sigmoid and tanh.
#include "../graph/broadcast.hpp"
#include "elementwise.hpp"
#include "op_cases.hpp"
#include "op_helpers.hpp"

namespace slope {

namespace {
// NOTE: 1 / (1 + e^-x) saturates cleanly: e^-x overflowing to inf gives exactly 0, never NaN.
template <class A>
A sigmoid_of(const A& a) {
  using T = typename A::value_type;
  return T(1) / (T(1) + xt::exp(-a));
}

// g * f'(x), where f'(x) = derivative(f(x)) and f(x) is computed once per call.
template <class F, class D>
Tensor times_derivative_of_output(const Tensor& g, const Tensor& x, F&& f, D&& derivative) {
  return g.visit([&](const auto& d) -> Tensor {
    using A = std::decay_t<decltype(d)>;
    const A y = f(x.get<typename A::value_type>());
    return A(d * derivative(y));
  });
}
}  // namespace

Variable sigmoid(const Variable& x) {
  return make_node(
      "sigmoid", map(x.value(), [](const auto& a) { return sigmoid_of(a); }), {x},
      // why hand-written: composed as 1 / (1 + exp(-x)) its backward is inf / inf = NaN where e^-x
      // overflows.
      [](const Tensor& g, Inputs& in) {
        // NOTE: recomputes y rather than keeping a copy of the output alive.
        in[0].add_grad(times_derivative_of_output(
            g, in[0].value(), [](const auto& a) { return sigmoid_of(a); },
            [](const auto& y) {
              using T = detail::value_t<decltype(y)>;
              return y * (T(1) - y);
            }));
      },
      [](const Inputs& in) { return sigmoid(in[0]); });
}

Variable tanh(const Variable& x) {
  return make_node(
      "tanh", map(x.value(), [](const auto& a) { return xt::tanh(a); }), {x},
      // why hand-written: a primitive; (e^2x - 1) / (e^2x + 1) overflows for x > 44 in float32.
      [](const Tensor& g, Inputs& in) {
        in[0].add_grad(times_derivative_of_output(
            g, in[0].value(),
            [](const auto& a) {
              using A = std::decay_t<decltype(a)>;
              return A(xt::tanh(a));
            },
            [](const auto& y) {
              using T = detail::value_t<decltype(y)>;
              return T(1) - y * y;
            }));
      },
      [](const Inputs& in) { return tanh(in[0]); });
}

namespace {
const OpRegistration kSigmoid("sigmoid", detail::unary_op(sigmoid, detail::normal_inputs));
const OpRegistration kTanh("tanh", detail::unary_op(tanh, detail::normal_inputs));
}  // namespace

}  // namespace slope
