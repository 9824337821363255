// SPDX-License-Identifier: MIT
// Dropout: in train mode each element is zeroed with probability p and the survivors scaled by
// 1 / (1 - p) (inverted dropout, so evaluation needs no rescaling); in eval mode the identity.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "module.hpp"

namespace slope::nn {

class Dropout : public Module {
 public:
  /// Throws ValueError unless 0 <= p < 1. The mask generator is seeded from `seed` (by default
  /// the next of nn::next_seed()).
  explicit Dropout(double p = 0.5, std::optional<std::uint64_t> seed = std::nullopt);
  Variable forward(const Variable& x) override;
  std::string describe() const override;
  double p() const { return p_; }
  /// The mask generator's state as text (std::mt19937_64's stream form), for checkpoints.
  std::string rng_state() const override;
  /// Throws ValueError when `state` is not a generator state.
  void set_rng_state(const std::string& state) override;

 private:
  double p_;
  std::mt19937_64 rng_;
};

}  // namespace slope::nn
