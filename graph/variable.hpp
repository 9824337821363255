// SPDX-License-Identifier: MIT
// Variable: a handle to a node of the define-by-run graph. A node holds its value, its gradient,
// the inputs it was made from and the closure that sends its gradient back to them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "tensor.hpp"

namespace slope {

class Variable;
/// The inputs of a node, as its backward closure receives them.
using Inputs = std::vector<Variable>;
/// g is the gradient of the output; the closure adds each input's share with `in[i].add_grad`.
using BackwardFn = std::function<void(const Tensor& g, Inputs& in)>;
/// A function of variables: an op applied to its inputs (a node's replay, a registry case, a
/// function to gradient-check).
using OpFn = std::function<Variable(const Inputs& in)>;

/// What an op with non-differentiable points saw on its last forward, recorded only while
/// `branch_recording()` is on (the gradient checker turns it on): a hash of which side of every
/// kink each element was on, and how many elements sat exactly on a kink.
struct BranchRecord {
  std::uint64_t hash = 0;
  std::size_t at_kink = 0;
};

struct Node {
  Tensor value;
  Tensor grad;
  bool requires_grad = false;
  bool freed = false;  // backward() ran without retain_graph: closure and inputs are gone
  const char* op = "leaf";
  Inputs inputs;
  BackwardFn backward;
  OpFn replay;  // runs the op again on other inputs (same attributes), for per-node checks
  BranchRecord branches;
  std::uint64_t visit_mark = 0;  // topological sort bookkeeping
  /// Bumped by every mutable access to `value` (Variable::value() on a non-const handle).
  std::uint64_t version = 0;
  /// The inputs' versions when this node was made; the sweep refuses to run the closure when one
  /// differs (the closure would read a value that is not the one the forward saw). Up to four
  /// inline (xtensor's small vector): no heap allocation per node for the common ops.
  xt::svector<std::uint64_t, 4> input_versions;
  /// Where in the user's code the op was called (a return address), recorded in anomaly mode only.
  const void* call_site = nullptr;

  Node() = default;
  /// Unlinks the inputs it alone owns iteratively: a 100,000-deep chain must not be destroyed by
  /// 100,000 nested destructor calls.
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  Node(Node&&) = delete;
  Node& operator=(Node&&) = delete;
};

struct BackwardOptions {
  /// Keep every node's closure and inputs so that backward can run again through this graph.
  bool retain_graph = false;
};

class Variable {
 public:
  /// A null handle; most calls on it throw GraphError.
  Variable() = default;
  /// A leaf. With requires_grad it is a parameter whose gradient backward() fills.
  explicit Variable(Tensor value, bool requires_grad = false);
  explicit Variable(std::shared_ptr<Node> node) : node_(std::move(node)) {}

  bool defined() const { return node_ != nullptr; }
  const Tensor& value() const;
  /// Mutable access for optimizers that update a parameter in place. Counts as a modification:
  /// a graph that used this value before refuses to run backward through it (GraphError). To
  /// read without modifying, use a const handle (`std::as_const(v).value()`) or item().
  Tensor& value();
  const Tensor& grad() const;
  Tensor& grad();
  bool has_grad() const { return defined() && !node_->grad.empty(); }
  bool requires_grad() const { return defined() && node_->requires_grad; }
  Variable& set_requires_grad(bool on);
  bool is_leaf() const { return !node_ || !node_->backward; }
  const Shape& shape() const { return value().shape(); }
  Dtype dtype() const { return value().dtype(); }
  std::size_t size() const { return value().size(); }
  double item() const { return value().item(); }
  /// The op that made this value ("leaf" for a leaf).
  const char* op() const;
  const Inputs& inputs() const;
  Node* node() const { return node_.get(); }

  /// Reverse sweep from a one-element output (seed 1). Throws GraphError naming backward, the op
  /// and the input when an input was modified in place after the op used it. A sweep that throws
  /// (a closure's error, an anomaly) leaves the graph as it was: leaves' gradients untouched and
  /// inner nodes clean, so backward may run again.
  void backward(BackwardOptions options = {});
  /// Reverse sweep from any output with an explicit seed gradient of the output's shape.
  void backward(const Tensor& seed, BackwardOptions options = {});
  /// Forgets the gradient (a fresh one is written by the next backward).
  void zero_grad();
  /// The same value as a new leaf that records nothing.
  Variable detach() const;

  /// Accumulates `g` into the gradient (+=), for backward closures. Throws GraphError naming the op
  /// whose backward produced `g` (the closure the sweep is running) and the receiving input when
  /// its shape or element type is wrong: that is a bug in that op's backward.
  void add_grad(const Tensor& g) const;
  void add_grad(Tensor&& g) const;
  /// The gradient buffer for a backward that writes in place (a BLAS product with beta = 1):
  /// allocates an uninitialised one of the value's shape when there is none and sets `*fresh`,
  /// which tells the caller to overwrite rather than add.
  Tensor& grad_slot(bool* fresh) const;

 private:
  friend struct Node;  // ~Node() reads use counts to unlink a chain without recursion
  std::shared_ptr<Node> node_;
};

/// The only way to make a non-leaf. When no input requires a gradient (or inside a NoGradGuard)
/// the result is a plain constant leaf and the closure is dropped.
Variable make_node(const char* op, Tensor value, Inputs inputs, BackwardFn backward,
                   OpFn replay = nullptr);

/// The nodes reachable from `out` (none when it is null), inputs before the nodes that use them:
/// the order of the reverse sweep, found by an iterative walk (a 100,000-deep chain does not
/// overflow the stack). With `grad_only`, only nodes that require a gradient are followed.
std::vector<Node*> topological_order(const Variable& out, bool grad_only = false);

/// True unless a NoGradGuard is alive on this thread.
bool grad_enabled();
/// Within its scope nothing is recorded: ops return constants.
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

/// True while an AnomalyGuard is alive on this thread (graph/anomaly.hpp).
bool anomaly_mode();

/// Whether ops with kinks should fill their node's BranchRecord (off by default: it costs time).
bool branch_recording();
class BranchRecordingGuard {
 public:
  BranchRecordingGuard();
  ~BranchRecordingGuard();
  BranchRecordingGuard(const BranchRecordingGuard&) = delete;
  BranchRecordingGuard& operator=(const BranchRecordingGuard&) = delete;

 private:
  bool previous_;
};

/// Hashes one branch decision per element into a record: `side(i)` is the branch taken by element
/// i (any small integer) and `on_kink(i)` whether it sits exactly on a kink.
template <class Side, class OnKink>
BranchRecord record_branches(std::size_t n, Side side, OnKink on_kink) {
  BranchRecord r;
  r.hash = 1469598103934665603ULL;
  for (std::size_t i = 0; i < n; ++i) {
    r.hash = (r.hash ^ static_cast<std::uint64_t>(side(i) + 1)) * 1099511628211ULL;
    if (on_kink(i)) ++r.at_kink;
  }
  return r;
}

}  // namespace slope
