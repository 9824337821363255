// SPDX-License-Identifier: MIT
// The op registry: every op, built-in or a user's, under its name, with how to make valid inputs
// for it and how to run it on them. The gradient checker, the table-driven tests and the
// command-line tool walk this instead of a hand-kept list.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "../graph/variable.hpp"

namespace slope {

/// One way to call an op: differentiable inputs and a closure that applies the op to them
/// (capturing whatever else it needs: labels, axes, shapes).
struct OpCase {
  std::string label;  // "plain", "broadcast", "reuse", ...
  std::vector<Tensor> inputs;
  OpFn apply;
};

struct OpInfo {
  std::string name;
  /// Float64 inputs from a seed, kept away from kinks (relu at 0, hinge at margin 0, ...).
  std::function<std::vector<OpCase>(std::uint64_t seed)> cases;
  /// The op has non-differentiable points (relu, abs, max, clamp, hinge...).
  bool has_kinks = false;
};

/// Thread-safe: ops may be added while other threads look them up or walk them. An entry never
/// moves and is never removed, so the pointers find() and all() hand out stay valid for the
/// registry's lifetime, whatever is added later.
class OpRegistry {
 public:
  /// Adds an op; throws ValueError when the name is taken.
  void add(OpInfo info);
  /// nullptr when there is no op of that name.
  const OpInfo* find(const std::string& name) const;
  /// All ops, sorted by name.
  std::vector<const OpInfo*> all() const;
  std::size_t size() const;

 private:
  const OpInfo* find_locked(const std::string& name) const;

  mutable std::mutex mutex_;
  std::deque<OpInfo> ops_;  // a deque: push_back moves no existing entry
};

/// The process-wide registry (built-ins register themselves when libslope loads).
OpRegistry& op_registry();

using CasesFn = std::function<std::vector<OpCase>(std::uint64_t seed)>;

/// Registers an op at static-initialisation time, in the op's own file:
/// `const slope::OpRegistration kRelu("relu", relu_cases, /*has_kinks=*/true);`
struct OpRegistration {
  OpRegistration(std::string name, CasesFn cases, bool has_kinks = false) {
    op_registry().add(OpInfo{std::move(name), std::move(cases), has_kinks});
  }
};

}  // namespace slope
