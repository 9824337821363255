// SPDX-License-Identifier: MIT
// The examples' pieces around fit(): the printing process's callbacks (a progress bar and a CSV
// history), and an evaluate callback that skips the evaluation when the parameters did not change
// since the last one.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <slope/slope.hpp>

namespace slope::examples {

/// fit()'s evaluate callback: `evaluate` when `params` (float32) changed since its last call, else
/// that call's metrics again. A search that kept its best point costs no evaluation.
inline std::function<Metrics()> evaluate_when_changed(std::vector<Variable> params,
                                                      std::function<Metrics()> evaluate) {
  struct State {
    std::vector<Tensor> evaluated_at;
    Metrics last;
  };
  auto state = std::make_shared<State>();
  return [state, params = std::move(params), evaluate = std::move(evaluate)]() {
    std::vector<Tensor> now = snapshot(params);
    const auto same_values = [](const Tensor& t, const Tensor& u) {
      return std::equal(t.data<float>(), t.data<float>() + t.size(), u.data<float>());
    };
    const bool same = now.size() == state->evaluated_at.size() &&
                      std::equal(now.begin(), now.end(), state->evaluated_at.begin(), same_values);
    if (!same) {
      state->last = evaluate();
      state->evaluated_at = std::move(now);
    }
    return state->last;
  };
}

/// fit()'s callbacks: a progress bar (for runs of more than 50 epochs a line a second at most)
/// and the history as CSV at `csv`, or none where `prints` is false (the other ranks of a
/// distributed run).
class FitLog {
 public:
  FitLog(const std::string& csv, std::size_t epochs, bool prints)
      : progress_(options(epochs)), history_(csv), prints_(prints) {}
  std::vector<Callback*> callbacks() {
    if (!prints_) return {};
    return {&progress_, &history_};
  }

 private:
  static ProgressBar::Options options(std::size_t epochs) {
    ProgressBar::Options o;
    if (epochs > 50) o.line_interval = 1.0;  // many short epochs
    return o;
  }
  ProgressBar progress_;
  CsvLogger history_;
  bool prints_;
};

}  // namespace slope::examples
