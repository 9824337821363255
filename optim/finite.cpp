// SPDX-License-Identifier: MIT
#include "finite.hpp"

#include <cmath>

#include <fmt/format.h>

#include "../graph/anomaly.hpp"

namespace slope {

void check_finite_step(const char* who, double loss, const std::vector<Variable>& params,
                       const std::vector<std::string>& names) {
  if (!std::isfinite(loss))
    throw NonFiniteError(
        fmt::format("{}: the loss is {}; the step was not applied (the parameters are unchanged)",
                    who, loss),
        loss);
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (!params[i].has_grad() || all_finite(params[i].grad())) continue;
    const Tensor& g = params[i].grad();
    throw NonFiniteError(
        fmt::format("{}: the gradient of {} (shape {}) has {} of {} elements although the loss {} "
                    "is finite; the step was not applied (the parameters are unchanged)",
                    who, param_name(names, i), shape_str(g.shape()), count_non_finite(g).str(),
                    g.size(), loss),
        loss, static_cast<std::ptrdiff_t>(i));
  }
}

}  // namespace slope
