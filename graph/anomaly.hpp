// SPDX-License-Identifier: MIT
// Anomaly mode: within an AnomalyGuard every op's forward output and every gradient a backward
// closure produces is checked for NaN and infinity, and the first op that created one is named
// with the place in the user's code that called it. Off by default; off, it costs one
// thread-local test per op and per sweep.
#pragma once

#include <string>

#include "errors.hpp"
#include "variable.hpp"

namespace slope {

/// A NaN or infinity that anomaly mode caught: the message names the op that created it, forward
/// or backward, its input shapes, how many elements are bad and where the op was called from.
struct AnomalyError : ValueError {
  using ValueError::ValueError;
};

/// Within its scope (on this thread) anomaly mode is on; `AnomalyGuard(false)` turns it off for a
/// scope inside another guard. Nested guards restore the previous state.
class AnomalyGuard {
 public:
  explicit AnomalyGuard(bool on = true);
  ~AnomalyGuard();
  AnomalyGuard(const AnomalyGuard&) = delete;
  AnomalyGuard& operator=(const AnomalyGuard&) = delete;

 private:
  bool previous_;
};

/// The number of NaN and infinite elements of a tensor.
struct NonFiniteCount {
  std::size_t nan = 0;
  std::size_t inf = 0;
  std::size_t total() const { return nan + inf; }
  /// "1 NaN", "2 inf", "1 NaN and 2 inf".
  std::string str() const;
};
/// Counts NaN and infinite elements (one pass; a quick all-finite pass first).
NonFiniteCount count_non_finite(const Tensor& t);
/// True when every element is finite (one vectorisable pass).
bool all_finite(const Tensor& t);

namespace detail {
/// The node whose backward closure the sweep on this thread is running (null outside a sweep).
const Node* running_backward();
/// The address of the first caller outside the slope library (null when none is found).
const void* capture_call_site();
/// "file.cpp:42 (in function)" for an address from capture_call_site(), resolved with addr2line;
/// "an unknown place" when it cannot be resolved.
std::string describe_call_site(const void* site);
/// make_node's check in anomaly mode: throws AnomalyError when `n.value` is not finite; records
/// the call site in `n` when the node joins a graph (`recorded`).
void anomaly_forward(Node& n, const Inputs& inputs, bool recorded);
/// The sweep's check after `n`'s closure ran: throws AnomalyError when a gradient it produced for
/// one of its inputs is not finite.
void anomaly_backward(const Node& n);
/// The sweep's check of the seed gradient.
void anomaly_seed(const Node& root, const Tensor& seed);
}  // namespace detail

}  // namespace slope
