// SPDX-License-Identifier: MIT
// The lecture's gradient-free straw men. Both use only the loss (under NoGradGuard), see the whole
// data set every step, and leave the parameters at the best point found; step() returns the best
// loss so far, which never increases.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <random>

#include "optimizer.hpp"
#include "schedule.hpp"

namespace slope {

namespace detail {
/// A random search's state: its engine, best point and loss (and whether it started).
struct SearchState {
  std::mt19937_64 rng;
  std::vector<Tensor> best;
  double best_loss;
  bool started;
};
OptimizerState export_search(const SearchState& s, bool with_started);
/// Checks names and scalars now (the best point's shapes at adopt_search).
void check_search(const char* who, const OptimizerState& st, bool with_started);
/// The loaded state, checked against f.params; throws naming the entry, changing nothing.
SearchState adopt_search(const char* who, const OptimizerState& st, const Objective& f,
                         bool with_started);
}  // namespace detail

struct RandomSearchOptions {
  /// sigma > 0: every draw sets each parameter element to sigma * N(0, 1).
  double scale = 1e-3;
  std::uint64_t seed = 0;
};

/// Each step draws fresh parameters W ~ sigma N(0, 1) and keeps them when the loss is lower than
/// the best so far (which starts at +inf: the starting point is not a candidate).
class RandomSearch : public Optimizer {
 public:
  /// Throws ValueError "RandomSearch: scale must be positive (scale 0)".
  explicit RandomSearch(RandomSearchOptions options = RandomSearchOptions());
  const char* name() const override { return "RandomSearch"; }
  const RandomSearchOptions& options() const { return options_; }
  void begin(Objective& f) override;
  double step(Objective& f, const Batch& batch, const StepInfo& info) override;
  bool full_batch() const override { return true; }
  double current_step_size() const override { return options_.scale; }
  double best_loss() const { return best_loss_; }
  /// "rng" (the engine), "best_loss", and "best.i": the best parameters so far.
  OptimizerState state() const override;
  void load_state(const OptimizerState& state) override;

 private:
  RandomSearchOptions options_;
  std::mt19937_64 rng_;
  std::vector<Tensor> best_;
  double best_loss_ = std::numeric_limits<double>::infinity();
  std::optional<OptimizerState> loaded_;  // from load_state(), until the next begin()
};

struct RandomLocalSearchOptions {
  /// sigma0 > 0: each candidate is W_best + sigma(e) N(0, 1), sigma(e) = schedule.rate(sigma0, e).
  double step_size = 1e-3;
  Schedule schedule;
  std::uint64_t seed = 0;
};

/// Each step perturbs the best parameters so far with Gaussian noise and keeps the candidate when
/// its loss is lower (the first step evaluates the starting point).
class RandomLocalSearch : public Optimizer {
 public:
  /// Throws ValueError "RandomLocalSearch: step_size must be positive (step_size -1)".
  explicit RandomLocalSearch(RandomLocalSearchOptions options = RandomLocalSearchOptions());
  const char* name() const override { return "RandomLocalSearch"; }
  const RandomLocalSearchOptions& options() const { return options_; }
  void begin(Objective& f) override;
  double step(Objective& f, const Batch& batch, const StepInfo& info) override;
  bool full_batch() const override { return true; }
  double current_step_size() const override { return sigma_; }
  double best_loss() const { return best_loss_; }
  /// RandomSearch's entries and "started" (1 once the starting point was evaluated).
  OptimizerState state() const override;
  void load_state(const OptimizerState& state) override;

 private:
  RandomLocalSearchOptions options_;
  std::mt19937_64 rng_;
  std::vector<Tensor> best_;
  double best_loss_ = std::numeric_limits<double>::infinity();
  bool started_ = false;
  double sigma_ = std::numeric_limits<double>::quiet_NaN();
  std::optional<OptimizerState> loaded_;
};

}  // namespace slope
