// SPDX-License-Identifier: MIT
// The built-in callbacks: progress display, CSV history, early stopping, keeping the best
// parameters, and a time limit.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "callback.hpp"

namespace slope {

struct ProgressBarOptions {
  enum class Mode { automatic, bar, lines };
  std::FILE* out = stdout;
  Mode mode = Mode::automatic;  ///< automatic: bar when `out` is a terminal, else lines
  double redraw = 0.1;          ///< bar: seconds between redraws
  double line_interval = 0;     ///< lines: least seconds between two epoch lines
};

/// Shows epoch, step, loss, steps/s and ETA. On a terminal: one line redrawn in place (at most
/// every `redraw` seconds) and kept at each epoch's end with its metrics; otherwise (a file, a
/// pipe, a CI log): one plain line per epoch, at most one every `line_interval` seconds (the last
/// epoch always prints), and a last line saying why a stopped run stopped.
class ProgressBar : public Callback {
 public:
  using Options = ProgressBarOptions;
  using Mode = ProgressBarOptions::Mode;
  explicit ProgressBar(Options options = Options());
  bool on_begin(const TrainState& state) override;
  bool on_step(const TrainState& state) override;
  bool on_epoch_end(const TrainState& state, Metrics& log) override;
  void on_end(const TrainState& state) override;

 private:
  void draw(const TrainState& state);
  Options options_;
  bool bar_ = false;
  double last_draw_ = -1e300;
  double last_line_ = -1e300;
  bool pending_ = false;  // a bar line is on screen without its newline
};

/// Writes each epoch's metrics as a CSV row (header from the first epoch's names), flushed every
/// epoch so a crash keeps what was written. When fit() throws for a non-finite step, on_end adds a
/// row for the interrupted epoch (epoch, loss of its finite steps, step_size, seconds). Throws
/// ValueError naming the path when it cannot open the file (at on_begin).
class CsvLogger : public Callback {
 public:
  explicit CsvLogger(std::string path);
  ~CsvLogger() override;
  CsvLogger(const CsvLogger&) = delete;
  CsvLogger& operator=(const CsvLogger&) = delete;
  bool on_begin(const TrainState& state) override;
  bool on_epoch_end(const TrainState& state, Metrics& log) override;
  void on_end(const TrainState& state) override;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  std::vector<std::string> columns_;
};

/// Stops when the monitored metric has not improved by more than `min_delta` for `patience`
/// epochs in a row. Throws ValueError when the epoch log lacks the metric (naming what it has).
/// A NaN value never improves; the stop reason says when the metric was NaN.
class EarlyStopping : public Callback {
 public:
  /// Throws ValueError for patience 0 or a negative / NaN min_delta.
  explicit EarlyStopping(std::string monitor = "val_loss", std::size_t patience = 5,
                         Goal goal = Goal::minimize, double min_delta = 0);
  bool on_begin(const TrainState& state) override;
  bool on_epoch_end(const TrainState& state, Metrics& log) override;
  std::string stop_reason() const override;
  double best() const { return best_; }
  std::size_t best_epoch() const { return best_epoch_; }  ///< 1-based; 0 before any epoch

 private:
  std::string monitor_;
  std::size_t patience_;
  Goal goal_;
  double min_delta_;
  double best_ = 0;
  std::size_t best_epoch_ = 0;
  std::size_t bad_epochs_ = 0;
  std::size_t nan_epochs_ = 0;  // the metric's NaN epochs in a row, up to the last
};

/// Copies the parameters whenever the monitored metric improves and writes the best copy back at
/// the end of the run (so a run that overshoots, or is stopped, ends at its best epoch).
class KeepBest : public Callback {
 public:
  explicit KeepBest(std::string monitor = "val_loss", Goal goal = Goal::minimize);
  bool on_begin(const TrainState& state) override;
  bool on_epoch_end(const TrainState& state, Metrics& log) override;
  void on_end(const TrainState& state) override;
  double best() const { return best_; }
  std::size_t best_epoch() const { return best_epoch_; }  ///< 1-based; 0 before any epoch

 private:
  std::string monitor_;
  Goal goal_;
  double best_ = 0;
  std::size_t best_epoch_ = 0;
  std::vector<Tensor> saved_;
};

/// Stops after the step during which `seconds` of wall time have passed since fit() began.
class TimeLimit : public Callback {
 public:
  /// Throws ValueError unless seconds > 0.
  explicit TimeLimit(double seconds);
  bool on_step(const TrainState& state) override;
  std::string stop_reason() const override;

 private:
  double seconds_;
  double at_ = 0;
};

}  // namespace slope
