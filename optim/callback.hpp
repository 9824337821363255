// SPDX-License-Identifier: MIT
// Callbacks: fit() calls their hooks around every step and epoch. A callback is a class derived
// from Callback that overrides only the hooks it needs (a small virtual interface: one call per
// hook per step costs nanoseconds next to a step). A hook that returns true stops training; fit()
// then finishes the run cleanly (on_end still runs) and reports the callback's stop_reason().
#pragma once

#include <cstddef>
#include <string>

#include "metrics.hpp"
#include "optimizer.hpp"

namespace slope {

/// What the callbacks see. Counters are 0-based (messages print them 1-based).
struct TrainState {
  TrainState(Objective& f, const Optimizer& opt) : objective(f), optimizer(opt) {}
  Objective& objective;
  const Optimizer& optimizer;
  std::size_t epoch = 0;            ///< the current epoch, 0 .. epochs-1
  std::size_t epochs = 0;           ///< epochs in the run
  std::size_t step = 0;             ///< the step within the epoch (at on_step: the one just taken)
  std::size_t steps_per_epoch = 0;  ///< batches per epoch
  std::size_t iteration = 0;        ///< steps taken in the run so far
  std::size_t initial_iteration = 0;  ///< iteration when this fit() call began (resumed runs)
  double loss = 0;                    ///< the last step's loss
  double epoch_loss = 0;              ///< mean of this epoch's step losses so far
  double seconds = 0;                 ///< wall time since fit() began
  std::string stop_reason;  ///< at on_end: why the run stopped early (empty if it did not)
  /// At on_end: the message of the NonFiniteError or AnomalyError fit() is about to throw (empty
  /// when the run ends normally).
  std::string error;
};

/// Whether a monitored metric is better when lower or higher.
enum class Goal { minimize, maximize };

class Callback {
 public:
  virtual ~Callback() = default;
  /// Before the first step. Return true to stop before training.
  virtual bool on_begin(const TrainState& /*state*/) { return false; }
  /// After every step. Return true to stop.
  virtual bool on_step(const TrainState& /*state*/) { return false; }
  /// After each epoch and its evaluation; `log` holds the epoch's metrics ("epoch", "loss",
  /// "step_size", "seconds" and what FitOptions::evaluate returned) and may be added to. Return
  /// true to stop.
  virtual bool on_epoch_end(const TrainState& /*state*/, Metrics& /*log*/) { return false; }
  /// After the run, however it ended: also when fit() is about to throw NonFiniteError or
  /// AnomalyError (then state.error is set), not for other exceptions.
  virtual void on_end(const TrainState& /*state*/) {}
  /// Why this callback stopped the run (FitResult::stop_reason).
  virtual std::string stop_reason() const { return "a callback stopped training"; }
};

}  // namespace slope
