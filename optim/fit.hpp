// SPDX-License-Identifier: MIT
// fit(): the training loop. Runs any Optimizer over epochs of minibatches (or whole batches for
// full-batch optimizers), evaluates after each epoch, calls the callbacks and honours their stop.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "callback.hpp"
#include "metrics.hpp"
#include "optimizer.hpp"
#include "sampler.hpp"

namespace slope {

/// What fit() does with a step whose loss or gradient is NaN or infinite (the optimizer refused it
/// with NonFiniteError, so the parameters still hold their last finite values).
enum class NonFinitePolicy {
  /// Throw NonFiniteError naming the epoch, the step, the optimizer and what was not finite.
  raise,
  /// Skip the step (no update, no on_step), count it in FitResult::skipped_steps and go on, as
  /// optax's apply_if_finite; more than FitOptions::max_consecutive_skips in a row throws.
  skip,
};

/// The sampler's options (batch_size, shuffle, replacement, drop_last, seed) plus the run's.
/// A full-batch optimizer ignores the sampler options: each of its epochs is one step on
/// whole_batch(n).
struct FitOptions : SamplerOptions {
  /// Epochs to run (>= 1) unless a callback stops earlier.
  std::size_t epochs = 10;
  /// Resume at this epoch (< epochs): epochs initial_epoch .. epochs-1 run, with the epoch and
  /// step counters, schedules and the sampler's orders (functions of the seed and the epoch) as
  /// in an uninterrupted run. With the optimizer's load_state() and the parameters as they were
  /// after epoch initial_epoch - 1, the run continues bit for bit.
  std::size_t initial_epoch = 0;
  /// The steps the interrupted run had taken (TrainState::iteration); unset: initial_epoch times
  /// the steps per epoch (which is right unless steps were skipped for NonFinitePolicy::skip).
  std::optional<std::size_t> initial_iteration;
  /// Called after every epoch (parameters as they are then); its metrics join the epoch's log.
  /// Name them "val_loss", "val_accuracy", ... (EarlyStopping and KeepBest monitor "val_loss").
  std::function<Metrics()> evaluate;
  /// A step with a NaN or infinite loss or gradient: throw (default) or skip and count it.
  NonFinitePolicy on_non_finite = NonFinitePolicy::raise;
  /// With NonFinitePolicy::skip: this many skipped steps in a row (>= 1) are tolerated; one more
  /// throws NonFiniteError (a run whose every step is NaN is broken, not unlucky).
  std::size_t max_consecutive_skips = 10;
  /// Runs the whole fit inside an AnomalyGuard: the first op whose forward or backward creates a
  /// NaN or infinity throws AnomalyError naming it and the line that called it (slower; for
  /// finding where a NaN comes from).
  bool detect_anomaly = false;
};

/// Counts include a resumed run's earlier epochs and steps (FitOptions::initial_epoch).
struct FitResult {
  double loss = 0;                ///< mean step loss of the last epoch run (NaN when none)
  std::size_t epochs = 0;         ///< epochs completed
  std::size_t steps = 0;          ///< steps taken (skipped ones not included)
  std::size_t skipped_steps = 0;  ///< steps skipped for a non-finite loss or gradient
  double seconds = 0;             ///< wall time
  bool stopped_early = false;     ///< a callback returned true
  std::string stop_reason;        ///< that callback's stop_reason()
  std::vector<Metrics> history;   ///< one log per epoch completed in this call
};

/// Trains: optimizer.begin(f), then per epoch the sampler's batches, one optimizer.step each, the
/// callbacks' hooks, evaluate, and the epoch log. Throws ValueError naming fit and the value for
/// epochs 0, an initial_epoch not below epochs, a bad batch size (via Sampler), a bad objective
/// (via the optimizer); GraphError inside a NoGradGuard. A step whose loss or gradient is NaN or
/// infinite is never applied: by default fit throws NonFiniteError naming the epoch, step and
/// optimizer, with the parameters at their last finite values (see FitOptions::on_non_finite). When
/// fit throws NonFiniteError or AnomalyError, every callback's on_end still runs first
/// (TrainState::error says why), so KeepBest restores its best copy and CsvLogger keeps its rows.
FitResult fit(Optimizer& optimizer, Objective& f, const FitOptions& options,
              const std::vector<Callback*>& callbacks = {});

/// fit(opt, f, options, progress, csv, early_stop): callbacks by reference, called in order.
template <class... C, class = std::enable_if_t<(std::is_base_of_v<Callback, C> && ...)>>
FitResult fit(Optimizer& optimizer, Objective& f, const FitOptions& options, C&... callbacks) {
  return fit(optimizer, f, options, std::vector<Callback*>{&callbacks...});
}

}  // namespace slope
