// SPDX-License-Identifier: MIT
// Input generators for the op registry: the standard cases every op's row draws from.
#pragma once

#include <cstdint>
#include <vector>

#include "registry.hpp"

namespace slope::detail {


/// Values uniform in [low, high] with a random sign: kept `low` away from a kink at 0.
Tensor away_from_zero(const Shape& shape, std::uint64_t seed, double low = 0.1, double high = 2.0);

/// Cases for a binary elementwise op: same shapes, a broadcast row, broadcasting both ways, and
/// reuse (the same variable on both sides). `inputs` makes an operand of a given shape and seed.
std::vector<OpCase> binary_cases(std::uint64_t seed, const OpFn& apply,
                                 Tensor (*inputs)(const Shape&, std::uint64_t));
/// Cases for a unary op: a matrix, a vector, a 3-D tensor and reuse (f(x) * x feeds x twice).
std::vector<OpCase> unary_cases(std::uint64_t seed, const OpFn& apply,
                                Tensor (*inputs)(const Shape&, std::uint64_t));

/// Standard normal inputs (smooth ops).
Tensor normal_inputs(const Shape& shape, std::uint64_t seed);
/// Inputs kept at least 0.1 away from 0 (ops with a kink at 0).
Tensor nonzero_inputs(const Shape& shape, std::uint64_t seed);
/// Inputs in [0.5, 2] (log, sqrt, division by them).
Tensor positive_inputs(const Shape& shape, std::uint64_t seed);
/// Values k + u, k a random integer in [-2, 1] and u uniform in [0.1, 0.4]: at least 0.1 from
/// every integer and half-integer, so kinks put there (clamp at -1 and 1, abs at 0) are never near.
Tensor lower_fraction_inputs(const Shape& shape, std::uint64_t seed);
/// The same with u in [0.6, 0.9]. Against lower_fraction_inputs no two values come within 0.2 of
/// each other, yet either may be the larger (maximum, minimum).
Tensor upper_fraction_inputs(const Shape& shape, std::uint64_t seed);

}  // namespace slope::detail
