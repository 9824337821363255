// SPDX-License-Identifier: MIT
// The gradient checker: analytic gradients from backward() against numeric finite differences.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "variable.hpp"

namespace slope {

enum class DiffScheme { central, forward };

struct GradcheckOptions {
  DiffScheme scheme = DiffScheme::central;
  /// Finite-difference step; 0 picks one from the element type and |x| (stated in the report).
  double h = 0.0;
  /// A coordinate passes when |a - n| <= atol + rtol * max(|a|, |n|).
  double rtol = 1e-6;
  double atol = 1e-9;
  /// Inputs with more elements than this are checked on `samples` random coordinates.
  std::size_t full_limit = 2000;
  std::size_t samples = 64;
  std::uint64_t seed = 0;
  /// Check in float64 even when the inputs are float32 (they are converted, then checked).
  bool in_float64 = true;
};

/// What was found for one input.
struct InputReport {
  std::string name;  // "input 0" or a parameter's name
  Shape shape;
  std::size_t checked = 0;
  double max_rel_error = 0.0;
  std::size_t worst_index = 0;
  double worst_analytic = 0.0;
  double worst_numeric = 0.0;
  std::size_t failures = 0;
  bool ok = true;
};

struct GradcheckResult {
  bool ok = true;
  std::string label;  // the op or model checked
  double h = 0.0;
  std::vector<InputReport> inputs;
  /// One line: "label: ok, max rel err 3.1e-10" or what failed where.
  std::string summary() const;
};

using CheckedFn = std::function<Variable(const Inputs& in)>;

/// Checks f's gradients at `inputs` (every input is checked). A non-scalar output is reduced to
/// sum(out * w) for a fixed random w, so a backward that permutes g cannot pass.
GradcheckResult gradcheck(const CheckedFn& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {}, const std::string& label = "f");

}  // namespace slope
