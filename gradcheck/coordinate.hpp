// SPDX-License-Identifier: MIT
// The checker's engine, shared by its entry points (gradcheck.cpp): the scalar a check perturbs,
// and one tensor's coordinates checked against it, each classified against the graph's kinks.
// Internal: not installed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "../graph/variable.hpp"
#include "gradcheck.hpp"

namespace slope::detail {

double eps_of(Dtype d);
/// The step that balances truncation against rounding: cbrt(eps) for O(h^2) central
/// differences, sqrt(eps) for O(h) forward ones.
double step_factor(DiffScheme s, Dtype d);
/// splitmix64: independent seeds for each checked tensor from one user seed.
std::uint64_t mix(std::uint64_t seed, std::uint64_t salt);

/// One evaluation of the checked scalar, with the branch records summed over the graph's nodes.
struct Sample {
  double value = 0.0;
  std::uint64_t hash = 0;
  std::size_t at_kink = 0;
};

/// phi(x) = sum(forward() * w) at the current values (w empty: a one-element output as is). With
/// `record` (the graph has ops that record their branches) it runs with the graph and
/// BranchRecordingGuard on; otherwise under NoGradGuard, which records nothing: the fast path.
struct Probe {
  std::function<Variable()> forward;
  Tensor w;
  bool record = false;  // some node records its branches: compare the records
  bool slopes = false;  // some node may have kinks it does not record: judge by one-sided slopes

  Sample operator()() const;
};

/// Checks `value`'s coordinates (all, or a sample drawn from `sample_seed`) against `analytic`,
/// perturbing `value` in place and restoring it; `s0` is phi at the unperturbed values.
InputReport check_tensor(std::string name, Tensor& value, const Tensor& analytic,
                         std::uint64_t sample_seed, const Probe& phi, const Sample& s0,
                         const GradcheckOptions& o);

}  // namespace slope::detail
