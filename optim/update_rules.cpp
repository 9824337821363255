// SPDX-License-Identifier: MIT
// The built-in update rules, compiled here once for float and double (so that they get the
// library's optimisation flags whatever the caller's), and their option checks.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "../graph/errors.hpp"
#include "adagrad.hpp"
#include "adam.hpp"
#include "rmsprop.hpp"
#include "sgd.hpp"

namespace slope {

namespace {
// Adaptive rules work through a parameter in chunks: one fused loop for the moments, a vectorised
// square root into a stack buffer, one loop for the step.
constexpr std::size_t kChunk = 256;

// out = sqrt(x). NOTE: a plain std::sqrt loop does not vectorise (errno must be kept), and the
// root is most of an adaptive step's time, so it goes through xsimd when xtensor uses it.
template <class T>
void sqrt_into(const T* x, T* out, std::size_t n) {
  std::size_t i = 0;
#if defined(XTENSOR_USE_XSIMD)
  using Batch = xsimd::batch<T>;
  for (; i + Batch::size <= n; i += Batch::size)
    xsimd::sqrt(Batch::load_unaligned(x + i)).store_unaligned(out + i);
#endif
  for (; i < n; ++i) out[i] = std::sqrt(x[i]);
}

// The data of a state buffer that must hold `n` values of type T. NOTE: GradientMethod checks
// each parameter against its state first (naming it); this guards the rules' own loops.
template <class T>
T* state_data(const char* who, Tensor& state, std::size_t n) {
  if (state.size() != n)
    throw ShapeError(fmt::format("{}: a state buffer of shape {} cannot update {} values", who,
                                 shape_str(state.shape()), n));
  return state.data<T>();
}
}  // namespace

// ---- Sgd ----

template <class T>
void SgdRule::update(T* w, const T* g, std::size_t n, double lr, std::size_t /*t*/,
                     State& s) const {
  const T eta = static_cast<T>(lr);
  if (options.momentum == 0) {
    for (std::size_t i = 0; i < n; ++i) w[i] -= eta * g[i];
    return;
  }
  if (s.velocity.empty()) s.velocity = Tensor::zeros(Shape{n}, dtype_of<T>());
  T* v = state_data<T>(kName, s.velocity, n);
  const T mu = static_cast<T>(options.momentum);
  if (options.nesterov) {
    for (std::size_t i = 0; i < n; ++i) {
      v[i] = mu * v[i] + g[i];
      w[i] -= eta * (g[i] + mu * v[i]);
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      v[i] = mu * v[i] + g[i];
      w[i] -= eta * v[i];
    }
  }
}

void SgdRule::check(const char* who) const {
  check_in_range(who, "momentum", options.momentum, 0, 1);
  if (options.nesterov && options.momentum == 0)
    throw ValueError(fmt::format("{}: nesterov needs a momentum > 0 (momentum 0)", who));
}

// ---- AdaGrad ----

template <class T>
void AdaGradRule::update(T* w, const T* g, std::size_t n, double lr, std::size_t /*t*/,
                         State& s) const {
  const T eta = static_cast<T>(lr), eps = static_cast<T>(options.epsilon);
  T* sum_sq = state_data<T>(kName, s.sum_sq, n);
  T root[kChunk];
  for (std::size_t start = 0; start < n; start += kChunk) {
    const std::size_t len = std::min(kChunk, n - start);
    T* G = sum_sq + start;
    const T* gc = g + start;
    T* wc = w + start;
    for (std::size_t i = 0; i < len; ++i) G[i] += gc[i] * gc[i];
    sqrt_into(G, root, len);
    for (std::size_t i = 0; i < len; ++i) wc[i] -= eta * gc[i] / (root[i] + eps);
  }
}

void AdaGradRule::check(const char* who) const { check_positive(who, "epsilon", options.epsilon); }

// ---- RMSProp ----

template <class T>
void RMSPropRule::update(T* w, const T* g, std::size_t n, double lr, std::size_t /*t*/,
                         State& s) const {
  const T eta = static_cast<T>(lr), eps = static_cast<T>(options.epsilon);
  const T rho = static_cast<T>(options.decay), one_minus_rho = static_cast<T>(1 - options.decay);
  T* mean_sq = state_data<T>(kName, s.mean_sq, n);
  T root[kChunk];
  for (std::size_t start = 0; start < n; start += kChunk) {
    const std::size_t len = std::min(kChunk, n - start);
    T* ms = mean_sq + start;
    const T* gc = g + start;
    T* wc = w + start;
    for (std::size_t i = 0; i < len; ++i) ms[i] = rho * ms[i] + one_minus_rho * gc[i] * gc[i];
    sqrt_into(ms, root, len);
    for (std::size_t i = 0; i < len; ++i) wc[i] -= eta * gc[i] / (root[i] + eps);
  }
}

void RMSPropRule::check(const char* who) const {
  check_in_range(who, "decay", options.decay, 0, 1);
  check_positive(who, "epsilon", options.epsilon);
}

// ---- Adam ----

template <class T>
void AdamRule::update(T* w, const T* g, std::size_t n, double lr, std::size_t t, State& s) const {
  const double td = static_cast<double>(t);
  const T b1 = static_cast<T>(options.beta1), b2 = static_cast<T>(options.beta2);
  const T c1 = static_cast<T>(1 - options.beta1), c2 = static_cast<T>(1 - options.beta2);
  // NOTE: the bias corrections fold into two scalars: m_hat = m / (1 - b1^t) goes into
  // eta_t = eta / (1 - b1^t), and sqrt(v_hat) = sqrt(v) / sqrt(1 - b2^t).
  const T eta_t = static_cast<T>(lr / (1 - std::pow(options.beta1, td)));
  const T inv_sqrt_bc2 = static_cast<T>(1 / std::sqrt(1 - std::pow(options.beta2, td)));
  const T eps = static_cast<T>(options.epsilon);
  T* m = state_data<T>(kName, s.m, n);
  T* v = state_data<T>(kName, s.v, n);
  T root[kChunk];
  for (std::size_t start = 0; start < n; start += kChunk) {
    const std::size_t len = std::min(kChunk, n - start);
    T* mc = m + start;
    T* vc = v + start;
    const T* gc = g + start;
    T* wc = w + start;
    for (std::size_t i = 0; i < len; ++i) {
      mc[i] = b1 * mc[i] + c1 * gc[i];
      vc[i] = b2 * vc[i] + c2 * gc[i] * gc[i];
    }
    sqrt_into(vc, root, len);
    for (std::size_t i = 0; i < len; ++i) wc[i] -= eta_t * mc[i] / (root[i] * inv_sqrt_bc2 + eps);
  }
}

void AdamRule::check(const char* who) const {
  check_in_range(who, "beta1", options.beta1, 0, 1);
  check_in_range(who, "beta2", options.beta2, 0, 1);
  check_positive(who, "epsilon", options.epsilon);
}

// ---- the instantiations GradientMethod links against ----

#define SLOPE_INSTANTIATE_RULE(Rule)                                                           \
  template void Rule::update<float>(float*, const float*, std::size_t, double, std::size_t,    \
                                    State&) const;                                             \
  template void Rule::update<double>(double*, const double*, std::size_t, double, std::size_t, \
                                     State&) const;
SLOPE_INSTANTIATE_RULE(SgdRule)
SLOPE_INSTANTIATE_RULE(AdaGradRule)
SLOPE_INSTANTIATE_RULE(RMSPropRule)
SLOPE_INSTANTIATE_RULE(AdamRule)
#undef SLOPE_INSTANTIATE_RULE

}  // namespace slope
