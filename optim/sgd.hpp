// SPDX-License-Identifier: MIT
// SGD on minibatches, with optional (Nesterov) momentum, and GradientDescent: the same rule on the
// whole data set every step.
#pragma once

#include "gradient_method.hpp"

namespace slope {

struct SgdOptions : GradientOptions {
  /// mu in [0, 1): the velocity's memory. 0 is plain SGD.
  double momentum = 0;
  /// Nesterov's look-ahead form (needs momentum > 0).
  bool nesterov = false;
};

/// v <- mu v + g;  d = g + mu v (Nesterov) or v;  w <- w - eta d.  With mu = 0: w <- w - eta g.
/// (PyTorch's form: the velocity holds gradients, so a changing eta applies to it at once.)
struct SgdRule {
  using Options = SgdOptions;
  static constexpr const char* kName = "Sgd";
  Options options;

  struct State {
    explicit State(const Tensor& /*param*/) {}
    Tensor velocity;  // allocated on the first step that uses momentum
  };

  void check(const char* who) const;

  /// The state's tensors by name, for state() and load_state(): the velocity, with momentum only.
  template <class S, class F>
  void fields(S& s, F&& f) const {
    if (options.momentum > 0) f("velocity", s.velocity);
  }

  /// The update, in place; defined in update_rules.cpp for float and double.
  template <class T>
  void update(T* w, const T* g, std::size_t n, double lr, std::size_t t, State& s) const;
};

/// Stochastic gradient descent: one update per minibatch (fit's batch_size).
using Sgd = GradientMethod<SgdRule>;

/// Gradient descent: the Sgd rule, but every step sees the whole data set (one step per epoch).
class GradientDescent : public GradientMethod<SgdRule> {
 public:
  explicit GradientDescent(SgdOptions options = SgdOptions())
      : GradientMethod(options, "GradientDescent") {}
  bool full_batch() const override { return true; }
};

}  // namespace slope
