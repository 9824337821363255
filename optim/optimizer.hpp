// SPDX-License-Identifier: MIT
// The optimizer interface: one step on one batch of an Objective. Every optimizer (random search,
// gradient descent, SGD, Adam, L-BFGS, yours) has this one calling convention; fit() runs any of
// them.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "finite.hpp"
#include "objective.hpp"

namespace slope {

/// Where a step sits in the run (all counters 0-based).
struct StepInfo {
  std::size_t epoch = 0;            ///< this epoch, 0 .. epochs-1
  std::size_t step = 0;             ///< this step within the epoch, 0 .. steps_per_epoch-1
  std::size_t steps_per_epoch = 1;  ///< batches in an epoch
  std::size_t epochs = 1;           ///< epochs in the run
  std::size_t iteration = 0;        ///< steps taken before this one in the run

  /// Training progress in epochs, fractional within an epoch: epoch + step / steps_per_epoch.
  /// Schedules are functions of it.
  double progress() const {
    return static_cast<double>(epoch) +
           static_cast<double>(step) / static_cast<double>(steps_per_epoch);
  }
};

/// Named arrays of an optimizer's state ("velocity.0", "m.3", "t", ...), for checkpoints.
/// Per-parameter entries end in the parameter's index and have its shape and element type; counts
/// are one-element float64 tensors (exact: a count below 2^53 is a float64 integer); a random
/// engine is a (313, 2) float64 tensor, each of its 64-bit state words as two 32-bit halves
/// (high, low), so every value is exact (optimizer_state.hpp).
using OptimizerState = std::vector<std::pair<std::string, Tensor>>;

/// An optimizer. fit() calls begin() once per run and then step() once per batch.
/// Write your own by overriding name() and step() (docs/optimizers.md shows one in 20 lines), or,
/// for a gradient method, by writing an update rule for GradientMethod (gradient_method.hpp).
class Optimizer {
 public:
  virtual ~Optimizer() = default;

  /// The name errors and progress output use ("Sgd", "Adam", ...).
  virtual const char* name() const = 0;
  /// Starts a run: checks the objective (throws ValueError naming the optimizer) and resets the
  /// per-run state (velocities, moment estimates, the best point so far). After load_state(), the
  /// next begin() keeps the loaded state instead: it checks it against f.params (throwing
  /// ShapeError/TypeError/ValueError naming the optimizer and the entry, changing nothing) and
  /// makes it the run's, so that fit() after load_state() resumes.
  virtual void begin(Objective& f) { check_objective(name(), f, false); }
  /// One step on `batch`: updates f.params in place and returns the loss on the batch at the
  /// parameters the step started from (for the random searches: the best loss so far). Never
  /// writes a non-finite update: when the loss or a gradient is NaN or infinite, throw
  /// NonFiniteError (finite.hpp; check_finite_step does it) before touching a parameter.
  virtual double step(Objective& f, const Batch& batch, const StepInfo& info) = 0;
  /// True when every step must see the whole data set (GradientDescent, RandomSearch, L-BFGS):
  /// fit() then ignores its batch size and passes whole_batch(f.examples).
  virtual bool full_batch() const { return false; }
  /// The step size the last step used (after its schedule), NaN when the idea does not apply.
  virtual double current_step_size() const { return std::numeric_limits<double>::quiet_NaN(); }

  /// The state a later step depends on (moments, velocities, step counts, L-BFGS's history,
  /// a random search's best point and RNG), as named tensors. Empty before the first begin().
  /// After load_state() and before the next begin(): what was loaded. The default (an optimizer
  /// without state) is empty: an optimizer of your own that keeps state overrides both.
  virtual OptimizerState state() const { return {}; }
  /// Restores what state() returned, so that the next step is exactly the one an uninterrupted
  /// run would take. Validates names, shapes and element types against the parameters of the
  /// objective it is later run on; throws ValueError/ShapeError naming the optimizer and the
  /// entry at fault, changing nothing on failure. What can be checked without the objective
  /// (names, counts, element types) is checked here; the rest at the next begin(), which keeps
  /// the loaded state (see begin()). The default accepts only an empty state.
  virtual void load_state(const OptimizerState& state);
};

}  // namespace slope
