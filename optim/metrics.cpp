// SPDX-License-Identifier: MIT
#include "metrics.hpp"

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope {

Metrics::Metrics(std::initializer_list<std::pair<std::string, double>> items) {
  for (const auto& [name, value] : items) set(name, value);
}

void Metrics::set(const std::string& name, double value) {
  for (auto& item : items_)
    if (item.first == name) {
      item.second = value;
      return;
    }
  items_.emplace_back(name, value);
}

bool Metrics::has(const std::string& name) const {
  for (const auto& item : items_)
    if (item.first == name) return true;
  return false;
}

double Metrics::get(const std::string& name) const {
  for (const auto& item : items_)
    if (item.first == name) return item.second;
  throw ValueError(fmt::format("metrics: no '{}' (have {})", name, names()));
}

void Metrics::merge(const Metrics& other) {
  for (const auto& [name, value] : other.items_) set(name, value);
}

std::string Metrics::names() const {
  std::string out;
  for (const auto& item : items_) out += (out.empty() ? "" : ", ") + item.first;
  return out.empty() ? "nothing" : out;
}

}  // namespace slope
