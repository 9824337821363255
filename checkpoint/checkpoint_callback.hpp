// SPDX-License-Identifier: MIT
// Checkpoint: a fit() callback that saves the model, the optimizer and the run every N epochs,
// keeps the K newest of those files, and keeps the best epoch by a monitored metric.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "../nn/module.hpp"
#include "../optim/callback.hpp"

namespace slope {

struct CheckpointOptions {
  /// Save after epochs N, 2N, 3N, ... (1-based), N >= 1.
  std::size_t every = 1;
  /// Keep the K newest periodic files and delete older ones (0 keeps every file).
  std::size_t keep_last = 2;
  /// When set ("val_loss"), also keep best.npz: the epoch whose log had the best value so far,
  /// checked after every epoch (a NaN value is never the best).
  std::string monitor;
  Goal goal = Goal::minimize;
};

/// Writes into `dir` (created if missing): "epoch-0003.npz" after epoch 3 (four digits or more)
/// and "best.npz", each a save_checkpoint of the model, the optimizer and TrainingState{epochs
/// completed, steps taken, the epoch's log}: resume with FitOptions::initial_epoch =
/// load_checkpoint(...).epoch. Periodic files already in `dir` count towards keep_last, and a
/// best.npz there sets the value to beat (from its state/metrics), so a resumed run goes on
/// where the stopped one was.
class Checkpoint : public Callback {
 public:
  /// Throws ValueError naming the option when every is 0 or the directory cannot be made.
  Checkpoint(std::string dir, const nn::Module& model, CheckpointOptions options = {});
  /// Throws ValueError naming the metric when the log lacks the monitored one, and as
  /// save_checkpoint when a file cannot be written or an old one deleted.
  bool on_epoch_end(const TrainState& state, Metrics& log) override;

  /// The periodic files kept, oldest first.
  const std::vector<std::string>& kept() const { return kept_; }
  /// The best monitored value so far (NaN before any) and its epoch (1-based; 0 before any).
  double best() const { return best_; }
  std::size_t best_epoch() const { return best_epoch_; }
  std::string best_path() const;

 private:
  std::string dir_;
  const nn::Module& model_;
  CheckpointOptions options_;
  std::vector<std::string> kept_;
  double best_;
  std::size_t best_epoch_ = 0;
};

}  // namespace slope
