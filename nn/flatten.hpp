// SPDX-License-Identifier: MIT
// Flatten: [N, d1, d2, ...] -> [N, d1 * d2 * ...], between convolutions and a Linear layer.
#pragma once

#include "module.hpp"

namespace slope::nn {

class Flatten : public Module {
 public:
  /// Throws ShapeError for a 0-D input.
  Variable forward(const Variable& x) override;
  std::string describe() const override { return "Flatten"; }
};

}  // namespace slope::nn
