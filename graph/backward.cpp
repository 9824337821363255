// SPDX-License-Identifier: MIT
// The reverse sweep: order the nodes that need a gradient topologically, then call each closure
// once, outputs before inputs, so that a node has its whole gradient before it passes it on.
#include <atomic>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "anomaly.hpp"
#include "errors.hpp"
#include "variable.hpp"

namespace slope {

namespace {
std::atomic<std::uint64_t> g_sweep{0};

// Iterative DFS (a deep chain must not overflow the stack); post-order gives inputs first. Fills
// `order`, using `stack` as scratch; both keep their capacity for the next walk.
void order_into(Node* root, bool grad_only, std::vector<Node*>& order,
                std::vector<std::pair<Node*, std::size_t>>& stack) {
  const std::uint64_t mark = ++g_sweep;
  order.clear();
  stack.clear();
  if (!root) return;
  root->visit_mark = mark;
  stack.emplace_back(root, 0);
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < node->inputs.size()) {
      Node* in = node->inputs[next++].node();
      if (in && (in->requires_grad || !grad_only) && in->visit_mark != mark) {
        in->visit_mark = mark;
        stack.emplace_back(in, 0);
      }
    } else {
      order.push_back(node);
      stack.pop_back();
    }
  }
}

// The sweep's scratch lists, reused from one backward() to the next on this thread (a backward
// nested inside a closure finds them taken and uses fresh ones).
struct SweepBuffers {
  std::vector<Node*> order;
  std::vector<std::pair<Node*, std::size_t>> stack;
};
thread_local SweepBuffers tl_buffers;

void check_not_freed(const Node* n) {
  if (n->freed)
    throw GraphError(fmt::format(
        "backward: the graph through '{}' was freed by an earlier backward(); to run it twice, "
        "keep it the first time: BackwardOptions o; o.retain_graph = true; y.backward(o);",
        n->op));
}

// The node whose closure runs now on this thread, for error messages (add_grad names it) and so
// that a closure's reads through `Inputs&` do not count as modifications. A sweep points this at a
// slot of its own once, so that marking each closure call is a plain store, not a TLS access.
thread_local const Node* const* tl_running = nullptr;

// Points tl_running at `slot` for one sweep and puts the previous slot back however it ends (a
// backward nested in a closure).
class RunningSlot {
 public:
  explicit RunningSlot(const Node* const* slot) : previous_(tl_running) { tl_running = slot; }
  ~RunningSlot() { tl_running = previous_; }
  RunningSlot(const RunningSlot&) = delete;
  RunningSlot& operator=(const RunningSlot&) = delete;

 private:
  const Node* const* previous_;
};

// An input changed since the op used it: the closure would read the new value and compute the
// gradient of a function nobody evaluated.
void check_versions(const Node* n) {
  for (std::size_t i = 0; i < n->inputs.size(); ++i) {
    const Node* in = n->inputs[i].node();
    if (!in || i >= n->input_versions.size() || in->version == n->input_versions[i]) continue;
    throw GraphError(fmt::format(
        "backward: input {} of '{}' ('{}', shape {}) was modified in place after it was used by "
        "'{}' (its version is {}, it was {}); run the forward again after changing a value",
        i, n->op, in->op, shape_str(in->value.shape()), n->op, in->version, n->input_versions[i]));
  }
}
}  // namespace

namespace detail {
const Node* running_backward() { return tl_running ? *tl_running : nullptr; }
}  // namespace detail

namespace {
void run_backward(const Variable& out, Tensor&& seed, BackwardOptions options);
}  // namespace

std::vector<Node*> topological_order(const Variable& out, bool grad_only) {
  std::vector<Node*> order;
  std::vector<std::pair<Node*, std::size_t>> stack;
  order_into(out.node(), grad_only, order, stack);
  return order;
}

void Variable::backward(BackwardOptions options) {
  if (!node_) throw GraphError("backward: the variable is null (default-constructed)");
  if (node_->value.empty()) throw GraphError(fmt::format("backward: '{}' has no value", node_->op));
  if (size() != 1)
    throw GraphError(fmt::format(
        "backward: the output '{}' has shape {}; a non-scalar output needs a seed gradient, "
        "backward(seed)",
        op(), shape_str(shape())));
  run_backward(*this, Tensor::full(shape(), 1.0, dtype()), options);
}

