// SPDX-License-Identifier: MIT
// Piecewise-linear unary maps with kinks: abs and clamp.
#include "elementwise.hpp"
#include "op_cases.hpp"
#include "op_helpers.hpp"

namespace slope {

Variable abs(const Variable& x) {
  Variable out = make_node(
      "abs", map(x.value(), [](const auto& a) { return xt::abs(a); }), {x},
      // why hand-written: composed as maximum(x, -x) it would take two nodes and a negated copy.
      [](const Tensor& g, Inputs& in) {
        // NOTE: sign(0) = 0: the kink x = 0 gets the subgradient 0; sign(NaN) is NaN.
        detail::add_unary_grad(in[0], g, [](auto d, auto a) { return d * detail::sign_of(a); });
      },
      [](const Inputs& in) { return abs(in[0]); });
  detail::record_kinks(
      out, x.value(), [](auto v) { return v > 0   ? 2
                                          : v < 0 ? 0
                                                  : 1; },
      [](auto v) { return v == 0; });
  return out;
}

Variable clamp(const Variable& x, double lo, double hi) {
  if (!(lo <= hi))  // NaN fails too
    throw ValueError(fmt::format("clamp: needs lo <= hi, got lo = {}, hi = {}", lo, hi));
  // NOTE: x < lo ? lo : x > hi ? hi : x, so a NaN passes through (as PyTorch's clamp).
  Tensor y = map(x.value(), [lo, hi](const auto& a) {
    using T = detail::value_t<decltype(a)>;
    return xt::where(a < T(lo), T(lo), xt::where(a > T(hi), T(hi), a));
  });
  Variable out = make_node(
      "clamp", std::move(y), {x},
      // why hand-written: minimum(maximum(x, lo), hi) would take two nodes and two constants.
      [lo, hi](const Tensor& g, Inputs& in) {
        // NOTE: x = lo and x = hi pass the gradient, as PyTorch's clamp does; a NaN x gets NaN.
        detail::add_unary_grad(in[0], g, [lo, hi](auto d, auto a) {
          using T = decltype(a);
          return a >= T(lo) && a <= T(hi) ? d : detail::nan_or(a, T(0));
        });
      },
      [lo, hi](const Inputs& in) { return clamp(in[0], lo, hi); });
  // The bounds compared in x's element type (0.6 is not 0.6f).
  detail::record_kinks(
      out, x.value(),
      [lo, hi](auto v) { return v < decltype(v)(lo)   ? 0
                                : v > decltype(v)(hi) ? 2
                                                      : 1; },
      [lo, hi](auto v) { return v == decltype(v)(lo) || v == decltype(v)(hi); });
  return out;
}

namespace {
// The fraction inputs stay 0.1 away from integers and half-integers, where the kinks sit.
std::vector<OpCase> clamp_cases(std::uint64_t seed) {
  auto cases = detail::unary_cases(
      seed, [](const Inputs& in) { return clamp(in[0], -1.0, 1.0); },
      detail::lower_fraction_inputs);
  cases.push_back({"half",
                   {detail::upper_fraction_inputs({3, 4}, seed + 10)},
                   [](const Inputs& in) { return clamp(in[0], -0.5, 1.5); }});
  return cases;
}
const OpRegistration kAbs("abs", detail::unary_op(abs, detail::nonzero_inputs),
                          /*has_kinks=*/true);
const OpRegistration kClamp("clamp", clamp_cases, /*has_kinks=*/true);
}  // namespace

}  // namespace slope
