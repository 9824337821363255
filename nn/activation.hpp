// SPDX-License-Identifier: MIT
// Activation layers: no parameters, the op of the same name applied elementwise.
#pragma once

#include "module.hpp"

namespace slope::nn {

class ReLU : public Module {
 public:
  Variable forward(const Variable& x) override;
  std::string describe() const override { return "ReLU"; }
};

class Tanh : public Module {
 public:
  Variable forward(const Variable& x) override;
  std::string describe() const override { return "Tanh"; }
};

class Sigmoid : public Module {
 public:
  Variable forward(const Variable& x) override;
  std::string describe() const override { return "Sigmoid"; }
};

}  // namespace slope::nn
