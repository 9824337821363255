// SPDX-License-Identifier: MIT
// CsvLogger, EarlyStopping, KeepBest, TimeLimit (ProgressBar is in progress_bar.cpp).
#include "builtin_callbacks.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope {

namespace {
bool better(Goal goal, double v, double best, double min_delta) {
  return goal == Goal::minimize ? v < best - min_delta : v > best + min_delta;
}

double monitored(const char* who, const Metrics& log, const std::string& name) {
  if (!log.has(name))
    throw ValueError(fmt::format(
        "{}: the epoch log has no '{}' (it has {}); give fit an evaluate function that returns it",
        who, name, log.names()));
  return log.get(name);
}
}  // namespace

// ---- CsvLogger ----

CsvLogger::CsvLogger(std::string path) : path_(std::move(path)) {}

CsvLogger::~CsvLogger() {
  if (file_) std::fclose(file_);
}

bool CsvLogger::on_begin(const TrainState& /*state*/) {
  if (file_) std::fclose(file_);
  columns_.clear();
  file_ = std::fopen(path_.c_str(), "w");
  if (!file_)
    throw ValueError(
        fmt::format("CsvLogger: cannot open '{}' for writing ({})", path_, std::strerror(errno)));
  return false;
}

bool CsvLogger::on_epoch_end(const TrainState& /*state*/, Metrics& log) {
  if (!file_) return false;
  if (columns_.empty()) {
    for (const auto& item : log.items()) columns_.push_back(item.first);
    fmt::print(file_, "{}\n", fmt::join(columns_, ","));
  }
  std::string row;
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (i > 0) row += ',';
    if (log.has(columns_[i])) row += fmt::format("{}", log.get(columns_[i]));
  }
  fmt::print(file_, "{}\n", row);
  std::fflush(file_);
  return false;
}

void CsvLogger::on_end(const TrainState& state) {
  if (file_ && !state.error.empty()) {
    // fit is about to throw mid-epoch: one last row for the epoch it interrupted (the mean loss of
    // its finite steps so far), so that even a run that fails in its first epoch leaves a row.
    Metrics log{{"epoch", static_cast<double>(state.epoch + 1)},
                {"loss", state.epoch_loss},
                {"step_size", state.optimizer.current_step_size()},
                {"seconds", state.seconds}};
    on_epoch_end(state, log);
  }
  if (file_) std::fclose(file_);
  file_ = nullptr;
}

// ---- EarlyStopping ----

EarlyStopping::EarlyStopping(std::string monitor, std::size_t patience, Goal goal, double min_delta)
    : monitor_(std::move(monitor)), patience_(patience), goal_(goal), min_delta_(min_delta) {
  if (patience_ == 0) throw ValueError("EarlyStopping: patience must be at least 1 (patience 0)");
  if (!(min_delta_ >= 0 && std::isfinite(min_delta_)))
    throw ValueError(
        fmt::format("EarlyStopping: min_delta must be >= 0 (min_delta {})", min_delta_));
}

bool EarlyStopping::on_begin(const TrainState& /*state*/) {
  best_epoch_ = 0;
  bad_epochs_ = 0;
  nan_epochs_ = 0;
  return false;
}

bool EarlyStopping::on_epoch_end(const TrainState& state, Metrics& log) {
  const double v = monitored("EarlyStopping", log, monitor_);
  nan_epochs_ = std::isnan(v) ? nan_epochs_ + 1 : 0;
  if (best_epoch_ == 0 ? !std::isnan(v) : better(goal_, v, best_, min_delta_)) {
    best_ = v;
    best_epoch_ = state.epoch + 1;
    bad_epochs_ = 0;
    return false;
  }
  return ++bad_epochs_ >= patience_;
}

std::string EarlyStopping::stop_reason() const {
  if (best_epoch_ == 0)
    return fmt::format("EarlyStopping: {} was NaN in each of the {} epochs (no value to compare)",
                       monitor_, bad_epochs_);
  const std::string nan =
      nan_epochs_ > 0 ? fmt::format("; {} was NaN in the last {} epochs", monitor_, nan_epochs_)
                      : "";
  return fmt::format("EarlyStopping: {} did not improve for {} epochs (best {:.6g} at epoch {}{})",
                     monitor_, bad_epochs_, best_, best_epoch_, nan);
}

// ---- KeepBest ----

KeepBest::KeepBest(std::string monitor, Goal goal) : monitor_(std::move(monitor)), goal_(goal) {}

bool KeepBest::on_begin(const TrainState& /*state*/) {
  best_epoch_ = 0;
  saved_.clear();
  return false;
}

bool KeepBest::on_epoch_end(const TrainState& state, Metrics& log) {
  const double v = monitored("KeepBest", log, monitor_);
  if (best_epoch_ == 0 ? !std::isnan(v) : better(goal_, v, best_, 0)) {
    best_ = v;
    best_epoch_ = state.epoch + 1;
    if (saved_.empty())
      saved_ = snapshot(state.objective.params);
    else
      for (std::size_t i = 0; i < saved_.size(); ++i) saved_[i] = state.objective.params[i].value();
  }
  return false;
}

void KeepBest::on_end(const TrainState& state) {
  if (!saved_.empty()) restore(state.objective.params, saved_);
}

// ---- TimeLimit ----

TimeLimit::TimeLimit(double seconds) : seconds_(seconds) {
  if (!(seconds > 0))
    throw ValueError(fmt::format("TimeLimit: seconds must be positive (seconds {})", seconds));
}

bool TimeLimit::on_step(const TrainState& state) {
  if (state.seconds < seconds_) return false;
  at_ = state.seconds;
  return true;
}

std::string TimeLimit::stop_reason() const {
  return fmt::format("TimeLimit: {:.3g} s passed (limit {:.3g} s)", at_, seconds_);
}

}  // namespace slope
