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

void Module::collect_rng(const std::string& path,
                         std::vector<std::pair<std::string, std::string>>& out) const {
  if (std::string state = rng_state(); !state.empty()) out.emplace_back(path, std::move(state));
  for (const auto& [name, child] : children_)
    child->collect_rng(path.empty() ? name : path + "." + name, out);
}

std::vector<std::pair<std::string, std::string>> Module::named_rng_states() const {
  std::vector<std::pair<std::string, std::string>> out;
  collect_rng("", out);
  return out;
}

void Module::set_named_rng_state(const std::string& path, const std::string& state) {
  Module* m = this;
  std::size_t at = 0;
  while (at < path.size()) {  // walks "encoder.1" child by child
    std::size_t end = path.find('.', at);
    if (end == std::string::npos) end = path.size();
    const std::string name = path.substr(at, end - at);
    Module* next = nullptr;
    for (const auto& [n, child] : m->children_)
      if (n == name) next = child.get();
    if (!next)
      throw ValueError(fmt::format("{}: set_named_rng_state: no module at '{}'", describe(), path));
    m = next;
    at = end + 1;
  }
  if (m->rng_state().empty())
    throw ValueError(
        fmt::format("{}: set_named_rng_state: the module at '{}' ({}) has no random "
                    "generator",
                    describe(), path, m->describe()));
  m->set_rng_state(state);
}

void Module::set_rng_state(const std::string& /*state*/) {
  throw ValueError(
      fmt::format("{}: set_rng_state: this module has no random generator", describe()));
}

}  // namespace slope::nn
