// SPDX-License-Identifier: MIT
// The per-coordinate engine: finite differences at one coordinate, perturbing the value in place
// (no copies per evaluation), classified as smooth, crossing a kink or sitting on one.
#include "coordinate.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <unordered_set>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope::detail {

double eps_of(Dtype d) {
  return d == Dtype::float32 ? double(std::numeric_limits<float>::epsilon())
                             : std::numeric_limits<double>::epsilon();
}

double step_factor(DiffScheme s, Dtype d) {
  return s == DiffScheme::central ? std::cbrt(eps_of(d)) : std::sqrt(eps_of(d));
}

std::uint64_t mix(std::uint64_t seed, std::uint64_t salt) {  // splitmix64
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (salt + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

namespace {

double rel_error(double a, double n) {
  const double scale = std::max(std::abs(a), std::abs(n));
  return scale == 0.0 ? 0.0 : std::abs(a - n) / scale;
}

bool within(double a, double n, const GradcheckOptions& o) {
  return std::abs(a - n) <= o.atol + o.rtol * std::max(std::abs(a), std::abs(n));
}

// All coordinates of a small tensor; `samples` distinct ones (Floyd's algorithm, sorted) of a
// large one, drawn from `seed`.
std::vector<std::size_t> coordinates(std::size_t size, const GradcheckOptions& o,
                                     std::uint64_t seed) {
  std::vector<std::size_t> idx;
  if (o.samples == 0 || size <= std::max(o.full_limit, o.samples)) {
    idx.resize(size);
    for (std::size_t i = 0; i < size; ++i) idx[i] = i;
    return idx;
  }
  std::mt19937_64 rng(seed);
  std::unordered_set<std::size_t> chosen;
  for (std::size_t j = size - o.samples; j < size; ++j) {
    const std::size_t t = static_cast<std::size_t>(rng() % (j + 1));
    chosen.insert(chosen.count(t) ? j : t);
  }
  idx.assign(chosen.begin(), chosen.end());
  std::sort(idx.begin(), idx.end());
  return idx;
}

// sum(out * w) in double; w empty means a one-element output taken as is.
double project(const Tensor& out, const Tensor& w) {
  return out.visit([&w](const auto& a) {
    const auto* p = a.data();
    if (w.empty()) return static_cast<double>(p[0]);
    const double* wv = w.data<double>();
    double s = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) s += static_cast<double>(p[i]) * wv[i];
    return s;
  });
}

// Restores one perturbed coordinate however the evaluation ends.
struct RestoreFlat {
  Tensor& t;
  std::size_t j;
  double x0;
  RestoreFlat(const RestoreFlat&) = delete;  // a copy would restore twice
  RestoreFlat& operator=(const RestoreFlat&) = delete;
  ~RestoreFlat() { t.set_flat(j, x0); }
};

KinkStatus classify_records(const Sample& s0, const Sample& sp, const Sample* sm) {
  // Moving x moves an element off a kink: x sits on one.
  if (sp.at_kink < s0.at_kink || (sm && sm->at_kink < s0.at_kink)) return KinkStatus::at_kink;
  if (sp.hash != s0.hash || (sm && sm->hash != s0.hash)) return KinkStatus::crossed;
  return KinkStatus::smooth;
}

// For ops that record nothing: the one-sided slopes differ by h * f'' on smooth ground but by a
// finite jump across a kink. The threshold sqrt(h_rel) * |slope| sits between the two (smooth
// ground trips it only when |f''| > |f'| / sqrt(h_rel), e.g. 400 |f'| in float64); it must also
// exceed the tolerance and the rounding noise of the slopes.
bool slopes_jump(double left, double right, double step_rel, double noise,
                 const GradcheckOptions& o) {
  const double scale = std::max(std::abs(left), std::abs(right));
  const double threshold =
      std::max({std::sqrt(step_rel) * scale, 4 * (o.atol + o.rtol * scale), noise});
  return std::abs(right - left) > threshold;
}

CoordinateCheck check_coordinate(Tensor& value, std::size_t j, double a, const Probe& phi,
                                 const Sample& s0, const GradcheckOptions& o) {
  const double eps = eps_of(value.dtype());
  const double x0 = value.flat(j);
  const double step =
      o.h > 0 ? o.h : step_factor(o.scheme, value.dtype()) * std::max(1.0, std::abs(x0));
  RestoreFlat restore{value, j, x0};
  // The step actually taken: x + h is rounded to the element type.
  auto at = [&](double x, double* stored) {
    value.set_flat(j, x);
    *stored = value.flat(j);
    const Sample s = phi();
    value.set_flat(j, x0);
    return s;
  };

  CoordinateCheck c;
  c.index = j;
  c.analytic = a;
  c.step = step;
  double xp = x0, xm = x0;
  const Sample sp = at(x0 + step, &xp);
  Sample sm;
  bool have_left = false;
  auto eval_left = [&] {
    sm = at(x0 - step, &xm);
    have_left = true;
  };
  if (o.scheme == DiffScheme::central) eval_left();
  if (xp == x0 || (have_left && xm == x0))
    throw ValueError(fmt::format(
        "gradcheck: the step h = {:.3g} vanishes next to x = {:.17g} in {}; give a larger h", step,
        x0, dtype_name(value.dtype())));

  c.right = (sp.value - s0.value) / (xp - x0);
  c.numeric = c.right;
  if (have_left) c.numeric = (sp.value - sm.value) / (xp - xm);
  if (phi.record) c.kink = classify_records(s0, sp, have_left ? &sm : nullptr);
  const bool smooth_pass = within(a, c.numeric, o);
  // Forward differences take the left slope only when it is needed to judge a kink.
  if (!have_left && (c.kink != KinkStatus::smooth || !smooth_pass)) {
    eval_left();
    if (xm == x0)
      throw ValueError(
          fmt::format("gradcheck: the step h = {:.3g} vanishes next to x = {:.17g}", step, x0));
    if (phi.record) c.kink = classify_records(s0, sp, &sm);
  }
  c.left = have_left ? (s0.value - sm.value) / (x0 - xm) : std::nan("");
  // Slopes only explain a failure: on smooth ground near a stationary point they jump too.
  if (c.kink == KinkStatus::smooth && have_left && phi.slopes && !smooth_pass) {
    const double fscale = std::max({std::abs(sp.value), std::abs(s0.value), std::abs(sm.value)});
    const double noise = 8 * eps * fscale / step;
    if (slopes_jump(c.left, c.right, step / std::max(1.0, std::abs(x0)), noise, o))
      c.kink = KinkStatus::crossed;
  }

  if (c.kink == KinkStatus::smooth) {
    c.rel_error = rel_error(a, c.numeric);
    c.pass = smooth_pass;
  } else {
    // A subgradient lies between the one-sided slopes; measure the distance to that interval.
    const double lo = std::min(c.left, c.right), hi = std::max(c.left, c.right);
    const double nearest = std::clamp(a, lo, hi);
    c.rel_error = rel_error(a, nearest);
    c.pass = !o.kinks_fail && within(a, nearest, o);
  }
  return c;
}

}  // namespace

Sample Probe::operator()() const {
  Sample s;
  if (record) {
    BranchRecordingGuard recording;
    const Variable out = forward();
    s.value = project(out.value(), w);
    for (const Node* n : topological_order(out)) {
      s.hash += n->branches.hash;
      s.at_kink += n->branches.at_kink;
    }
    return s;
  }
  NoGradGuard no_grad;
  s.value = project(forward().value(), w);
  return s;
}

InputReport check_tensor(std::string name, Tensor& value, const Tensor& analytic,
                         std::uint64_t sample_seed, const Probe& phi, const Sample& s0,
                         const GradcheckOptions& o) {
  InputReport rep;
  rep.name = std::move(name);
  rep.shape = value.shape();
  rep.size = value.size();
  bool worst_pass = true;
  double worst_rel = -1.0;
  for (std::size_t j : coordinates(value.size(), o, sample_seed)) {
    const CoordinateCheck c = check_coordinate(value, j, analytic.flat(j), phi, s0, o);
    ++rep.checked;
    if (!c.pass) ++rep.failures;
    if (c.kink == KinkStatus::crossed) ++rep.kinks_crossed;
    if (c.kink == KinkStatus::at_kink) ++rep.kinks_at;
    rep.max_rel_error = std::max(rep.max_rel_error, c.rel_error);
    // The worst coordinate: a failing one before any passing one, then the largest error.
    if ((!c.pass && worst_pass) || (c.pass == worst_pass && c.rel_error > worst_rel)) {
      worst_pass = c.pass;
      worst_rel = c.rel_error;
      rep.worst_index = c.index;
      rep.worst_analytic = c.analytic;
      rep.worst_numeric = c.numeric;
      rep.worst_rel_error = c.rel_error;
      rep.worst_left = c.left;
      rep.worst_right = c.right;
      rep.worst_kink = c.kink;
    }
    rep.coordinates.push_back(c);
  }
  rep.ok = rep.failures == 0;
  return rep;
}

}  // namespace slope::detail
