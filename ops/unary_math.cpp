// SPDX-License-Identifier: MIT
// Smooth unary maps: neg, exp, log, sqrt, pow, square.
#include <cmath>

#include "../graph/broadcast.hpp"
#include "elementwise.hpp"
#include "op_cases.hpp"
#include "op_helpers.hpp"

namespace slope {

namespace {
// Throws ValueError "<op>: needs <need>, got x = <value> at flat index <i> (x shape (2, 3))" for
// the first element that fails `ok` (NaN fails every test written as `x > 0`).
template <class Ok>
void check_domain(const char* op, const std::string& need, const Tensor& x, Ok ok) {
  x.visit([&](const auto& a) {
    const auto* p = a.data();
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!ok(static_cast<double>(p[i])))
        throw ValueError(fmt::format("{}: needs {}, got x = {} at flat index {} (x shape {})", op,
                                     need, p[i], i, shape_str(x.shape())));
  });
}

// g * f'(x), with f' an xtensor expression of x of g's element type.
template <class F>
Tensor times_derivative(const char* op, const Tensor& g, const Tensor& x, F&& derivative) {
  return map2(op, g, x, [&derivative](const auto& d, const auto& a) { return d * derivative(a); });
}

// NOTE: log and pow run as loops over std::log and std::pow: xsimd 8's vectorised log (which its
// pow calls) does not compile for AVX-512BW targets, which -march=native picks here (its int-batch
// select casts to the wrong intrinsic type).
template <class F>
Tensor loop_map(const Tensor& x, F f) {
  return x.visit([&f](const auto& a) -> Tensor {
    std::decay_t<decltype(a)> y(a.shape());
    for (std::size_t i = 0; i < a.size(); ++i) y.data()[i] = f(a.data()[i]);
    return y;
  });
}
}  // namespace

Variable neg(const Variable& x) {
  return make_node(
      "neg", map(x.value(), [](const auto& a) { return -a; }), {x},
      // why hand-written: a primitive (mul by -1 would take a constant and a node).
      [](const Tensor& g, Inputs& in) { in[0].add_grad(map(g, [](const auto& d) { return -d; })); },
      [](const Inputs& in) { return neg(in[0]); });
}

Variable exp(const Variable& x) {
  return make_node(
      "exp", map(x.value(), [](const auto& a) { return xt::exp(a); }), {x},
      // why hand-written: a primitive.
      [](const Tensor& g, Inputs& in) {
        // NOTE: recomputes e^x rather than keeping a copy of the output alive.
        in[0].add_grad(
            times_derivative("exp", g, in[0].value(), [](const auto& a) { return xt::exp(a); }));
      },
      [](const Inputs& in) { return exp(in[0]); });
}

Variable log(const Variable& x) {
  check_domain("log", "x > 0", x.value(), [](double v) { return v > 0; });
  return make_node(
      "log", loop_map(x.value(), [](auto v) { return std::log(v); }), {x},
      // why hand-written: a primitive.
      [](const Tensor& g, Inputs& in) {
        in[0].add_grad(
            map2("log", g, in[0].value(), [](const auto& d, const auto& a) { return d / a; }));
      },
      [](const Inputs& in) { return log(in[0]); });
}

Variable sqrt(const Variable& x) {
  check_domain("sqrt", "x >= 0", x.value(), [](double v) { return v >= 0; });
  return make_node(
      "sqrt", map(x.value(), [](const auto& a) { return xt::sqrt(a); }), {x},
      // why hand-written: a primitive (vectorised, where pow runs a loop).
      [](const Tensor& g, Inputs& in) {
        // NOTE: +inf at x = 0, as in PyTorch and JAX.
        in[0].add_grad(map2("sqrt", g, in[0].value(), [](const auto& d, const auto& a) {
          using T = detail::value_t<decltype(a)>;
          return d / (T(2) * xt::sqrt(a));
        }));
      },
      [](const Inputs& in) { return sqrt(in[0]); });
}

Variable pow(const Variable& x, double p) {
  // NOTE: a NaN power is a bad attribute, not data (as clamp's NaN bounds): an error. A NaN x
  // passes through for an integer power; overflow (1e200^2) is inf, as exp's.
  if (std::isnan(p)) throw ValueError("pow: the power p is NaN (p nan)");
  if (p != std::floor(p))
    check_domain("pow", fmt::format("x >= 0 for the non-integer power {}", p), x.value(),
                 [](double v) { return v >= 0; });
  if (p < 0)
    check_domain("pow", fmt::format("x != 0 for the negative power {}", p), x.value(),
                 [](double v) { return v != 0; });
  Tensor y = loop_map(x.value(), [p](auto v) { return std::pow(v, decltype(v)(p)); });
  return make_node(
      "pow", std::move(y), {x},
      // why hand-written: a primitive.
      [p](const Tensor& g, Inputs& in) {
        if (p == 0) {  // NOTE: 0 * x^-1 would be NaN at x = 0; the derivative of x^0 is 0.
          in[0].add_grad(Tensor::zeros(in[0].shape(), in[0].dtype()));
          return;
        }
        Tensor dx = loop_map(in[0].value(), [p](auto v) {
          using T = decltype(v);
          return T(p) * std::pow(v, T(p - 1));
        });
        in[0].add_grad(map2("pow", g, dx, [](const auto& d, const auto& a) { return d * a; }));
      },
      [p](const Inputs& in) { return pow(in[0], p); });
}

Variable square(const Variable& x) {
  return make_node(
      "square", map(x.value(), [](const auto& a) { return a * a; }), {x},
      // why hand-written: mul(x, x) would take the reuse path: two gradient passes.
      [](const Tensor& g, Inputs& in) {
        in[0].add_grad(times_derivative("square", g, in[0].value(), [](const auto& a) {
          using T = detail::value_t<decltype(a)>;
          return T(2) * a;
        }));
      },
      [](const Inputs& in) { return square(in[0]); });
}

namespace {
std::vector<OpCase> pow_cases(std::uint64_t seed) {
  auto power = [](double p) { return [p](const Inputs& in) { return pow(in[0], p); }; };
  auto cases = detail::unary_cases(seed, power(3.0), detail::normal_inputs);  // negative bases
  cases.push_back({"p2", {randn({3, 4}, seed + 10)}, power(2.0)});
  cases.push_back({"p0.5", {detail::positive_inputs({3, 4}, seed + 11)}, power(0.5)});
  cases.push_back({"p-1.5", {detail::positive_inputs({3, 4}, seed + 12)}, power(-1.5)});
  cases.push_back({"p-2_signed", {detail::nonzero_inputs({3, 4}, seed + 13)}, power(-2.0)});
  return cases;
}

using detail::unary_op;
const OpRegistration kNeg("neg", unary_op(neg, detail::normal_inputs));
const OpRegistration kExp("exp", unary_op(exp, detail::normal_inputs));
const OpRegistration kLog("log", unary_op(log, detail::positive_inputs));
const OpRegistration kSqrt("sqrt", unary_op(sqrt, detail::positive_inputs));
const OpRegistration kPow("pow", pow_cases);
const OpRegistration kSquare("square", unary_op(square, detail::normal_inputs));
}  // namespace

}  // namespace slope
