// SPDX-License-Identifier: MIT
// L-BFGS with a backtracking (Armijo) line search, behind the same step() as every other optimizer:
// the line search simply calls the objective's loss again on the same batch. No closure argument.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <vector>

#include "optimizer.hpp"

namespace slope {

struct LbfgsOptions {
  /// The first trial step length of each line search (1 suits a well-scaled quasi-Newton step).
  double step_size = 1;
  /// m >= 1: how many (s, y) pairs approximate the inverse Hessian.
  std::size_t memory = 10;
  /// c1 in (0, 1): a step is accepted when f(x + a d) <= f(x) + c1 a g.d.
  double armijo = 1e-4;
  /// rho in (0, 1): the step length shrinks by this factor on each rejected trial.
  double backtrack = 0.5;
  /// Trials per line search before the step is taken as it is (>= 1).
  std::size_t max_trials = 30;
};

/// Each step: d = -H g by the two-loop recursion (H from the last `memory` pairs, scaled by
/// s.y / y.y), a backtracking line search along d, then one gradient evaluation at the new point.
/// Works in double whatever the parameters' element type; whole batch every step.
class Lbfgs : public Optimizer {
 public:
  /// Throws ValueError naming the option and its value.
  explicit Lbfgs(LbfgsOptions options = LbfgsOptions());
  const char* name() const override { return "Lbfgs"; }
  const LbfgsOptions& options() const { return options_; }
  void begin(Objective& f) override;
  double step(Objective& f, const Batch& batch, const StepInfo& info) override;
  bool full_batch() const override { return true; }
  double current_step_size() const override { return alpha_; }
  /// "s.j", "y.j" (the curvature pairs, oldest first, flat float64), "cached" (1 when the last
  /// step left the loss and gradient at its new point) and then "x", "g", "f" (that point).
  OptimizerState state() const override;
  void load_state(const OptimizerState& state) override;

 private:
  LbfgsOptions options_;
  std::deque<std::vector<double>> s_, y_;
  std::vector<double> x_, g_, d_, x1_, g1_;
  double f_ = 0;
  bool cached_ = false;  // f_, g_ hold the loss and gradient at x_
  double alpha_ = 0;
  bool begun_ = false;
  std::optional<OptimizerState> loaded_;  // from load_state(), until the next begin()
};

}  // namespace slope
