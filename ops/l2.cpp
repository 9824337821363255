// SPDX-License-Identifier: MIT
#include "op_cases.hpp"
#include "penalty.hpp"
#include "regularizer.hpp"

namespace slope {

Variable l2(const std::vector<Variable>& params, double lambda) {
  return detail::penalty_node(
      "l2", params, lambda, [](double w) { return w * w; },
      [](auto w) { return decltype(w)(2) * w; }, /*kinks=*/false,
      [lambda](const Inputs& in) { return l2(in, lambda); });
}

Variable l2(const Variable& w, double lambda) { return l2(std::vector<Variable>{w}, lambda); }

namespace {
std::vector<OpCase> l2_cases(std::uint64_t seed) {
  auto cases = detail::unary_cases(
      seed, [](const Inputs& in) { return l2(in[0]); }, detail::normal_inputs);
  cases.push_back(
      {"lambda", {randn({3, 4}, seed + 10)}, [](const Inputs& in) { return l2(in[0], 0.25); }});
  cases.push_back({"list", {randn({3, 4}, seed + 11), randn({4}, seed + 12)}, [](const Inputs& in) {
                     return l2(in, 0.5);
                   }});
  cases.push_back({"list_reuse", {randn({2, 3}, seed + 13)}, [](const Inputs& in) {
                     return l2({in[0], in[0]}, 0.5);
                   }});
  return cases;
}
const OpRegistration kL2("l2", l2_cases);
}  // namespace

}  // namespace slope
