// SPDX-License-Identifier: MIT
// The checker's entry points: gradcheck (a function of tensors), gradcheck_model (a model's
// parameters, float32 checked in float64 and restored) and gradcheck_nodes (each node on its own).
// Each runs one analytic backward, then hands every tensor to the engine (coordinate.cpp).
#include "gradcheck.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "../graph/errors.hpp"
#include "../ops/registry.hpp"
#include "coordinate.hpp"

namespace slope {

using detail::check_tensor;
using detail::eps_of;
using detail::mix;
using detail::Probe;
using detail::Sample;
using detail::step_factor;

namespace {

void require_grad_mode(const char* who) {
  if (!grad_enabled())
    throw GraphError(fmt::format(
        "{}: called inside a NoGradGuard; the analytic gradient needs the graph to be recorded",
        who));
}

// Runs forward once with branch recording, seeds backward with 1 (scalar) or a fixed random w,
// and returns the objective the numeric differences evaluate.
Probe analytic_pass(const std::function<Variable()>& forward, const GradcheckOptions& o,
                    const char* who) {
  Probe phi;
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
  for (const Node* n : topological_order(out)) {
    if (!n->backward) continue;  // a leaf
    if (n->branches.hash != 0) {
      phi.record = true;
      continue;
    }
    const OpInfo* info = op_registry().find(n->op);
    phi.slopes = phi.slopes || info == nullptr || info->has_kinks;
  }
  if (out.requires_grad()) out.backward(seed);
  return phi;
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
GradcheckResult check_function(const OpFn& f, const std::vector<Tensor>& inputs,
                               const std::vector<bool>& checked, const GradcheckOptions& o,
                               const std::string& label, const char* input_word,
                               const std::vector<std::string>& input_names = {}) {
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

  const Probe phi = analytic_pass([&f, &vars] { return f(vars); }, o, "gradcheck");
  const Sample s0 = phi();
  precision_warnings(r, r.dtype, s0.value);
  for (std::size_t i = 0; i < vars.size(); ++i) {
    if (!checked[i]) continue;
    const Tensor analytic =
        vars[i].has_grad() ? vars[i].grad() : Tensor::zeros(vars[i].shape(), vars[i].dtype());
    const std::string name = i < input_names.size() && !input_names[i].empty()
                                 ? input_names[i]
                                 : fmt::format("{} {}", input_word, i);
    r.inputs.push_back(check_tensor(name, vars[i].value(), analytic, mix(o.seed, i), phi, s0, o));
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

GradcheckResult gradcheck(const OpFn& f, const std::vector<Tensor>& inputs,
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
  if (!names.empty() && names.size() != params.size())
    throw ValueError(
        fmt::format("gradcheck_model: {} names for {} parameters", names.size(), params.size()));
  // Rows say "param 0", errors "parameter 0", when the parameters have no names.
  auto param_label = [&names](std::size_t i, const char* word = "param") {
    return i < names.size() ? names[i] : fmt::format("{} {}", word, i);
  };
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (!params[i].defined())
      throw ValueError(
          fmt::format("gradcheck_model: {} is a null variable", param_label(i, "parameter")));
    if (!params[i].is_leaf())
      throw ValueError(fmt::format("gradcheck_model: {} is not a leaf (it was made by '{}')",
                                   param_label(i, "parameter"), params[i].op()));
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

    Probe phi;
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
      r.inputs.push_back(check_tensor(param_label(i), ps[i].value(), analytic, mix(options.seed, i),
                                      phi, s0, options));
    }
  }
  if (options.per_node) {
    GradcheckResult nodes = gradcheck_nodes(loss, options, label, params, names);
    for (auto& row : nodes.inputs) r.inputs.push_back(std::move(row));
    for (auto& w : nodes.warnings) add_warning(r, std::move(w));
    r.subject = "parameter / node";
  }
  finish(r);
  return r;
}

GradcheckResult gradcheck_model(const std::function<Variable()>& loss,
                                const std::vector<std::pair<std::string, Variable>>& named,
                                const GradcheckOptions& options, const std::string& label) {
  std::vector<Variable> params;
  std::vector<std::string> names;
  for (const auto& [name, p] : named) {
    names.push_back(name);
    params.push_back(p);
  }
  return gradcheck_model(loss, params, options, label, names);
}

GradcheckResult gradcheck_nodes(const std::function<Variable()>& loss,
                                const GradcheckOptions& options, const std::string& label,
                                const std::vector<Variable>& params,
                                const std::vector<std::string>& names) {
  require_grad_mode("gradcheck_nodes");
  const Variable out = loss();
  if (!out.defined() || !out.requires_grad())
    throw GraphError(fmt::format(
        "gradcheck_nodes: '{}' records no graph (no parameter requires a gradient, or it ran "
        "under NoGradGuard)",
        out.defined() ? out.op() : "null"));
  GradcheckResult r = start_result(options, label, "node");
  std::size_t k = 0;
  for (Node* node : topological_order(out)) {
    if (!node->backward) continue;  // a leaf
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
    std::vector<std::string> input_names;  // "W1 (in 1)" for an input that is a named parameter
    for (const auto& in : node->inputs) {
      values.push_back(in.value());
      checked.push_back(in.requires_grad());
      std::string in_name;
      for (std::size_t i = 0; i < params.size() && i < names.size(); ++i)
        if (params[i].defined() && params[i].node() == in.node())
          in_name = fmt::format("{} (in {})", names[i], values.size() - 1);
      input_names.push_back(std::move(in_name));
    }
    try {
      GradcheckResult sub =
          check_function(node->replay, values, checked, o, name, "in", input_names);
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
