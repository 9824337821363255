// SPDX-License-Identifier: MIT
// Module: a layer or a model that owns named parameters and child modules and maps one Variable
// to another. A thin object over the functional API: Linear's forward is `linear(x, W, b)`.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../graph/variable.hpp"

namespace slope::nn {

/// A parameter with its hierarchical name: "weight", "0.weight", "fc2.bias".
using NamedParameter = std::pair<std::string, Variable>;

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  Module(Module&&) = delete;
  Module& operator=(Module&&) = delete;

  /// The layer's map; `operator()` calls it.
  virtual Variable forward(const Variable& x) = 0;
  Variable operator()(const Variable& x) { return forward(x); }
  /// "Linear(784, 10)": one line for messages and printing models.
  virtual std::string describe() const = 0;

  /// Every parameter of this module and its children, depth first in registration order, named
  /// by the path of child names joined with '.' ("0.weight", "fc2.bias").
  std::vector<NamedParameter> named_parameters() const;
  /// The same parameters without their names (what an Objective takes).
  std::vector<Variable> parameters() const;
  /// Train mode (the default) or evaluation mode, for this module and every child: Dropout is
  /// active in train mode only.
  void train(bool on = true);
  void eval() { train(false); }
  bool training() const { return training_; }
  /// Forgets every parameter's gradient.
  void zero_grad();

  /// The states of every random generator in this module and its children (Dropout's masks),
  /// depth first, each named by the module's path ("2", "encoder.1"; "" for this module itself).
  /// A checkpoint saves them so that a resumed run draws the masks it would have drawn.
  std::vector<std::pair<std::string, std::string>> named_rng_states() const;
  /// Sets the generator state of the module at `path` (a name named_rng_states() gives). Throws
  /// ValueError naming the path when no module there has a generator or the state is not one.
  void set_named_rng_state(const std::string& path, const std::string& state);
  /// This module's own generator state as text; empty when it has no generator (the default).
  virtual std::string rng_state() const { return {}; }
  /// Sets this module's own generator state. Throws ValueError: by default there is none.
  virtual void set_rng_state(const std::string& state);

 protected:
  /// Adds a parameter (a leaf that requires a gradient) under `name`; returns it. Throws
  /// ValueError naming the module when the name is empty, has a '.', or is taken.
  Variable register_parameter(const std::string& name, Tensor value);
  /// Adds a child module under `name` (its parameters are then "name.<theirs>"). Throws as
  /// register_parameter.
  void register_module(const std::string& name, std::shared_ptr<Module> child);
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const {
    return children_;
  }

 private:
  void check_name(const std::string& name) const;
  void collect(const std::string& prefix, std::vector<NamedParameter>& out) const;
  void collect_rng(const std::string& path,
                   std::vector<std::pair<std::string, std::string>>& out) const;

  std::vector<NamedParameter> parameters_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace slope::nn