void Variable::backward(const Tensor& seed, BackwardOptions options) {
  if (!node_) throw GraphError("backward: the variable is null (default-constructed)");
  if (seed.empty())
    throw ShapeError(
        fmt::format("backward: the seed is an empty tensor; the output '{}' is {} of "
                    "shape {}",
                    node_->op, dtype_name(dtype()), shape_str(shape())));
  run_backward(*this, Tensor(seed), options);
}

namespace {
// The leaves' gradients from before this sweep, kept aside so that the sweep accumulates into
// empty ones: on success the old ones are added back, on failure put back as they were.
struct Stash {
  Node* leaf;
  Tensor grad;
};

// On failure: the leaves as they were, the inner nodes without gradients (they would be counted
// twice by the next sweep).
void roll_back(const std::vector<Node*>& order, std::vector<Stash>& stash) {
  for (Node* n : order)
    if (n->backward) n->grad = Tensor();
  for (Stash& s : stash) s.leaf->grad = std::move(s.grad);
}

// The seed arrives owned, so that it becomes the output's gradient without another copy.
void run_backward(const Variable& out, Tensor&& seed, BackwardOptions options) {
  Node* root = out.node();
  if (!root) throw GraphError("backward: the variable is null (default-constructed)");
  check_not_freed(root);
  if (!root->requires_grad)
    throw GraphError(fmt::format(
        "backward: '{}' does not require a gradient (no input of it is a parameter, or it was "
        "made under NoGradGuard)",
        root->op));
  if (seed.dtype() != out.dtype() || seed.shape() != out.shape())
    throw ShapeError(
        fmt::format("backward: the seed is {} of shape {}, the output '{}' is {} of shape {}",
                    dtype_name(seed.dtype()), shape_str(seed.shape()), root->op,
                    dtype_name(out.dtype()), shape_str(out.shape())));
  const bool anomaly = anomaly_mode();
  if (anomaly) detail::anomaly_seed(*root, seed);
  SweepBuffers buffers;
  std::swap(buffers, tl_buffers);
  // Between closures the running node is the enclosing sweep's (none outside a closure).
  const Node* const outside = detail::running_backward();
  const Node* running = outside;
  const RunningSlot slot(&running);
  std::vector<Node*>& order = buffers.order;
  std::vector<Stash> stash;
  try {
    order_into(root, /*grad_only=*/true, order, buffers.stack);
    for (Node* n : order) {
      check_not_freed(n);
      if (n->backward) {
        check_versions(n);
        n->grad = Tensor();  // left by a sweep that did not finish (a nested one, say)
      } else if (!n->grad.empty()) {
        stash.push_back({n, std::move(n->grad)});
        n->grad = Tensor();
      }
    }
    out.add_grad(std::move(seed));
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      Node* n = *it;
      if (!n->backward) continue;  // a leaf: its gradient stays
      if (!n->grad.empty()) {
        running = n;
        n->backward(n->grad, n->inputs);
        running = outside;
        if (anomaly) detail::anomaly_backward(*n);
      }
      n->grad = Tensor();  // an inner node's gradient is spent once passed on
    }
  } catch (...) {
    roll_back(order, stash);
    order.clear();
    std::swap(buffers, tl_buffers);
    throw;
  }
  for (Stash& s : stash) {
    if (s.leaf->grad.empty())
      s.leaf->grad = std::move(s.grad);
    else
      s.leaf->grad += s.grad;
  }
  if (!options.retain_graph) {
    // Freeing a node's inputs can destroy them; `order` lists inputs before their users, so
    // walking it forwards never touches a node that is already gone.
    for (Node* n : order) {
      if (!n->backward) continue;
      n->backward = nullptr;
      n->replay = nullptr;
      n->inputs.clear();
      n->input_versions.clear();
      n->freed = true;
    }
  }
  order.clear();
  std::swap(buffers, tl_buffers);
}
}  // namespace

}  // namespace slope
