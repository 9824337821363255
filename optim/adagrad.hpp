// SPDX-License-Identifier: MIT
// AdaGrad (Duchi, Hazan and Singer 2011): per-coordinate step sizes shrinking with the gradient
// history.
#pragma once

#include "gradient_method.hpp"

namespace slope {

struct AdaGradOptions : GradientOptions {
  /// eps > 0 keeps the division finite.
  double epsilon = 1e-8;
};

/// G <- G + g^2;  w <- w - eta g / (sqrt(G) + eps)   (elementwise, G starts at 0).
struct AdaGradRule {
  using Options = AdaGradOptions;
  static constexpr const char* kName = "AdaGrad";
  Options options;

  struct State {
    explicit State(const Tensor& p) : sum_sq(Tensor::zeros(Shape{p.size()}, p.dtype())) {}
    Tensor sum_sq;
  };

  void check(const char* who) const;

  /// The state's tensors by name, for state() and load_state().
  template <class S, class F>
  void fields(S& s, F&& f) const {
    f("sum_sq", s.sum_sq);
  }

  /// The update, in place; defined in update_rules.cpp for float and double.
  template <class T>
  void update(T* w, const T* g, std::size_t n, double lr, std::size_t t, State& s) const;
};

using AdaGrad = GradientMethod<AdaGradRule>;

}  // namespace slope
