// SPDX-License-Identifier: MIT
// The shape every regularizer node shares: y = lambda * sum_k sum_i f(w_k[i]) over a list of
// parameters, dy/dw_k = lambda * f'(w_k), accumulated in double, one pass per parameter each way.
// Internal: l2.cpp, l1.cpp and elastic_net.cpp instantiate it with their f and f'.
#pragma once

#include <vector>

#include "../graph/errors.hpp"
#include "../graph/variable.hpp"
#include "loss_common.hpp"

namespace slope::detail {

/// -1, 0 or 1 in w's type: the subgradient of |w| (0 at the kink w = 0).
template <class T>
T sign_of(T w) {
  return static_cast<T>((w > T(0)) - (w < T(0)));
}

/// Checks the list (non-empty, one element type) and lambda, naming `op`.
inline void check_params(const char* op, const std::vector<Variable>& params, double lambda) {
  check_coefficient(op, "lambda", lambda);
  if (params.empty()) throw ValueError(fmt::format("{}: no parameters given (an empty list)", op));
  for (std::size_t k = 1; k < params.size(); ++k)
    if (params[k].dtype() != params[0].dtype())
      throw TypeError(fmt::format("{}: element types differ (params[0] {}, params[{}] {})", op,
                                  dtype_name(params[0].dtype()), k, dtype_name(params[k].dtype())));
}

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
      [lambda, df](const Tensor& g, Inputs& in) {
        g.visit([&](const auto& ga) {
          using T = typename std::decay_t<decltype(ga)>::value_type;
          const T scale = static_cast<T>(lambda) * ga.data()[0];
          for (const auto& w : in) {
            if (!w.requires_grad()) continue;
            const T* x = w.value().data<T>();
            const std::size_t size = w.size();  // dy/dw_k has w_k's shape
            bool fresh = false;
            T* d = w.grad_slot(&fresh).template data<T>();
            if (fresh)
              for (std::size_t i = 0; i < size; ++i) d[i] = scale * df(x[i]);
            else
              for (std::size_t i = 0; i < size; ++i) d[i] += scale * df(x[i]);
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
        all.size(), [&](std::size_t i) { return static_cast<int>(sign_of(all[i])); },
        [&](std::size_t i) { return all[i] == 0.0; });
  }
  return out;
}

}  // namespace slope::detail
