// SPDX-License-Identifier: MIT
#include "objective.hpp"

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope {

Batch whole_batch(std::size_t n) {
  Batch b;
  b.indices.resize(n);
  for (std::size_t i = 0; i < n; ++i) b.indices[i] = i;
  b.whole = true;
  return b;
}

Objective Objective::from_named(const std::vector<std::pair<std::string, Variable>>& named,
                                std::function<Variable(const Batch&)> loss, std::size_t examples) {
  Objective f;
  f.loss = std::move(loss);
  f.examples = examples;
  for (const auto& [name, p] : named) {
    f.names.push_back(name);
    f.params.push_back(p);
  }
  return f;
}

std::string param_name(const std::vector<std::string>& names, std::size_t i) {
  if (i < names.size()) return names[i];
  return fmt::format("parameter {}", i);
}

void check_objective(const char* who, const Objective& f, bool need_grad) {
  if (f.params.empty()) throw ValueError(fmt::format("{}: the parameter list is empty", who));
  if (!f.loss) throw ValueError(fmt::format("{}: the objective has no loss function", who));
  if (f.examples == 0) throw ValueError(fmt::format("{}: the objective has 0 examples", who));
  if (!f.names.empty()) {
    if (f.names.size() != f.params.size())
      throw ValueError(fmt::format("{}: the objective has {} names for {} parameters", who,
                                   f.names.size(), f.params.size()));
    std::set<std::string> seen;
    for (std::size_t i = 0; i < f.names.size(); ++i) {
      if (f.names[i].empty())
        throw ValueError(fmt::format("{}: the name of parameter {} is empty", who, i));
      if (!seen.insert(f.names[i]).second)
        throw ValueError(
            fmt::format("{}: the name \"{}\" is given to two parameters", who, f.names[i]));
    }
  }
  for (std::size_t i = 0; i < f.params.size(); ++i) {
    const Variable& p = f.params[i];
    const std::string name = param_name(f.names, i);
    if (!p.defined()) throw ValueError(fmt::format("{}: {} is null", who, name));
    if (p.size() == 0)
      throw ValueError(fmt::format("{}: {} is empty (shape {})", who, name, shape_str(p.shape())));
    if (need_grad && !p.requires_grad())
      throw ValueError(
          fmt::format("{}: {} (shape {}) does not require a gradient; make it with "
                      "Variable(value, true)",
                      who, name, shape_str(p.shape())));
  }
}

namespace {
double scalar_loss(const Variable& loss) {
  if (!loss.defined() || loss.size() != 1)
    throw ValueError(fmt::format("objective: the loss must be a single value, got shape {}",
                                 loss.defined() ? shape_str(loss.shape()) : "null"));
  return loss.value().flat(0);
}
}  // namespace

double loss_value(Objective& f, const Batch& batch) {
  NoGradGuard no_grad;
  return scalar_loss(f.loss(batch));
}

double loss_and_grad(Objective& f, const Batch& batch) {
  // Under NoGradGuard no graph is recorded: every gradient would silently stay empty.
  if (!grad_enabled())
    throw GraphError(
        "loss_and_grad: gradients are off on this thread (a NoGradGuard is alive), so no gradient "
        "can be computed; run the optimizer outside the guard");
  for (auto& p : f.params) p.zero_grad();
  Variable loss = f.loss(batch);
  const double value = scalar_loss(loss);
  // A loss that does not depend on any parameter has no graph: its gradients are all zero.
  if (loss.requires_grad()) loss.backward();
  return value;
}

std::vector<Tensor> snapshot(const std::vector<Variable>& params) {
  std::vector<Tensor> out;
  out.reserve(params.size());
  for (const auto& p : params) out.push_back(p.value());
  return out;
}

void restore(std::vector<Variable>& params, const std::vector<Tensor>& values) {
  if (values.size() != params.size())
    throw ShapeError(
        fmt::format("restore: {} values for {} parameters", values.size(), params.size()));
  for (std::size_t i = 0; i < params.size(); ++i) {
    Tensor& dst = params[i].value();
    check_same_dtype("restore", "parameter", dst, "value", values[i]);
    check_same_shape("restore", "parameter", dst.shape(), "value", values[i].shape());
    dst.visit([&](auto& a) {
      using T = typename std::decay_t<decltype(a)>::value_type;
      const T* src = values[i].data<T>();
      std::copy(src, src + a.size(), a.data());
    });
  }
}

double global_grad_norm(const std::vector<Variable>& params) {
  double sq = 0;
  for (const auto& p : params) {
    if (!p.has_grad()) continue;
    p.grad().visit([&sq](const auto& g) {
      for (std::size_t i = 0; i < g.size(); ++i) {
        const double v = static_cast<double>(g.data()[i]);
        sq += v * v;
      }
    });
  }
  return std::sqrt(sq);
}

}  // namespace slope
