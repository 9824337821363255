// SPDX-License-Identifier: MIT
// The one thing every optimizer takes: parameters, a loss over a batch of examples, and how many
// examples there are. Gradient-free methods only evaluate the loss; gradient methods also run
// backward() and read params[i].grad().
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "../graph/variable.hpp"

namespace slope {

/// The examples one step sees: indices into the data set, in the order the sampler drew them.
/// `whole` is true when the indices are exactly 0, 1, ..., n-1 in order, so the loss may use the
/// data set as it is instead of gathering rows (a full-batch step need not copy the data).
struct Batch {
  std::vector<std::size_t> indices;
  bool whole = false;

  std::size_t size() const { return indices.size(); }
  std::size_t operator[](std::size_t i) const { return indices[i]; }
  auto begin() const { return indices.begin(); }
  auto end() const { return indices.end(); }
};

/// A batch of all `n` examples in order (whole = true).
Batch whole_batch(std::size_t n);

/// What is minimised. `loss(batch)` returns a one-element Variable: the loss of the current
/// parameter values on those examples, best the mean over the batch, so that step sizes do not
/// depend on the batch size. `examples` is the number of examples the indices range over.
/// `names`, when not empty, names each parameter ("fc1.weight"): errors and reports then say
/// "fc1.weight" where they would say "parameter 2".
struct Objective {
  std::vector<Variable> params;
  std::function<Variable(const Batch&)> loss;
  std::size_t examples = 0;
  std::vector<std::string> names = {};  // = {}: `Objective{params, loss, n}` stays warning-free

  /// An objective over named parameters, such as a module's named_parameters():
  /// `auto f = Objective::from_named(model.named_parameters(), loss, n);`.
  static Objective from_named(const std::vector<std::pair<std::string, Variable>>& named,
                              std::function<Variable(const Batch&)> loss, std::size_t examples);
};

/// Throws ValueError "<who>: ..." when the objective has no parameters, a null or empty
/// parameter, no loss function, zero examples, or names that are not one per parameter (or
/// empty, or given twice). With `need_grad`, also when a parameter does not require a gradient.
void check_objective(const char* who, const Objective& f, bool need_grad);

/// How messages name parameter i: its name ("fc1.weight") when `names` has one, else
/// "parameter 2" (0-based, as the index into params).
std::string param_name(const std::vector<std::string>& names, std::size_t i);

/// The loss on `batch` without recording a graph (under NoGradGuard). Throws ValueError when the
/// loss is not a single value.
double loss_value(Objective& f, const Batch& batch);
/// Clears every parameter's gradient, evaluates the loss on `batch` and runs backward(): the
/// gradients are then in params[i].grad() (left empty for a parameter the loss does not use).
/// Returns the loss. Throws ValueError when the loss is not a single value, GraphError inside a
/// NoGradGuard.
double loss_and_grad(Objective& f, const Batch& batch);

/// Copies of the parameters' values (for keeping the best ones).
std::vector<Tensor> snapshot(const std::vector<Variable>& params);
/// Writes `values` back into the parameters in place (their buffers are kept). Throws ShapeError
/// when a shape or element type differs.
void restore(std::vector<Variable>& params, const std::vector<Tensor>& values);

/// sqrt(sum of squares) over every parameter's gradient (empty gradients count as 0), in double.
double global_grad_norm(const std::vector<Variable>& params);

}  // namespace slope
