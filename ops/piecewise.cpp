// SPDX-License-Identifier: MIT
// Piecewise-linear unary maps with kinks: abs and clamp.
#include <cmath>

#include "../graph/broadcast.hpp"
#include "elementwise.hpp"
#include "op_cases.hpp"

namespace slope {

Variable abs(const Variable& x) {
  Variable out = make_node(
      "abs", map(x.value(), [](const auto& a) { return xt::abs(a); }), {x},
      [](const Tensor& g, Inputs& in) {
        // NOTE: sign(0) = 0: the kink x = 0 gets the subgradient 0.
        in[0].add_grad(map2("abs", g, in[0].value(),
                            [](const auto& d, const auto& a) { return d * xt::sign(a); }));
      },
      [](const Inputs& in) { return abs(in[0]); });
  if (branch_recording() && out.requires_grad())
    x.value().visit([&out](const auto& a) {
      const auto* p = a.data();
      out.node()->branches = record_branches(
          a.size(), [p](std::size_t i) { return p[i] > 0   ? 2
                                                : p[i] < 0 ? 0
                                                           : 1; },
          [p](std::size_t i) { return p[i] == 0; });
    });
  return out;
}

Variable clamp(const Variable& x, double lo, double hi) {
  if (!(lo <= hi))  // NaN fails too
    throw ValueError(fmt::format("clamp: needs lo <= hi, got lo = {}, hi = {}", lo, hi));
  Tensor y = map(x.value(), [lo, hi](const auto& a) {
    using T = typename std::decay_t<decltype(a)>::value_type;
    return xt::clip(a, T(lo), T(hi));
  });
  Variable out = make_node(
      "clamp", std::move(y), {x},
      [lo, hi](const Tensor& g, Inputs& in) {
        // NOTE: x = lo and x = hi pass the gradient, as PyTorch's clamp does.
        in[0].add_grad(map2("clamp", g, in[0].value(), [lo, hi](const auto& d, const auto& a) {
          using T = typename std::decay_t<decltype(a)>::value_type;
          return xt::where(xt::greater_equal(a, T(lo)) && xt::less_equal(a, T(hi)), d, T(0));
        }));
      },
      [lo, hi](const Inputs& in) { return clamp(in[0], lo, hi); });
  if (branch_recording() && out.requires_grad())
    x.value().visit([&out, lo, hi](const auto& a) {
      using T = typename std::decay_t<decltype(a)>::value_type;
      const auto* p = a.data();
      const T l = T(lo), h = T(hi);
      out.node()->branches = record_branches(
          a.size(), [=](std::size_t i) { return p[i] < l   ? 0
                                                : p[i] > h ? 2
                                                           : 1; },
          [=](std::size_t i) { return p[i] == l || p[i] == h; });
    });
  return out;
}

namespace {
std::vector<OpCase> abs_cases(std::uint64_t seed) {
  return detail::unary_cases(
      seed, [](const Inputs& in) { return abs(in[0]); }, detail::nonzero_inputs);
}
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
const OpRegistration kAbs("abs", abs_cases, /*has_kinks=*/true);
const OpRegistration kClamp("clamp", clamp_cases, /*has_kinks=*/true);
}  // namespace

}  // namespace slope
