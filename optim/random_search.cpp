// SPDX-License-Identifier: MIT
#include "random_search.hpp"

#include <fmt/format.h>

#include "../graph/errors.hpp"
#include "gradient_method.hpp"
#include "optimizer_state.hpp"

namespace slope {

namespace {
// Each element of every parameter becomes base + sigma * N(0, 1) (base 0 when `base` is null).
void draw(std::vector<Variable>& params, const std::vector<Tensor>* base, double sigma,
          std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.0, 1.0);
  for (std::size_t k = 0; k < params.size(); ++k) {
    params[k].value().visit([&](auto& w) {
      using T = typename std::decay_t<decltype(w)>::value_type;
      T* d = w.data();
      const T* b = base ? (*base)[k].data<T>() : nullptr;
      for (std::size_t i = 0; i < w.size(); ++i)
        d[i] = static_cast<T>((b ? static_cast<double>(b[i]) : 0.0) + sigma * normal(rng));
    });
  }
}

// Copies the parameters' values into `into` in place (no allocation).
void save(const std::vector<Variable>& params, std::vector<Tensor>& into) {
  for (std::size_t k = 0; k < params.size(); ++k)
    params[k].value().visit([&](const auto& w) {
      using T = typename std::decay_t<decltype(w)>::value_type;
      std::copy(w.data(), w.data() + w.size(), into[k].data<T>());
    });
}
// Keeps the drawn parameters when they beat the best loss, else puts the best back.
// NOTE: `loss < best` is false for NaN, so a NaN draw is never kept.
void keep_if_better(std::vector<Variable>& params, double loss, std::vector<Tensor>& best,
                    double& best_loss) {
  if (loss < best_loss) {
    best_loss = loss;
    save(params, best);
  } else {
    restore(params, best);
  }
}
}  // namespace

namespace detail {

OptimizerState export_search(const SearchState& s, bool with_started) {
  OptimizerState out{{"rng", rng_entry(s.rng)}, {"best_loss", value_entry(s.best_loss)}};
  if (with_started) out.emplace_back("started", count_entry(s.started ? 1 : 0));
  for (std::size_t i = 0; i < s.best.size(); ++i)
    out.emplace_back("best." + std::to_string(i), s.best[i]);
  return out;
}

void check_search(const char* who, const OptimizerState& st, bool with_started) {
  std::vector<std::string> expected{"rng", "best_loss"};
  if (with_started) expected.emplace_back("started");
  const std::size_t n = count_indexed(st, "best.");
  for (std::size_t i = 0; i < n; ++i) expected.push_back("best." + std::to_string(i));
  check_names(who, st, expected);
  read_rng(who, st, "rng");
  read_value(who, st, "best_loss");
  if (with_started && read_count(who, st, "started") > 1)
    throw ValueError(fmt::format("{}: load_state: entry \"started\" must be 0 or 1", who));
}

SearchState adopt_search(const char* who, const OptimizerState& st, const Objective& f,
                         bool with_started) {
  check_state_count(who, st, "best.", f.params.size());
  SearchState s{read_rng(who, st, "rng"),
                {},
                read_value(who, st, "best_loss"),
                with_started && read_count(who, st, "started") == 1};
  for (std::size_t i = 0; i < f.params.size(); ++i) {
    const std::string entry = "best." + std::to_string(i);
    const Tensor& t = need_entry(who, st, entry);
    const Variable& p = f.params[i];
    check_entry_fits(who, entry, t, p.shape(), p.dtype(), param_name(f.names, i));
    s.best.push_back(t);
  }
  return s;
}

}  // namespace detail

RandomSearch::RandomSearch(RandomSearchOptions options) : options_(options) {
  check_positive("RandomSearch", "scale", options_.scale);
}

void RandomSearch::begin(Objective& f) {
  check_objective(name(), f, false);
  if (loaded_) {
    detail::SearchState s = detail::adopt_search(name(), *loaded_, f, false);
    rng_ = s.rng;
    best_ = std::move(s.best);
    best_loss_ = s.best_loss;
    loaded_.reset();
    return;
  }
  rng_.seed(options_.seed);
  best_ = snapshot(f.params);
  best_loss_ = std::numeric_limits<double>::infinity();
}

double RandomSearch::step(Objective& f, const Batch& batch, const StepInfo& /*info*/) {
  if (loaded_ || best_.size() != f.params.size()) begin(f);
  draw(f.params, nullptr, options_.scale, rng_);
  keep_if_better(f.params, loss_value(f, batch), best_, best_loss_);
  return best_loss_;
}

RandomLocalSearch::RandomLocalSearch(RandomLocalSearchOptions options) : options_(options) {
  check_positive("RandomLocalSearch", "step_size", options_.step_size);
}

void RandomLocalSearch::begin(Objective& f) {
  check_objective(name(), f, false);
  if (loaded_) {
    detail::SearchState s = detail::adopt_search(name(), *loaded_, f, true);
    rng_ = s.rng;
    best_ = std::move(s.best);
    best_loss_ = s.best_loss;
    started_ = s.started;
    loaded_.reset();
    return;
  }
  rng_.seed(options_.seed);
  best_ = snapshot(f.params);
  best_loss_ = std::numeric_limits<double>::infinity();
  started_ = false;
}

double RandomLocalSearch::step(Objective& f, const Batch& batch, const StepInfo& info) {
  if (loaded_ || best_.size() != f.params.size()) begin(f);
  if (!started_) {  // the starting point is the first best
    best_loss_ = loss_value(f, batch);
    started_ = true;
  }
  sigma_ =
      options_.schedule.rate(options_.step_size, info.progress(), static_cast<double>(info.epochs));
  draw(f.params, &best_, sigma_, rng_);
  keep_if_better(f.params, loss_value(f, batch), best_, best_loss_);
  return best_loss_;
}

OptimizerState RandomSearch::state() const {
  if (loaded_) return *loaded_;
  if (best_.empty()) return {};
  return detail::export_search({rng_, best_, best_loss_, false}, false);
}

void RandomSearch::load_state(const OptimizerState& state) {
  detail::check_search(name(), state, false);
  loaded_ = state;
}

OptimizerState RandomLocalSearch::state() const {
  if (loaded_) return *loaded_;
  if (best_.empty()) return {};
  return detail::export_search({rng_, best_, best_loss_, started_}, true);
}

void RandomLocalSearch::load_state(const OptimizerState& state) {
  detail::check_search(name(), state, true);
  loaded_ = state;
}

}  // namespace slope
