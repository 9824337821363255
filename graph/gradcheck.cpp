// SPDX-License-Identifier: MIT
#include "gradcheck.hpp"

#include <cmath>
#include <numeric>
#include <random>

#include <fmt/format.h>

#include "errors.hpp"

namespace slope {

namespace {
// sum(out * w): the scalar whose gradient is checked.
double project(const Variable& out, const Tensor& w) {
  double s = 0.0;
  for (std::size_t i = 0; i < out.size(); ++i) s += out.value().flat(i) * w.flat(i);
  return s;
}

double rel_error(double a, double n) {
  const double scale = std::max(std::abs(a), std::abs(n));
  return scale == 0.0 ? 0.0 : std::abs(a - n) / scale;
}

std::vector<std::size_t> coordinates(std::size_t size, const GradcheckOptions& o,
                                     std::uint64_t seed) {
  std::vector<std::size_t> idx(size);
  std::iota(idx.begin(), idx.end(), 0);
  if (size <= o.full_limit) return idx;
  std::mt19937_64 rng(seed);
  std::shuffle(idx.begin(), idx.end(), rng);
  idx.resize(std::min(o.samples, size));
  return idx;
}
}  // namespace

std::string GradcheckResult::summary() const {
  double worst = 0.0;
  for (const auto& r : inputs) worst = std::max(worst, r.max_rel_error);
  if (ok) return fmt::format("{}: ok, max rel err {:.2g}", label, worst);
  for (const auto& r : inputs)
    if (!r.ok)
      return fmt::format(
          "{}: FAILED at {} index {}: analytic {:.9g}, numeric {:.9g} (rel err {:.2g})", label,
          r.name, r.worst_index, r.worst_analytic, r.worst_numeric, r.max_rel_error);
  return label + ": FAILED";
}

GradcheckResult gradcheck(const CheckedFn& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options, const std::string& label) {
  std::vector<Tensor> x;
  for (const auto& t : inputs) x.push_back(options.in_float64 ? t.to(Dtype::float64) : t);

  auto evaluate = [&](bool with_grad, Inputs* vars_out) {
    Inputs vars;
    for (const auto& t : x) vars.emplace_back(t, with_grad);
    Variable out = f(vars);
    if (vars_out) *vars_out = vars;
    return out;
  };

  // Analytic: one backward of sum(out * w).
  Inputs vars;
  Variable out = evaluate(true, &vars);
  const Tensor w = randn(out.shape(), options.seed + 17, out.dtype());
  out.backward(w);
  const double eps = out.dtype() == Dtype::float64 ? 6e-6 : 3e-3;

  GradcheckResult result;
  result.label = label;
  result.h = options.h > 0 ? options.h : eps;
  for (std::size_t i = 0; i < x.size(); ++i) {
    InputReport rep;
    rep.name = fmt::format("input {}", i);
    rep.shape = x[i].shape();
    const Tensor analytic =
        vars[i].has_grad() ? vars[i].grad() : Tensor::zeros(x[i].shape(), x[i].dtype());
    for (std::size_t j : coordinates(x[i].size(), options, options.seed + i)) {
      const double x0 = x[i].flat(j);
      const double h = options.h > 0 ? options.h : eps * std::max(1.0, std::abs(x0));
      NoGradGuard no_grad;
      x[i].set_flat(j, x0 + h);
      const double fp = project(evaluate(false, nullptr), w);
      double numeric;
      if (options.scheme == DiffScheme::central) {
        x[i].set_flat(j, x0 - h);
        numeric = (fp - project(evaluate(false, nullptr), w)) / (2 * h);
      } else {
        x[i].set_flat(j, x0);
        numeric = (fp - project(evaluate(false, nullptr), w)) / h;
      }
      x[i].set_flat(j, x0);
      const double a = analytic.flat(j);
      const bool pass = std::abs(a - numeric) <=
                        options.atol + options.rtol * std::max(std::abs(a), std::abs(numeric));
      const double err = rel_error(a, numeric);
      ++rep.checked;
      if (!pass) ++rep.failures;
      if (err >= rep.max_rel_error || (!pass && rep.ok)) {
        rep.max_rel_error = err;
        rep.worst_index = j;
        rep.worst_analytic = a;
        rep.worst_numeric = numeric;
      }
      rep.ok = rep.ok && pass;
    }
    result.ok = result.ok && rep.ok;
    result.inputs.push_back(std::move(rep));
  }
  return result;
}

}  // namespace slope
