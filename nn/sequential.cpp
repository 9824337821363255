// SPDX-License-Identifier: MIT
#include "sequential.hpp"

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope::nn {

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) {
  for (const auto& m : modules) add(m);
}

Sequential& Sequential::add(std::shared_ptr<Module> m) {
  register_module(std::to_string(children().size()), std::move(m));
  return *this;
}

Variable Sequential::forward(const Variable& x) {
  Variable y = x;
  for (const auto& [name, m] : children()) y = m->forward(y);
  return y;
}

std::string Sequential::describe() const {
  std::vector<std::string> parts;
  for (const auto& [name, m] : children()) parts.push_back(m->describe());
  return fmt::format("Sequential({})", fmt::join(parts, ", "));
}

Module& Sequential::operator[](std::size_t i) const {
  if (i >= children().size())
    throw ValueError(
        fmt::format("Sequential: index {} is out of range (size {})", i, children().size()));
  return *children()[i].second;
}

}  // namespace slope::nn
