// SPDX-License-Identifier: MIT
// Linear: y = x W + b, the lecture's scores, as a layer that owns W [in, out] and b [out].
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "module.hpp"

namespace slope::nn {

struct LinearOptions {
  bool bias = true;
  /// Seeds the initialisation; by default the next of nn::next_seed().
  std::optional<std::uint64_t> seed;
  Dtype dtype = Dtype::float32;
};

/// Parameters "weight" [in, out] and "bias" [out]. Default initialisation: PyTorch's,
/// Kaiming-uniform with a = sqrt(5), that is W ~ U(-1/sqrt(in), 1/sqrt(in)), and the same bound
/// for b. forward takes x [N, in] and returns linear(x, W, b) (or matmul without a bias).
class Linear : public Module {
 public:
  /// Throws ValueError when in or out is 0.
  Linear(std::size_t in, std::size_t out, LinearOptions options = {});
  Linear(std::size_t in, std::size_t out, bool bias)
      : Linear(in, out, LinearOptions{bias, std::nullopt, Dtype::float32}) {}
  Variable forward(const Variable& x) override;
  std::string describe() const override;
  const Variable& weight() const { return weight_; }
  const Variable& bias() const { return bias_; }  ///< null without a bias

 private:
  std::size_t in_, out_;
  Variable weight_, bias_;
};

}  // namespace slope::nn
