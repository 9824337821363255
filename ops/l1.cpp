// SPDX-License-Identifier: MIT
#include <cmath>

#include "op_cases.hpp"
#include "penalty.hpp"
#include "regularizer.hpp"

namespace slope {

Variable l1(const std::vector<Variable>& params, double lambda) {
  // NOTE: |w| has a kink at 0; the subgradient there is 0 (sign_of(0) = 0).
  return detail::penalty_node(
      "l1", params, lambda, [](double w) { return std::abs(w); },
      [](auto w) { return detail::sign_of(w); }, /*kinks=*/true,
      [lambda](const Inputs& in) { return l1(in, lambda); });
}

Variable l1(const Variable& w, double lambda) { return l1(std::vector<Variable>{w}, lambda); }

namespace {
std::vector<OpCase> l1_cases(std::uint64_t seed) {
  auto cases = detail::unary_cases(
      seed, [](const Inputs& in) { return l1(in[0]); }, detail::nonzero_inputs);
  cases.push_back({"lambda", {detail::nonzero_inputs({3, 4}, seed + 10)}, [](const Inputs& in) {
                     return l1(in[0], 0.25);
                   }});
  cases.push_back(
      {"list",
       {detail::nonzero_inputs({3, 4}, seed + 11), detail::nonzero_inputs({4}, seed + 12)},
       [](const Inputs& in) { return l1(in, 0.5); }});
  cases.push_back({"list_reuse", {detail::nonzero_inputs({2, 3}, seed + 13)}, [](const Inputs& in) {
                     return l1({in[0], in[0]}, 1.5);
                   }});
  return cases;
}
const OpRegistration kL1("l1", l1_cases, /*has_kinks=*/true);
}  // namespace

}  // namespace slope
