// SPDX-License-Identifier: MIT
// The optimizers' promise: a step never writes a non-finite update. Each checks the loss and every
// gradient before it touches a parameter and throws NonFiniteError instead; fit() turns that into
// its non-finite policy (throw, or skip the step and count it).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "../graph/errors.hpp"
#include "../graph/variable.hpp"
#include "objective.hpp"

namespace slope {

/// A step refused because its loss or a gradient was NaN or infinite. The parameters hold the
/// values they had before the step (the last finite ones). The message names the optimizer (and,
/// from fit, the epoch and step) and what was not finite.
struct NonFiniteError : ValueError {
  NonFiniteError(const std::string& what, double step_loss, std::ptrdiff_t bad_parameter = -1)
      : ValueError(what), loss(step_loss), parameter(bad_parameter) {}
  double loss;               ///< the step's loss (finite when a gradient was at fault)
  std::ptrdiff_t parameter;  ///< the parameter whose gradient was not finite; -1: the loss was
};

/// Throws NonFiniteError "<who>: ..." when `loss` is not finite, or when a parameter's gradient
/// has a NaN or infinite element (naming the parameter by `names` when given, see param_name(),
/// its shape and the count). Parameters without a gradient count as finite. One pass over the
/// gradients, touching nothing.
void check_finite_step(const char* who, double loss, const std::vector<Variable>& params,
                       const std::vector<std::string>& names = {});

}  // namespace slope
