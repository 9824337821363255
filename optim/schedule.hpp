// SPDX-License-Identifier: MIT
// Step-size schedules. Each maps the base step size eta0 and the training progress e (in epochs,
// fractional within an epoch: after one and a half epochs e = 1.5) to the step size eta(e).
#pragma once

#include <string>

namespace slope {

class Schedule {
 public:
  /// eta(e) = eta0.
  Schedule() = default;
  static Schedule constant() { return Schedule(); }
  /// eta(e) = eta0 * gamma^floor(e / every): multiplied by gamma every `every` epochs.
  /// Throws ValueError unless gamma > 0 and every > 0 (both finite).
  static Schedule step_decay(double gamma, double every);
  /// eta(e) = eta0 * gamma^e. Throws ValueError unless gamma > 0 (finite).
  static Schedule exponential(double gamma);
  /// eta(e) = eta0 / (1 + k * e). Throws ValueError unless k >= 0 (finite).
  static Schedule inverse_time(double k);
  /// eta(e) = eta0 * (m + (1 - m) * (1 + cos(pi * min(e, E) / E)) / 2), m = min_factor: from eta0
  /// down to m * eta0 over E epochs, then flat. E = `horizon`; horizon 0 means the length of the
  /// run (fit's epochs). Throws ValueError unless horizon >= 0 and 0 <= min_factor <= 1.
  static Schedule cosine(double horizon = 0, double min_factor = 0);

  /// eta(e) for base step size `eta0`; `run_epochs` stands in for a cosine horizon of 0.
  double rate(double eta0, double e, double run_epochs) const;
  /// "constant", "step_decay(gamma 0.5, every 10)", ... for progress output and errors.
  std::string describe() const;

 private:
  enum class Kind { constant, step_decay, exponential, inverse_time, cosine };
  Schedule(Kind kind, double a, double b) : kind_(kind), a_(a), b_(b) {}
  Kind kind_ = Kind::constant;
  double a_ = 0;  // gamma, k or horizon
  double b_ = 0;  // every or min_factor
};

}  // namespace slope
