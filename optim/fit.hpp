// SPDX-License-Identifier: MIT
// fit(): the training loop. Runs any Optimizer over epochs of minibatches (or whole batches for
// full-batch optimizers), evaluates after each epoch, calls the callbacks and honours their stop.
#pragma once

#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "callback.hpp"
#include "metrics.hpp"
#include "optimizer.hpp"
#include "sampler.hpp"

namespace slope {

/// The sampler's options (batch_size, shuffle, replacement, drop_last, seed) plus the run's.
/// A full-batch optimizer ignores the sampler options: each of its epochs is one step on
/// whole_batch(n).
struct FitOptions : SamplerOptions {
  /// Epochs to run (>= 1) unless a callback stops earlier.
  std::size_t epochs = 10;
  /// Called after every epoch (parameters as they are then); its metrics join the epoch's log.
  /// Name them "val_loss", "val_accuracy", ... (EarlyStopping and KeepBest monitor "val_loss").
  std::function<Metrics()> evaluate;
};

struct FitResult {
  double loss = 0;               ///< mean step loss of the last epoch run (NaN when none)
  std::size_t epochs = 0;        ///< epochs completed
  std::size_t steps = 0;         ///< steps taken
  double seconds = 0;            ///< wall time
  bool stopped_early = false;    ///< a callback returned true
  std::string stop_reason;       ///< that callback's stop_reason()
  std::vector<Metrics> history;  ///< one log per completed epoch
};

/// Trains: optimizer.begin(f), then per epoch the sampler's batches, one optimizer.step each, the
/// callbacks' hooks, evaluate, and the epoch log. Throws ValueError naming fit and the value for
/// epochs 0, a bad batch size (via Sampler), a bad objective (via the optimizer), and naming the
/// epoch and step when a step's loss is NaN or infinite.
FitResult fit(Optimizer& optimizer, Objective& f, const FitOptions& options,
              const std::vector<Callback*>& callbacks = {});

/// fit(opt, f, options, progress, csv, early_stop): callbacks by reference, called in order.
template <class... C, class = std::enable_if_t<(std::is_base_of_v<Callback, C> && ...)>>
FitResult fit(Optimizer& optimizer, Objective& f, const FitOptions& options, C&... callbacks) {
  return fit(optimizer, f, options, std::vector<Callback*>{&callbacks...});
}

}  // namespace slope
