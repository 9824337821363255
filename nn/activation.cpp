// SPDX-License-Identifier: MIT
#include "activation.hpp"

#include "../ops/elementwise.hpp"

namespace slope::nn {

Variable ReLU::forward(const Variable& x) { return relu(x); }
Variable Tanh::forward(const Variable& x) { return tanh(x); }
Variable Sigmoid::forward(const Variable& x) { return sigmoid(x); }

}  // namespace slope::nn
