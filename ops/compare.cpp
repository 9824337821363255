// SPDX-License-Identifier: MIT
// maximum and minimum: binary, broadcasting, with a kink where the operands tie.
#include "../graph/broadcast.hpp"
#include "elementwise.hpp"
#include "op_cases.hpp"
#include "op_helpers.hpp"

namespace slope {

namespace {
// Whether each output element comes from a (ties go to a, the first input); x, z broadcast.
// NOTE: a NaN on either side wins (NaN in, NaN out, as PyTorch's maximum): a NaN x picks x, and a
// NaN z fails the comparison and so picks z.
template <bool kMax, class X, class Z>
auto picks_a(const X& x, const Z& z) {
  if constexpr (kMax)
    return xt::greater_equal(x, z) || xt::isnan(x);
  else
    return xt::less_equal(x, z) || xt::isnan(x);
}

// g where `side` picked this input, 0 elsewhere, summed back to its shape; NaN for its NaNs.
template <class A, class M>
void add_picked_grad(const Variable& in, const M& picked) {
  if (!in.requires_grad()) return;
  Tensor d = sum_to(A(picked), in.shape());
  detail::nan_where_nan(d, in.value());
  in.add_grad(std::move(d));
}

template <bool kMax>
Variable extremum(const char* op, const Variable& a, const Variable& b) {
  Tensor y = map2(op, a.value(), b.value(), [](const auto& x, const auto& z) {
    return xt::where(picks_a<kMax>(x, z), x, z);
  });
  Variable out = make_node(
      op, std::move(y), {a, b},
      // why hand-written: where(a >= b, a, b) would need a comparison op and its mask as a tensor.
      [](const Tensor& g, Inputs& in) {
        g.visit([&in](const auto& d) {
          using A = std::decay_t<decltype(d)>;
          using T = typename A::value_type;
          const auto& x = in[0].value().get<T>();
          const auto& z = in[1].value().get<T>();
          // [out] -> each input's shape
          add_picked_grad<A>(in[0], xt::where(picks_a<kMax>(x, z), d, T(0)));
          add_picked_grad<A>(in[1], xt::where(picks_a<kMax>(x, z), T(0), d));
        });
      },
      [](const Inputs& in) { return kMax ? maximum(in[0], in[1]) : minimum(in[0], in[1]); });
  if (branch_recording() && out.requires_grad())  // which side of a = b, from a - b [out]
    detail::record_kinks(
        out, map2(op, a.value(), b.value(), [](const auto& x, const auto& z) { return x - z; }),
        [](auto d) { return (kMax ? d >= 0 : d <= 0) ? 0 : 1; }, [](auto d) { return d == 0; });
  return out;
}
}  // namespace

Variable maximum(const Variable& a, const Variable& b) { return extremum<true>("maximum", a, b); }
Variable minimum(const Variable& a, const Variable& b) { return extremum<false>("minimum", a, b); }

namespace {
// The operands come from interleaved grids (detail::lower_fraction_inputs against
// upper_fraction_inputs), so they never tie or come within 0.2 of a tie, yet either may win.
std::vector<OpCase> extremum_cases(std::uint64_t seed, const OpFn& apply) {
  using detail::lower_fraction_inputs;
  using detail::upper_fraction_inputs;
  std::vector<OpCase> cases;
  cases.push_back({"plain",
                   {lower_fraction_inputs({3, 4}, seed), upper_fraction_inputs({3, 4}, seed + 1)},
                   apply});
  cases.push_back({"broadcast_row",
                   {upper_fraction_inputs({3, 4}, seed + 2), lower_fraction_inputs({4}, seed + 3)},
                   apply});
  cases.push_back(
      {"broadcast_both",
       {lower_fraction_inputs({2, 1, 4}, seed + 4), upper_fraction_inputs({3, 1}, seed + 5)},
       apply});
  // Reuse: x against -x (x is at least 0.1 from 0, so never a tie).
  cases.push_back({"reuse", {lower_fraction_inputs({2, 3}, seed + 6)}, [apply](const Inputs& in) {
                     return apply({in[0], neg(in[0])});
                   }});
  return cases;
}
std::vector<OpCase> maximum_cases(std::uint64_t seed) {
  return extremum_cases(seed, [](const Inputs& in) { return maximum(in[0], in[1]); });
}
std::vector<OpCase> minimum_cases(std::uint64_t seed) {
  return extremum_cases(seed, [](const Inputs& in) { return minimum(in[0], in[1]); });
}
const OpRegistration kMaximum("maximum", maximum_cases, /*has_kinks=*/true);
const OpRegistration kMinimum("minimum", minimum_cases, /*has_kinks=*/true);
}  // namespace

}  // namespace slope
