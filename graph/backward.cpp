// SPDX-License-Identifier: MIT
// The reverse sweep: order the nodes that need a gradient topologically, then call each closure
// once, outputs before inputs, so that a node has its whole gradient before it passes it on.
#include <atomic>

#include <fmt/format.h>

#include "errors.hpp"
#include "variable.hpp"

namespace slope {

namespace {
std::atomic<std::uint64_t> g_sweep{0};

// Iterative DFS (a deep chain must not overflow the stack); post-order gives inputs first.
std::vector<Node*> topological_order(Node* root) {
  const std::uint64_t mark = ++g_sweep;
  std::vector<Node*> order;
  std::vector<std::pair<Node*, std::size_t>> stack;
  root->visit_mark = mark;
  stack.emplace_back(root, 0);
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < node->inputs.size()) {
      Node* in = node->inputs[next++].node();
      if (in->requires_grad && in->visit_mark != mark) {
        in->visit_mark = mark;
        stack.emplace_back(in, 0);
      }
    } else {
      order.push_back(node);
      stack.pop_back();
    }
  }
  return order;
}

void check_not_freed(const Node* n) {
  if (n->freed)
    throw GraphError(fmt::format(
        "backward: the graph through '{}' was freed by an earlier backward(); pass "
        "BackwardOptions{{.retain_graph = true}} to the first backward() to run it twice",
        n->op));
}
}  // namespace

void Variable::backward(BackwardOptions options) {
  if (size() != 1)
    throw GraphError(fmt::format(
        "backward: the output '{}' has shape {}; a non-scalar output needs a seed gradient, "
        "backward(seed)",
        op(), shape_str(shape())));
  backward(Tensor::full(shape(), 1.0, dtype()), options);
}

void Variable::backward(const Tensor& seed, BackwardOptions options) {
  Node* root = node();
  if (!root) throw GraphError("backward: the variable is null (default-constructed)");
  check_not_freed(root);
  if (!root->requires_grad)
    throw GraphError(fmt::format(
        "backward: '{}' does not require a gradient (no input of it is a parameter, or it was "
        "made under NoGradGuard)",
        root->op));
  if (seed.dtype() != dtype() || seed.shape() != shape())
    throw ShapeError(
        fmt::format("backward: the seed is {} of shape {}, the output '{}' is {} of shape {}",
                    dtype_name(seed.dtype()), shape_str(seed.shape()), root->op,
                    dtype_name(dtype()), shape_str(shape())));
  const std::vector<Node*> order = topological_order(root);
  for (Node* n : order) check_not_freed(n);
  add_grad(seed);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node* n = *it;
    if (!n->backward) continue;  // a leaf: its gradient stays
    if (!n->grad.empty()) n->backward(n->grad, n->inputs);
    n->grad = Tensor();  // an inner node's gradient is spent once passed on
  }
  if (options.retain_graph) return;
  // Freeing a node's inputs can destroy them; `order` lists inputs before their users, so walking
  // it forwards never touches a node that is already gone.
  for (Node* n : order) {
    if (!n->backward) continue;
    n->backward = nullptr;
    n->replay = nullptr;
    n->inputs.clear();
    n->freed = true;
  }
}

}  // namespace slope
