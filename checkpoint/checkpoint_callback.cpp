// SPDX-License-Identifier: MIT
#include "checkpoint_callback.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <regex>
#include <system_error>

#include <fmt/format.h>

#include "../graph/errors.hpp"
#include "checkpoint.hpp"

namespace slope {

namespace fs = std::filesystem;

namespace {

std::string periodic_name(std::size_t epoch) { return fmt::format("epoch-{:04}.npz", epoch); }

}  // namespace

Checkpoint::Checkpoint(std::string dir, const nn::Module& model, CheckpointOptions options)
    : dir_(std::move(dir)),
      model_(model),
      options_(std::move(options)),
      best_(std::numeric_limits<double>::quiet_NaN()) {
  if (options_.every == 0) throw ValueError("Checkpoint: every must be at least 1, got 0");
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_))
    throw ValueError(fmt::format("Checkpoint: cannot make the directory '{}' ({})", dir_,
                                 ec ? ec.message() : "not a directory"));
  // The files a stopped run left count towards keep_last, oldest first.
  const std::regex periodic(R"(epoch-(\d+)\.npz)");
  std::vector<std::pair<unsigned long long, std::string>> found;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    std::smatch m;
    const std::string name = entry.path().filename().string();
    if (std::regex_match(name, m, periodic) && m[1].length() < 19)
      found.emplace_back(std::stoull(m[1].str()), entry.path().string());
  }
  std::sort(found.begin(), found.end());
  for (auto& [epoch, path] : found) kept_.push_back(std::move(path));
  if (!options_.monitor.empty() && fs::exists(best_path())) {
    const Metrics& was = read_training_state(best_path()).metrics;
    if (was.has(options_.monitor)) best_ = was.get(options_.monitor);
  }
}

std::string Checkpoint::best_path() const { return (fs::path(dir_) / "best.npz").string(); }

bool Checkpoint::on_epoch_end(const TrainState& state, Metrics& log) {
  const std::size_t done = state.epoch + 1;
  const TrainingState run{done, state.iteration, log};
  if (!options_.monitor.empty()) {
    if (!log.has(options_.monitor))
      throw ValueError(fmt::format("Checkpoint: the epoch's log has no '{}' to monitor (have {})",
                                   options_.monitor, log.names()));
    const double v = log.get(options_.monitor);
    const bool better =
        !std::isnan(v) &&
        (std::isnan(best_) || (options_.goal == Goal::minimize ? v < best_ : v > best_));
    if (better) {
      save_checkpoint(best_path(), model_, &state.optimizer, run);
      best_ = v;
      best_epoch_ = done;
    }
  }
  if (done % options_.every != 0) return false;
  const std::string path = (fs::path(dir_) / periodic_name(done)).string();
  save_checkpoint(path, model_, &state.optimizer, run);
  kept_.erase(std::remove(kept_.begin(), kept_.end(), path), kept_.end());
  kept_.push_back(path);
  while (options_.keep_last > 0 && kept_.size() > options_.keep_last) {
    std::error_code ec;
    if (!fs::remove(kept_.front(), ec) && ec)
      throw ValueError(fmt::format("Checkpoint: cannot delete the old checkpoint '{}' ({})",
                                   kept_.front(), ec.message()));
    kept_.erase(kept_.begin());
  }
  return false;
}

}  // namespace slope
