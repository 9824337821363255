// SPDX-License-Identifier: MIT
// Problems with known minima for the optimizer tests (cf. ensmallen's problems/): a diagonal
// quadratic, Rosenbrock's function, and a small separable 3-class data set with a softmax linear
// classifier. Plus a callback that records every step's loss.
#pragma once

#include <cmath>
#include <vector>

#include <slope/slope.hpp>

namespace slope::test {

/// f(w) = 0.5 * sum_i a_i w_i^2 with a = (1, 3): gradient a * w, minimum 0 at w = 0.
/// The tiny problem of the hand-computed steps, from w0 = (1, -2) (g0 = (1, -6)).
struct Quadratic {
  Variable w;
  Variable a;
  Objective objective;

  explicit Quadratic(Dtype dtype = Dtype::float64, std::vector<double> w0 = {1, -2},
                     std::vector<double> coeffs = {1, 3})
      : w(Tensor::from_vector(w0, {w0.size()}, dtype), true),
        a(Tensor::from_vector(coeffs, {coeffs.size()}, dtype)) {
    objective.params = {w};
    objective.loss = [this](const Batch&) { return sum(w * w * a) * 0.5; };
    objective.examples = 1;
  }
  Quadratic(const Quadratic&) = delete;
  Quadratic& operator=(const Quadratic&) = delete;
};

/// f(x, y) = (1 - x)^2 + 100 (y - x^2)^2 from (-1.2, 1); minimum 0 at (1, 1). Two parameters, so
/// the optimizers' per-parameter bookkeeping is exercised too.
struct Rosenbrock {
  Variable x, y;
  Objective objective;

  explicit Rosenbrock(Dtype dtype = Dtype::float64)
      : x(Tensor::from_vector({-1.2}, {1}, dtype), true),
        y(Tensor::from_vector({1.0}, {1}, dtype), true) {
    objective.params = {x, y};
    objective.loss = [this](const Batch&) {
      return sum(square(1.0 - x) + 100.0 * square(y - square(x)));
    };
    objective.examples = 1;
  }
  Rosenbrock(const Rosenbrock&) = delete;
  Rosenbrock& operator=(const Rosenbrock&) = delete;
  double distance_to_minimum() const {
    return std::hypot(x.value().flat(0) - 1, y.value().flat(0) - 1);
  }
};

/// 3 well-separated Gaussian blobs in 2-D (centres (0, 4), (4, -2), (-4, -2), sd 0.5), 20 points
/// each, and a softmax linear classifier on them: minibatch rows are gathered per batch.
struct Blobs {
  Tensor x;  // [60, 2]
  Labels y;
  Variable w, b;
  Objective objective;

  explicit Blobs(std::uint64_t seed = 1, Dtype dtype = Dtype::float32)
      : x(randn({60, 2}, seed, Dtype::float64, 0.5)),
        w(Tensor::zeros({2, 3}, dtype), true),
        b(Tensor::zeros({3}, dtype), true) {
    const double centres[3][2] = {{0, 4}, {4, -2}, {-4, -2}};
    for (std::size_t i = 0; i < 60; ++i) {
      y.push_back(static_cast<std::int64_t>(i % 3));
      x.set_flat(2 * i, x.flat(2 * i) + centres[i % 3][0]);
      x.set_flat(2 * i + 1, x.flat(2 * i + 1) + centres[i % 3][1]);
    }
    x = x.to(dtype);
    objective.params = {w, b};
    objective.loss = [this](const Batch& batch) {
      if (batch.whole) return softmax_cross_entropy(linear(Variable(x), w, b), y);
      Tensor xb = Tensor::zeros({batch.size(), 2}, x.dtype());
      Labels yb;
      for (std::size_t r = 0; r < batch.size(); ++r) {
        xb.set_flat(2 * r, x.flat(2 * batch[r]));
        xb.set_flat(2 * r + 1, x.flat(2 * batch[r] + 1));
        yb.push_back(y[batch[r]]);
      }
      return softmax_cross_entropy(linear(Variable(xb), w, b), yb);
    };
    objective.examples = 60;
  }
  Blobs(const Blobs&) = delete;
  Blobs& operator=(const Blobs&) = delete;

  /// Fraction of the 60 points whose highest score is their label.
  double accuracy() const {
    NoGradGuard no_grad;
    const Variable s = linear(Variable(x), w, b);
    std::size_t right = 0;
    for (std::size_t i = 0; i < 60; ++i) {
      std::size_t best = 0;
      for (std::size_t c = 1; c < 3; ++c)
        if (s.value().flat(3 * i + c) > s.value().flat(3 * i + best)) best = c;
      right += static_cast<std::int64_t>(best) == y[i];
    }
    return static_cast<double>(right) / 60.0;
  }
};

/// Records every step's loss (and, optionally, stops after `stop_after` steps).
struct StepLosses : Callback {
  std::vector<double> losses;
  std::size_t stop_after = 0;
  bool on_step(const TrainState& s) override {
    losses.push_back(s.loss);
    return stop_after > 0 && s.iteration >= stop_after;
  }
  std::string stop_reason() const override { return "StepLosses: enough steps"; }
};

}  // namespace slope::test
