// SPDX-License-Identifier: MIT
// The shape every regularizer node shares: y = lambda * sum_k sum_i f(w_k[i]) over a list of
// parameters, dy/dw_k = lambda * f'(w_k), accumulated in double, one pass per parameter each way.
// Internal: l2.cpp, l1.cpp and elastic_net.cpp instantiate it with their f and f'.
#pragma once

#include <vector>

#include "../graph/errors.hpp"
#include "../graph/variable.hpp"
#include "op_helpers.hpp"

namespace slope::detail {

/// The node. `f(double) -> double` gives the value; `df(T) -> T` the slope (called with float or
/// double). With `kinks`, the sign of each element is recorded while branch_recording() is on.
template <class F, class DF>
Variable penalty_node(const char* op, const std::vector<Variable>& params, double lambda, F f,
                      DF df, bool kinks, OpFn replay) {
  check_params(op, params, lambda);
  double total = 0.0;
  for (const auto& w : params)
    w.value().visit([&](const auto& a) {
      for (std::size_t i = 0; i < a.size(); ++i) total += f(static_cast<double>(a.data()[i]));
    });
  Variable out = make_node(
      op, Tensor::scalar(lambda * total, params[0].dtype()), params,
      // why hand-written: fused; lambda * sum(square(w)) would take three nodes per parameter.
      [lambda, df](const Tensor& g, Inputs& in) {
        g.visit([&](const auto& ga) {
          using T = value_t<decltype(ga)>;
          const T scale = static_cast<T>(lambda) * ga.data()[0];
          for (const auto& w : in) {
            if (!w.requires_grad()) continue;
            const T* x = w.value().data<T>();  // dy/dw_k has w_k's shape
            write_or_add_grad<T>(w, [&](std::size_t i) { return scale * df(x[i]); });
          }
        });
      },
      std::move(replay));
  if (kinks && branch_recording() && out.requires_grad()) {
    std::vector<double> all;  // every element of every parameter, in order
    for (const auto& w : params) {
      const auto v = w.value().to_vector();
      all.insert(all.end(), v.begin(), v.end());
    }
    out.node()->branches = record_branches(
        all.size(), [&](std::size_t i) { return int{all[i] > 0} - int{all[i] < 0}; },
        [&](std::size_t i) { return all[i] == 0.0; });
  }
  return out;
}

}  // namespace slope::detail
