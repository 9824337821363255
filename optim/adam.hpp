// SPDX-License-Identifier: MIT
// Adam (Kingma and Ba 2015): momentum on the gradient and on its square, bias-corrected. With
// weight_decay it is AdamW (the decay is decoupled, see GradientOptions).
#pragma once

#include "gradient_method.hpp"

namespace slope {

struct AdamOptions : GradientOptions {
  AdamOptions() { step_size = 1e-3; }
  /// beta1 in [0, 1): memory of the first moment.
  double beta1 = 0.9;
  /// beta2 in [0, 1): memory of the second moment.
  double beta2 = 0.999;
  /// eps > 0 keeps the division finite.
  double epsilon = 1e-8;
};

/// m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;
/// w <- w - eta (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)   (t = 1, 2, ...; m, v start at 0).
struct AdamRule {
  using Options = AdamOptions;
  static constexpr const char* kName = "Adam";
  Options options;

  struct State {
    explicit State(const Tensor& p)
        : m(Tensor::zeros(Shape{p.size()}, p.dtype())),
          v(Tensor::zeros(Shape{p.size()}, p.dtype())) {}
    Tensor m, v;
  };

  void check(const char* who) const;

  /// The state's tensors by name, for state() and load_state().
  template <class S, class F>
  void fields(S& s, F&& f) const {
    f("m", s.m);
    f("v", s.v);
  }

  /// The update, in place; defined in update_rules.cpp for float and double.
  template <class T>
  void update(T* w, const T* g, std::size_t n, double lr, std::size_t t, State& s) const;
};

using Adam = GradientMethod<AdamRule>;

}  // namespace slope
