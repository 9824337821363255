// SPDX-License-Identifier: MIT
// The checking engine: one analytic backward, then finite differences coordinate by coordinate,
// perturbing the values in place (no copies per evaluation), each coordinate classified against
// the kinks of the graph it flows through.
#include "gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <unordered_set>

#include <fmt/format.h>

#include "errors.hpp"
#include "registry.hpp"

namespace slope {

namespace {

double eps_of(Dtype d) {
  return d == Dtype::float32 ? double(std::numeric_limits<float>::epsilon())
                             : std::numeric_limits<double>::epsilon();
}

// The step that balances truncation against rounding: cbrt(eps) for O(h^2) central differences,
// sqrt(eps) for O(h) forward ones.
double step_factor(DiffScheme s, Dtype d) {
  return s == DiffScheme::central ? std::cbrt(eps_of(d)) : std::sqrt(eps_of(d));
}

std::uint64_t mix(std::uint64_t seed, std::uint64_t salt) {  // splitmix64
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (salt + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

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

// One evaluation of the checked scalar, with the branch records summed over the graph's nodes.
struct Sample {
  double value = 0.0;
  std::uint64_t hash = 0;
  std::size_t at_kink = 0;
};

template <class Visit>
void walk_graph(const Variable& out, Visit&& visit) {
  if (!out.defined()) return;
  std::unordered_set<Node*> seen{out.node()};
  std::vector<Node*> stack{out.node()};
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    visit(*n);
    for (const auto& in : n->inputs)
      if (in.defined() && seen.insert(in.node()).second) stack.push_back(in.node());
  }
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

// phi(x) = sum(forward() * w) at the current values. With `record` (the graph has ops that
// record their branches) it runs with the graph and BranchRecordingGuard on; otherwise it runs
// under NoGradGuard, which records nothing and is the fast path.
struct Objective {
  std::function<Variable()> forward;
  Tensor w;
  bool record = false;  // some node records its branches: compare the records
  bool slopes = false;  // some node may have kinks it does not record: judge by one-sided slopes

  Sample operator()() const {
    Sample s;
    if (record) {
      BranchRecordingGuard recording;
      const Variable out = forward();
      s.value = project(out.value(), w);
      walk_graph(out, [&s](const Node& n) {
        s.hash += n.branches.hash;
        s.at_kink += n.branches.at_kink;
      });
      return s;
    }
    NoGradGuard no_grad;
    s.value = project(forward().value(), w);
    return s;
  }
};

void require_grad_mode(const char* who) {
  if (!grad_enabled())
    throw GraphError(fmt::format(
        "{}: called inside a NoGradGuard; the analytic gradient needs the graph to be recorded",
        who));
}

// Runs forward once with branch recording, seeds backward with 1 (scalar) or a fixed random w,
// and returns the objective the numeric differences evaluate.
Objective analytic_pass(const std::function<Variable()>& forward, const GradcheckOptions& o,
                        const char* who) {
  Objective phi;
  phi.forward = forward;
  Variable out;
  {
    BranchRecordingGuard recording;
    out = forward();
  }
  if (!out.defined())
    throw GraphError(fmt::format("{}: the function returned a null variable", who));
  Tensor seed;
  if (out.size() == 1) {
    seed = Tensor::full(out.shape(), 1.0, out.dtype());
  } else {
    seed = randn(out.shape(), mix(o.seed, 0x5eed), out.dtype());
    phi.w = seed.to(Dtype::float64);
  }
  walk_graph(out, [&phi](const Node& n) {
    if (!n.backward) return;  // a leaf
    if (n.branches.hash != 0) {
      phi.record = true;
      return;
    }
    const OpInfo* info = op_registry().find(n.op);
    phi.slopes = phi.slopes || info == nullptr || info->has_kinks;
  });
  if (out.requires_grad()) out.backward(seed);
  return phi;
}

// Restores one perturbed coordinate however the evaluation ends.
struct RestoreFlat {
  Tensor& t;
  std::size_t j;
  double x0;
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

CoordinateCheck check_coordinate(Tensor& value, std::size_t j, double a, const Objective& phi,
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

InputReport check_tensor(std::string name, Tensor& value, const Tensor& analytic,
                         std::uint64_t sample_seed, const Objective& phi, const Sample& s0,
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

GradcheckResult start_result(const GradcheckOptions& o, const std::string& label,
                             const char* subject) {
  GradcheckResult r;
  r.label = label;
  r.options = o;
  r.subject = subject;
  r.h_given = o.h > 0;
  r.dtype = o.in_float64 ? Dtype::float64 : Dtype::float32;
  r.h = r.h_given ? o.h : step_factor(o.scheme, Dtype::float64);
  return r;
}

// The element type the differences are taken in decides the default step.
void set_dtype(GradcheckResult& r, Dtype dtype) {
  r.dtype = dtype;
  if (!r.h_given) r.h = step_factor(r.options.scheme, dtype);
}

void add_warning(GradcheckResult& r, std::string w) {
  if (std::find(r.warnings.begin(), r.warnings.end(), w) == r.warnings.end())
    r.warnings.push_back(std::move(w));
}

// Warnings about what the tolerance can mean in this element type and at this |f|.
void precision_warnings(GradcheckResult& r, Dtype dtype, double f0) {
  const GradcheckOptions& o = r.options;
  const double eps = eps_of(dtype);
  const double c = r.h_given ? o.h : step_factor(o.scheme, dtype);
  const double rounding = eps / c;
  const double truncation = o.scheme == DiffScheme::central ? c * c : c;
  const double floor = rounding + truncation;
  if (!std::isfinite(f0))
    add_warning(r, fmt::format("the checked value is not finite ({}): every difference is "
                               "meaningless",
                               f0));
  if (o.rtol < 10 * floor)
    add_warning(
        r, fmt::format("checking in {}: rtol {:.1e} cannot be met: {} has eps {:.1e}, so a {} "
                       "difference with h = {:.1e} * max(1, |x|) carries a rounding error near "
                       "eps / h = {:.1e} and a truncation error near {} = {:.1e} (relative, for "
                       "|f| ~ |f'|); relative errors near {:.0e} are normal and failures mean "
                       "nothing. {}",
                       dtype_name(dtype), o.rtol, dtype_name(dtype), eps, scheme_name(o.scheme), c,
                       rounding, o.scheme == DiffScheme::central ? "h^2" : "h", truncation, floor,
                       dtype == Dtype::float32
                           ? "Check in float64 (in_float64 = true, the default) or use rtol >= "
                             "1e-2."
                           : fmt::format("Use rtol >= {:.0e}.", 10 * floor)));
  const double noise = eps * std::abs(f0) / c;
  if (std::isfinite(f0) && o.atol < noise)
    add_warning(r, fmt::format("atol {:.1e} is below the rounding noise of a difference quotient "
                               "here (eps * |f| / h = {:.1e} at |f| = {:.3g}): gradients near "
                               "zero can fail with no bug; raise atol above it",
                               o.atol, noise, std::abs(f0)));
}

void finish(GradcheckResult& r) {
  r.ok = true;
  for (const auto& row : r.inputs) r.ok = r.ok && row.ok;
}

// The core of gradcheck and of each node's check: leaves made once, perturbed in place.
GradcheckResult check_function(const CheckedFn& f, const std::vector<Tensor>& inputs,
                               const std::vector<bool>& checked, const GradcheckOptions& o,
                               const std::string& label, const char* input_word) {
  GradcheckResult r = start_result(o, label, "input");
  Inputs vars;
  for (const auto& t : inputs) {
    if (t.empty()) throw ValueError(fmt::format("gradcheck {}: an input is empty", label));
    const bool convert = o.in_float64 && t.dtype() == Dtype::float32;
    r.converted = r.converted || convert;
    vars.emplace_back(o.in_float64 ? t.to(Dtype::float64) : t.to(t.dtype()), true);
  }
  bool any32 = false;
  for (const auto& v : vars) any32 = any32 || v.dtype() == Dtype::float32;
  set_dtype(r, any32 ? Dtype::float32 : Dtype::float64);

  const Objective phi = analytic_pass([&f, &vars] { return f(vars); }, o, "gradcheck");
  const Sample s0 = phi();
  precision_warnings(r, r.dtype, s0.value);
  for (std::size_t i = 0; i < vars.size(); ++i) {
    if (!checked[i]) continue;
    const Tensor analytic =
        vars[i].has_grad() ? vars[i].grad() : Tensor::zeros(vars[i].shape(), vars[i].dtype());
    r.inputs.push_back(check_tensor(fmt::format("{} {}", input_word, i), vars[i].value(), analytic,
                                    mix(o.seed, i), phi, s0, o));
  }
  finish(r);
  return r;
}

// Saves what gradcheck_model changes on the user's parameters and puts it back on every exit.
class ParameterGuard {
 public:
  explicit ParameterGuard(std::vector<Variable> params) : params_(std::move(params)) {
    for (auto& p : params_) saved_.push_back({p.value(), p.grad(), p.requires_grad()});
  }
  ~ParameterGuard() {
    for (std::size_t i = 0; i < params_.size(); ++i) {
      params_[i].value() = std::move(saved_[i].value);
      params_[i].grad() = std::move(saved_[i].grad);
      params_[i].set_requires_grad(saved_[i].requires_grad);
    }
  }
  ParameterGuard(const ParameterGuard&) = delete;
  ParameterGuard& operator=(const ParameterGuard&) = delete;

 private:
  struct Saved {
    Tensor value;
    Tensor grad;
    bool requires_grad;
  };
  std::vector<Variable> params_;
  std::vector<Saved> saved_;
};

// Non-leaf nodes reachable from `out`, inputs before the nodes that use them.
std::vector<Node*> nodes_in_order(const Variable& out) {
  std::vector<Node*> order;
  std::unordered_set<Node*> seen{out.node()};
  std::vector<std::pair<Node*, std::size_t>> stack{{out.node(), 0}};
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < node->inputs.size()) {
      Node* in = node->inputs[next++].node();
      if (in && seen.insert(in).second) stack.emplace_back(in, 0);
    } else {
      if (node->backward) order.push_back(node);
      stack.pop_back();
    }
  }
  return order;
}

}  // namespace

double default_step_factor(DiffScheme scheme, Dtype dtype) { return step_factor(scheme, dtype); }

const char* scheme_name(DiffScheme s) { return s == DiffScheme::central ? "central" : "forward"; }

const char* kink_name(KinkStatus k) {
  switch (k) {
    case KinkStatus::crossed:
      return "kink crossed";
    case KinkStatus::at_kink:
      return "at kink";
    default:
      return "smooth";
  }
}

GradcheckResult gradcheck(const CheckedFn& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options, const std::string& label) {
  require_grad_mode("gradcheck");
  return check_function(f, inputs, std::vector<bool>(inputs.size(), true), options, label, "input");
}

GradcheckResult gradcheck_model(const std::function<Variable()>& loss,
                                const std::vector<Variable>& params,
                                const GradcheckOptions& options, const std::string& label,
                                const std::vector<std::string>& names) {
  require_grad_mode("gradcheck_model");
  if (params.empty()) throw ValueError("gradcheck_model: no parameters to check");
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (!params[i].defined())
      throw ValueError(fmt::format("gradcheck_model: parameter {} is a null variable", i));
    if (!params[i].is_leaf())
      throw ValueError(fmt::format(
          "gradcheck_model: parameter {} is not a leaf (it was made by '{}')", i, params[i].op()));
  }
  GradcheckResult r = start_result(options, label, "parameter");
  {
    ParameterGuard guard(params);
    std::vector<Variable> ps = params;
    bool any32 = false;
    for (auto& p : ps) {
      if (options.in_float64 && p.dtype() == Dtype::float32) {
        p.value() = p.value().to(Dtype::float64);
        r.converted = true;
      }
      any32 = any32 || p.dtype() == Dtype::float32;
      p.zero_grad();
      p.set_requires_grad(true);
    }
    set_dtype(r, any32 ? Dtype::float32 : Dtype::float64);

    Objective phi;
    Sample s0;
    try {
      phi = analytic_pass(loss, options, "gradcheck_model");
      s0 = phi();
    } catch (const TypeError& e) {
      if (!r.converted) throw;
      throw TypeError(fmt::format(
          "gradcheck_model: the loss failed with its float32 parameters converted to float64 "
          "({}); build the loss's constants in the parameters' element type, e.g. "
          "Variable(x.to(w.dtype())), or set in_float64 = false",
          e.what()));
    }
    precision_warnings(r, r.dtype, s0.value);
    for (std::size_t i = 0; i < ps.size(); ++i) {
      const Tensor analytic =
          ps[i].has_grad() ? ps[i].grad() : Tensor::zeros(ps[i].shape(), ps[i].dtype());
      const std::string name = i < names.size() ? names[i] : fmt::format("param {}", i);
      r.inputs.push_back(
          check_tensor(name, ps[i].value(), analytic, mix(options.seed, i), phi, s0, options));
    }
  }
  if (options.per_node) {
    GradcheckResult nodes = gradcheck_nodes(loss, options, label);
    for (auto& row : nodes.inputs) r.inputs.push_back(std::move(row));
    for (auto& w : nodes.warnings) add_warning(r, std::move(w));
    r.subject = "parameter / node";
  }
  finish(r);
  return r;
}

GradcheckResult gradcheck_nodes(const std::function<Variable()>& loss,
                                const GradcheckOptions& options, const std::string& label) {
  require_grad_mode("gradcheck_nodes");
  const Variable out = loss();
  if (!out.defined() || !out.requires_grad())
    throw GraphError(fmt::format(
        "gradcheck_nodes: '{}' records no graph (no parameter requires a gradient, or it ran "
        "under NoGradGuard)",
        out.defined() ? out.op() : "null"));
  GradcheckResult r = start_result(options, label, "node");
  std::size_t k = 0;
  for (Node* node : nodes_in_order(out)) {
    const std::string name = fmt::format("#{} {}", k, node->op);
    GradcheckOptions o = options;
    o.seed = mix(options.seed, 1000 + k);
    ++k;
    if (!node->replay) {
      InputReport row;
      row.name = name;
      row.shape = node->value.shape();
      row.skipped = true;
      row.note = "no replay: the op did not give make_node a way to re-run it";
      r.inputs.push_back(std::move(row));
      continue;
    }
    std::vector<Tensor> values;
    std::vector<bool> checked;
    for (const auto& in : node->inputs) {
      values.push_back(in.value());
      checked.push_back(in.requires_grad());
    }
    try {
      GradcheckResult sub = check_function(node->replay, values, checked, o, name, "in");
      r.converted = r.converted || sub.converted;
      if (sub.dtype == Dtype::float32) set_dtype(r, Dtype::float32);
      for (auto& row : sub.inputs) {
        row.name = name + ": " + row.name;
        r.inputs.push_back(std::move(row));
      }
      for (auto& w : sub.warnings) add_warning(r, name + ": " + w);
    } catch (const std::exception& e) {
      InputReport row;
      row.name = name;
      row.shape = node->value.shape();
      row.ok = false;
      row.note = fmt::format("replay failed: {}", e.what());
      r.inputs.push_back(std::move(row));
    }
  }
  finish(r);
  return r;
}

}  // namespace slope
