// SPDX-License-Identifier: MIT
#include "registry.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope {

void OpRegistry::add(OpInfo info) {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (find_locked(info.name))
    throw ValueError(fmt::format("op_registry: '{}' is registered twice", info.name));
  ops_.push_back(std::move(info));
}

const OpInfo* OpRegistry::find_locked(const std::string& name) const {
  for (const auto& op : ops_)
    if (op.name == name) return &op;
  return nullptr;
}

const OpInfo* OpRegistry::find(const std::string& name) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return find_locked(name);
}

std::size_t OpRegistry::size() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return ops_.size();
}

std::vector<const OpInfo*> OpRegistry::all() const {
  std::vector<const OpInfo*> out;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& op : ops_) out.push_back(&op);
  }
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->name < b->name; });
  return out;
}

OpRegistry& op_registry() {
  static OpRegistry registry;
  return registry;
}

}  // namespace slope
