// SPDX-License-Identifier: MIT
#include "module.hpp"

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope::nn {

void Module::check_name(const std::string& name) const {
  if (name.empty() || name.find('.') != std::string::npos)
    throw ValueError(
        fmt::format("{}: a parameter or child name must be non-empty without '.', "
                    "got '{}'",
                    describe(), name));
  for (const auto& [n, p] : parameters_)
    if (n == name) throw ValueError(fmt::format("{}: '{}' is registered twice", describe(), name));
  for (const auto& [n, m] : children_)
    if (n == name) throw ValueError(fmt::format("{}: '{}' is registered twice", describe(), name));
}

Variable Module::register_parameter(const std::string& name, Tensor value) {
  check_name(name);
  Variable p(std::move(value), /*requires_grad=*/true);
  parameters_.emplace_back(name, p);
  return p;
}

void Module::register_module(const std::string& name, std::shared_ptr<Module> child) {
  check_name(name);
  if (!child) throw ValueError(fmt::format("{}: child '{}' is null", describe(), name));
  child->train(training_);
  children_.emplace_back(name, std::move(child));
}

void Module::collect(const std::string& prefix, std::vector<NamedParameter>& out) const {
  for (const auto& [name, p] : parameters_) out.emplace_back(prefix + name, p);
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", out);
}

std::vector<NamedParameter> Module::named_parameters() const {
  std::vector<NamedParameter> out;
  collect("", out);
  return out;
}

std::vector<Variable> Module::parameters() const {
  std::vector<Variable> out;
  for (auto& [name, p] : named_parameters()) out.push_back(p);
  return out;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void Module::zero_grad() {
  for (auto& [name, p] : named_parameters()) p.zero_grad();
}

}  // namespace slope::nn
