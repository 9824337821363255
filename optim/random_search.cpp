// SPDX-License-Identifier: MIT
#include "random_search.hpp"

#include "../graph/errors.hpp"
#include "gradient_method.hpp"

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

RandomSearch::RandomSearch(RandomSearchOptions options) : options_(options) {
  check_positive("RandomSearch", "scale", options_.scale);
}

void RandomSearch::begin(Objective& f) {
  check_objective(name(), f, false);
  rng_.seed(options_.seed);
  best_ = snapshot(f.params);
  best_loss_ = std::numeric_limits<double>::infinity();
}

double RandomSearch::step(Objective& f, const Batch& batch, const StepInfo& /*info*/) {
  if (best_.size() != f.params.size()) begin(f);
  draw(f.params, nullptr, options_.scale, rng_);
  keep_if_better(f.params, loss_value(f, batch), best_, best_loss_);
  return best_loss_;
}

RandomLocalSearch::RandomLocalSearch(RandomLocalSearchOptions options) : options_(options) {
  check_positive("RandomLocalSearch", "step_size", options_.step_size);
}

void RandomLocalSearch::begin(Objective& f) {
  check_objective(name(), f, false);
  rng_.seed(options_.seed);
  best_ = snapshot(f.params);
  best_loss_ = std::numeric_limits<double>::infinity();
  started_ = false;
}

double RandomLocalSearch::step(Objective& f, const Batch& batch, const StepInfo& info) {
  if (best_.size() != f.params.size()) begin(f);
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

}  // namespace slope
