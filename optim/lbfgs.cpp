// SPDX-License-Identifier: MIT
// L-BFGS (Nocedal and Wright, Numerical Optimization, algorithms 7.4 and 7.5) over the parameters
// flattened into one vector of doubles.
#include "lbfgs.hpp"

#include <cmath>

#include <fmt/format.h>

#include "../graph/errors.hpp"
#include "gradient_method.hpp"
#include "optimizer_state.hpp"

namespace slope {

namespace {
double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// The parameters (or their gradients, 0 where empty) as one flat vector.
void gather(const std::vector<Variable>& params, bool grads, std::vector<double>& out) {
  out.clear();
  for (const auto& p : params) {
    if (grads && !p.has_grad()) {
      out.insert(out.end(), p.size(), 0.0);
      continue;
    }
    (grads ? p.grad() : p.value()).visit([&out](const auto& a) {
      out.insert(out.end(), a.data(), a.data() + a.size());
    });
  }
}

// params <- x exactly (x + 0 * d would be NaN where d is).
void put(std::vector<Variable>& params, const std::vector<double>& x) {
  std::size_t k = 0;
  for (auto& p : params)
    p.value().visit([&](auto& a) {
      using T = typename std::decay_t<decltype(a)>::value_type;
      for (std::size_t i = 0; i < a.size(); ++i, ++k) a.data()[i] = static_cast<T>(x[k]);
    });
}

// Throws NonFiniteError when the loss or the flat gradient `g` at the current point is not finite,
// naming the parameter that holds the first bad element.
void check_finite_point(const char* who, double loss, const std::vector<double>& g,
                        const Objective& f) {
  const std::vector<Variable>& params = f.params;
  if (!std::isfinite(loss))
    throw NonFiniteError(
        fmt::format("{}: the loss is {}; the step was not applied (the parameters are unchanged)",
                    who, loss),
        loss);
  std::size_t k = 0;
  for (std::size_t p = 0; p < params.size(); ++p) {
    std::size_t bad = 0;
    for (std::size_t i = 0; i < params[p].size(); ++i, ++k) bad += !std::isfinite(g[k]);
    if (bad > 0)
      throw NonFiniteError(
          fmt::format(
              "{}: the gradient of {} (shape {}) has {} non-finite of {} elements although the "
              "loss {} is finite; the step was not applied (the parameters are unchanged)",
              who, param_name(f.names, p), shape_str(params[p].shape()), bad, params[p].size(),
              loss),
          loss, static_cast<std::ptrdiff_t>(p));
  }
}

// params <- x + alpha * d.
void scatter(std::vector<Variable>& params, const std::vector<double>& x, double alpha,
             const std::vector<double>& d) {
  std::size_t k = 0;
  for (auto& p : params)
    p.value().visit([&](auto& a) {
      using T = typename std::decay_t<decltype(a)>::value_type;
      for (std::size_t i = 0; i < a.size(); ++i, ++k)
        a.data()[i] = static_cast<T>(x[k] + alpha * d[k]);
    });
}
}  // namespace

Lbfgs::Lbfgs(LbfgsOptions options) : options_(options) {
  check_positive("Lbfgs", "step_size", options_.step_size);
  if (options_.memory == 0) throw ValueError("Lbfgs: memory must be at least 1 (memory 0)");
  if (!(options_.armijo > 0 && options_.armijo < 1))
    throw ValueError(fmt::format("Lbfgs: armijo must be in (0, 1) (armijo {})", options_.armijo));
  if (!(options_.backtrack > 0 && options_.backtrack < 1))
    throw ValueError(
        fmt::format("Lbfgs: backtrack must be in (0, 1) (backtrack {})", options_.backtrack));
  if (options_.max_trials == 0)
    throw ValueError("Lbfgs: max_trials must be at least 1 (max_trials 0)");
}

void Lbfgs::begin(Objective& f) {
  check_objective(name(), f, true);
  begun_ = true;
  if (!loaded_) {
    s_.clear();
    y_.clear();
    cached_ = false;
    return;
  }
  // The loaded state, checked against the parameters' total size before anything changes.
  const OptimizerState& st = *loaded_;
  std::size_t n = 0;
  for (const auto& p : f.params) n += p.size();
  std::deque<std::vector<double>> s, y;
  for (std::size_t j = 0; j < detail::count_indexed(st, "s."); ++j) {
    s.push_back(detail::read_vector(name(), st, "s." + std::to_string(j), n));
    y.push_back(detail::read_vector(name(), st, "y." + std::to_string(j), n));
  }
  const bool cached = detail::read_count(name(), st, "cached") == 1;
  if (cached) {
    x_ = detail::read_vector(name(), st, "x", n);
    g_ = detail::read_vector(name(), st, "g", n);
    f_ = detail::read_value(name(), st, "f");
  }
  s_ = std::move(s);
  y_ = std::move(y);
  cached_ = cached;
  loaded_.reset();
}

OptimizerState Lbfgs::state() const {
  if (loaded_) return *loaded_;
  if (!begun_) return {};
  OptimizerState out;
  for (std::size_t j = 0; j < s_.size(); ++j) {
    out.emplace_back("s." + std::to_string(j), detail::vector_entry(s_[j]));
    out.emplace_back("y." + std::to_string(j), detail::vector_entry(y_[j]));
  }
  out.emplace_back("cached", detail::count_entry(cached_ ? 1 : 0));
  if (cached_) {
    out.emplace_back("x", detail::vector_entry(x_));
    out.emplace_back("g", detail::vector_entry(g_));
    out.emplace_back("f", detail::value_entry(f_));
  }
  return out;
}

void Lbfgs::load_state(const OptimizerState& state) {
  const std::size_t m = detail::count_indexed(state, "s.");
  if (m > options_.memory)
    throw ValueError(
        fmt::format("Lbfgs: load_state: the state holds {} curvature pairs, more "
                    "than memory {}",
                    m, options_.memory));
  std::vector<std::string> expected;
  for (std::size_t j = 0; j < m; ++j) {
    expected.push_back("s." + std::to_string(j));
    expected.push_back("y." + std::to_string(j));
  }
  expected.emplace_back("cached");
  const std::uint64_t cached = detail::read_count(name(), state, "cached");
  if (cached > 1)
    throw ValueError(
        fmt::format("Lbfgs: load_state: entry \"cached\" must be 0 or 1, got {}", cached));
  if (cached == 1) expected.insert(expected.end(), {"x", "g", "f"});
  detail::check_names(name(), state, expected);
  // Every vector is 1-D float64 of one length (checked against the parameters at begin()).
  const std::pair<std::string, Tensor>* first = nullptr;
  for (const auto& e : state) {
    const auto& [entry, t] = e;
    if (entry == "cached" || entry == "f") continue;
    if (t.dtype() != Dtype::float64 || t.dim() != 1)
      throw TypeError(fmt::format(
          "Lbfgs: load_state: entry \"{}\" is shape {} {}, expected a 1-D float64 vector", entry,
          shape_str(t.shape()), dtype_name(t.dtype())));
    if (!first) first = &e;
    if (t.size() != first->second.size())
      throw ShapeError(
          fmt::format("Lbfgs: load_state: entry \"{}\" has {} elements, but entry \"{}\" has {}",
                      entry, t.size(), first->first, first->second.size()));
  }
  if (cached == 1) detail::read_value(name(), state, "f");
  loaded_ = state;
}

double Lbfgs::step(Objective& f, const Batch& batch, const StepInfo& /*info*/) {
  if (!begun_ || loaded_) begin(f);
  // The last step ended with the loss and gradient at its new point: reuse them unless the
  // parameters were changed in between.
  gather(f.params, false, x1_);
  if (!cached_ || x1_ != x_) {
    f_ = loss_and_grad(f, batch);
    x_.swap(x1_);
    gather(f.params, true, g_);
  }
  cached_ = false;
  check_finite_point(name(), f_, g_, f);  // nothing written yet
  const double f0 = f_;

  // Two-loop recursion: d = -H g, H the inverse-Hessian estimate from the stored pairs.
  const std::size_t m = s_.size();
  std::vector<double> a(m), q = g_;
  for (std::size_t j = m; j-- > 0;) {
    a[j] = dot(s_[j], q) / dot(y_[j], s_[j]);
    for (std::size_t i = 0; i < q.size(); ++i) q[i] -= a[j] * y_[j][i];
  }
  const double gnorm = std::sqrt(dot(g_, g_));
  // NOTE: with no pairs yet, scale -g to length 1 so that the first trial step is step_size long.
  const double gamma =
      m > 0 ? dot(s_[m - 1], y_[m - 1]) / dot(y_[m - 1], y_[m - 1]) : 1 / std::max(gnorm, 1e-300);
  for (auto& v : q) v *= gamma;
  for (std::size_t j = 0; j < m; ++j) {
    const double b = dot(y_[j], q) / dot(y_[j], s_[j]);
    for (std::size_t i = 0; i < q.size(); ++i) q[i] += s_[j][i] * (a[j] - b);
  }
  d_.resize(q.size());
  for (std::size_t i = 0; i < q.size(); ++i) d_[i] = -q[i];
  double slope = dot(g_, d_);
  if (!(slope < 0)) {  // not a descent direction (or a zero gradient): restart from -g
    s_.clear();
    y_.clear();
    for (std::size_t i = 0; i < d_.size(); ++i) d_[i] = -g_[i] / std::max(gnorm, 1e-300);
    slope = -gnorm;
  }
  if (gnorm == 0) return f0;  // a stationary point: nothing to do

  // Backtracking line search: shrink alpha until f(x + alpha d) <= f0 + c1 alpha slope.
  alpha_ = options_.step_size;
  bool accepted = false;
  for (std::size_t trial = 0; trial < options_.max_trials; ++trial) {
    scatter(f.params, x_, alpha_, d_);
    const double ft = loss_value(f, batch);
    if (ft <= f0 + options_.armijo * alpha_ * slope) {
      accepted = true;
      break;
    }
    alpha_ *= options_.backtrack;
  }
  if (!accepted) {  // back to the last point exactly and forget the curvature pairs
    put(f.params, x_);
    s_.clear();
    y_.clear();
    return f0;
  }

  // The new curvature pair, kept only when s.y > 0 (which keeps H positive definite).
  f_ = loss_and_grad(f, batch);
  gather(f.params, false, x1_);
  gather(f.params, true, g1_);
  std::vector<double> s(x1_.size()), y(x1_.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    s[i] = x1_[i] - x_[i];
    y[i] = g1_[i] - g_[i];
  }
  if (dot(s, y) > 1e-12 * std::sqrt(dot(s, s) * dot(y, y))) {
    s_.push_back(std::move(s));
    y_.push_back(std::move(y));
    if (s_.size() > options_.memory) {
      s_.pop_front();
      y_.pop_front();
    }
  }
  x_.swap(x1_);
  g_.swap(g1_);
  cached_ = true;
  return f0;
}

}  // namespace slope
