// SPDX-License-Identifier: MIT
#include "variable.hpp"

#include <fmt/format.h>

#include "anomaly.hpp"
#include "errors.hpp"

namespace slope {

namespace {
thread_local bool tl_grad_enabled = true;
thread_local bool tl_branch_recording = false;
thread_local bool tl_anomaly = false;

Node& deref(const std::shared_ptr<Node>& node, const char* what) {
  if (!node) throw GraphError(fmt::format("{}: the variable is null (default-constructed)", what));
  return *node;
}
}  // namespace

Node::~Node() {
  // Inputs owned by nobody else would die inside this destructor, theirs inside theirs, and so
  // on down the chain; instead their inputs are moved onto one local list and released in a loop.
  Inputs pending = std::move(inputs);
  while (!pending.empty()) {
    Variable v = std::move(pending.back());
    pending.pop_back();
    if (v.node_ && v.node_.use_count() == 1) {
      for (auto& in : v.node_->inputs) pending.push_back(std::move(in));
      v.node_->inputs.clear();
    }
  }
}

Variable::Variable(Tensor value, bool requires_grad) : node_(std::make_shared<Node>()) {
  if (value.empty()) throw ValueError("Variable: cannot wrap an empty tensor");
  node_->value = std::move(value);
  node_->requires_grad = requires_grad;
}

const Tensor& Variable::value() const { return deref(node_, "value").value; }
Tensor& Variable::value() {
  Node& n = deref(node_, "value");
  // A closure reading its inputs through `Inputs&` is not a modification.
  if (!detail::running_backward()) ++n.version;
  return n.value;
}
const Tensor& Variable::grad() const { return deref(node_, "grad").grad; }
Tensor& Variable::grad() { return deref(node_, "grad").grad; }
const char* Variable::op() const { return deref(node_, "op").op; }
const Inputs& Variable::inputs() const { return deref(node_, "inputs").inputs; }

Variable& Variable::set_requires_grad(bool on) {
  Node& n = deref(node_, "set_requires_grad");
  if (n.backward && !on)
    throw GraphError(fmt::format("set_requires_grad: '{}' is not a leaf; use detach()", n.op));
  n.requires_grad = on;
  return *this;
}

void Variable::zero_grad() {
  if (node_) node_->grad = Tensor();
}

Variable Variable::detach() const { return Variable(value(), false); }

namespace {
void check_grad_fits(const Node& n, const Tensor& g) {
  if (g.dtype() == n.value.dtype() && g.shape() == n.value.shape()) return;
  // The sweep knows whose closure is running: that op's backward is the one at fault.
  const Node* producer = detail::running_backward();
  std::string who = "a backward closure";
  std::string into = fmt::format("'{}'", n.op);
  if (producer) {
    who = fmt::format("the backward of '{}'", producer->op);
    for (std::size_t i = 0; i < producer->inputs.size(); ++i)
      if (producer->inputs[i].node() == &n) {
        into = fmt::format("its input {} ('{}')", i, n.op);
        break;
      }
  }
  throw GraphError(fmt::format(
      "add_grad: {} fed a {} gradient of shape {} into {}, whose value is {} of shape {}; that "
      "op's backward is wrong",
      who, dtype_name(g.dtype()), shape_str(g.shape()), into, dtype_name(n.value.dtype()),
      shape_str(n.value.shape())));
}
}  // namespace

void Variable::add_grad(const Tensor& g) const {
  Node& n = deref(node_, "add_grad");
  check_grad_fits(n, g);
  if (n.grad.empty())
    n.grad = g;
  else
    n.grad += g;
}

void Variable::add_grad(Tensor&& g) const {
  Node& n = deref(node_, "add_grad");
  check_grad_fits(n, g);
  if (n.grad.empty())
    n.grad = std::move(g);
  else
    n.grad += g;
}

Tensor& Variable::grad_slot(bool* fresh) const {
  Node& n = deref(node_, "grad_slot");
  *fresh = n.grad.empty();
  if (*fresh)
    n.grad =
        n.value.visit([](const auto& a) -> Tensor { return std::decay_t<decltype(a)>(a.shape()); });
  return n.grad;
}

Variable make_node(const char* op, Tensor value, Inputs inputs, BackwardFn backward, OpFn replay) {
  auto node = std::make_shared<Node>();
  node->value = std::move(value);
  node->op = op;
  bool any = false;
  if (tl_grad_enabled)
    for (const auto& in : inputs) any = any || in.requires_grad();
  if (tl_anomaly) detail::anomaly_forward(*node, inputs, any);
  if (any) {
    node->requires_grad = true;
    node->input_versions.reserve(inputs.size());  // a no-op up to the inline four
    for (const auto& in : inputs)
      node->input_versions.push_back(in.node() ? in.node()->version : 0);
    node->inputs = std::move(inputs);
    node->backward = std::move(backward);
    node->replay = std::move(replay);
  }
  return Variable(std::move(node));
}

bool grad_enabled() { return tl_grad_enabled; }
NoGradGuard::NoGradGuard() : previous_(tl_grad_enabled) { tl_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { tl_grad_enabled = previous_; }

bool anomaly_mode() { return tl_anomaly; }
AnomalyGuard::AnomalyGuard(bool on) : previous_(tl_anomaly) { tl_anomaly = on; }
AnomalyGuard::~AnomalyGuard() { tl_anomaly = previous_; }

bool branch_recording() { return tl_branch_recording; }
BranchRecordingGuard::BranchRecordingGuard() : previous_(tl_branch_recording) {
  tl_branch_recording = true;
}
BranchRecordingGuard::~BranchRecordingGuard() { tl_branch_recording = previous_; }

}  // namespace slope
