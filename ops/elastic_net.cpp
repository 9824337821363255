// SPDX-License-Identifier: MIT
#include <cmath>

#include "op_cases.hpp"
#include "penalty.hpp"
#include "regularizer.hpp"

namespace slope {

Variable elastic_net(const std::vector<Variable>& params, double beta, double lambda) {
  check_coefficient("elastic_net", "beta", beta);
  // NOTE: the |w| part has a kink at 0, where it contributes the subgradient 0.
  return detail::penalty_node(
      "elastic_net", params, lambda, [beta](double w) { return beta * w * w + std::abs(w); },
      [beta](auto w) {
        using T = decltype(w);
        return static_cast<T>(2 * beta) * w + detail::sign_of(w);
      },
      /*kinks=*/true, [beta, lambda](const Inputs& in) { return elastic_net(in, beta, lambda); });
}

Variable elastic_net(const Variable& w, double beta, double lambda) {
  return elastic_net(std::vector<Variable>{w}, beta, lambda);
}

namespace {
std::vector<OpCase> elastic_net_cases(std::uint64_t seed) {
  auto cases = detail::unary_cases(
      seed, [](const Inputs& in) { return elastic_net(in[0], 0.5); }, detail::nonzero_inputs);
  cases.push_back({"lambda", {detail::nonzero_inputs({3, 4}, seed + 10)}, [](const Inputs& in) {
                     return elastic_net(in[0], 2.0, 0.25);
                   }});
  cases.push_back(
      {"list",
       {detail::nonzero_inputs({3, 4}, seed + 11), detail::nonzero_inputs({4}, seed + 12)},
       [](const Inputs& in) { return elastic_net(in, 0.3, 0.5); }});
  cases.push_back({"list_reuse", {detail::nonzero_inputs({2, 3}, seed + 13)}, [](const Inputs& in) {
                     return elastic_net({in[0], in[0]}, 1.0, 1.5);
                   }});
  return cases;
}
const OpRegistration kElasticNet("elastic_net", elastic_net_cases, /*has_kinks=*/true);
}  // namespace

}  // namespace slope
