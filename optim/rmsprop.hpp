// SPDX-License-Identifier: MIT
// RMSProp (Tieleman and Hinton 2012): AdaGrad with a leaky average of squared gradients.
#pragma once

#include "gradient_method.hpp"

namespace slope {

struct RMSPropOptions : GradientOptions {
  /// rho in [0, 1): how much of the running average each step keeps.
  double decay = 0.99;
  /// eps > 0 keeps the division finite.
  double epsilon = 1e-8;
};

/// s <- rho s + (1 - rho) g^2;  w <- w - eta g / (sqrt(s) + eps)   (elementwise, s starts at 0).
struct RMSPropRule {
  using Options = RMSPropOptions;
  static constexpr const char* kName = "RMSProp";
  Options options;

  struct State {
    explicit State(const Tensor& p) : mean_sq(Tensor::zeros(Shape{p.size()}, p.dtype())) {}
    Tensor mean_sq;
  };

  void check(const char* who) const;

  /// The state's tensors by name, for state() and load_state().
  template <class S, class F>
  void fields(S& s, F&& f) const {
    f("mean_sq", s.mean_sq);
  }

  /// The update, in place; defined in update_rules.cpp for float and double.
  template <class T>
  void update(T* w, const T* g, std::size_t n, double lr, std::size_t t, State& s) const;
};

using RMSProp = GradientMethod<RMSPropRule>;

}  // namespace slope
