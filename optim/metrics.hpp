// SPDX-License-Identifier: MIT
// Metrics: named values in insertion order, one set per epoch ("epoch", "loss", "val_accuracy",
// ...). The training history and its CSV file are lists of them.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace slope {

class Metrics {
 public:
  Metrics() = default;
  Metrics(std::initializer_list<std::pair<std::string, double>> items);

  /// Sets `name` (replacing its value, or appending it).
  void set(const std::string& name, double value);
  bool has(const std::string& name) const;
  /// Throws ValueError "metrics: no 'val_loss' (have epoch, loss)".
  double get(const std::string& name) const;
  /// Adds every entry of `other` (replacing same-named ones).
  void merge(const Metrics& other);
  const std::vector<std::pair<std::string, double>>& items() const { return items_; }
  std::size_t size() const { return items_.size(); }
  /// "epoch, loss, step_size" (for messages).
  std::string names() const;

 private:
  std::vector<std::pair<std::string, double>> items_;
};

}  // namespace slope
