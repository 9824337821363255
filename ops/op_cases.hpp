// SPDX-License-Identifier: MIT
// Input generators for the op registry: the standard cases every op's row draws from.
#pragma once

#include <cstdint>
#include <vector>

#include "registry.hpp"

namespace slope::detail {

/// Makes an input of a given shape from a seed (float64): the generators below.
using InputFn = Tensor (*)(const Shape& shape, std::uint64_t seed);
/// A unary op as the case builders take it (a pointer picks the one-argument overload).
using UnaryFn = Variable (*)(const Variable& x);
/// A binary op as the case builders take it.
using BinaryFn = Variable (*)(const Variable& a, const Variable& b);

/// Values uniform in [low, high] with a random sign: kept `low` away from a kink at 0.
Tensor away_from_zero(const Shape& shape, std::uint64_t seed, double low = 0.1, double high = 2.0);

/// Cases for a binary elementwise op: same shapes, a broadcast row, broadcasting both ways, and
/// reuse (the same variable on both sides). `inputs` makes an operand of a given shape and seed.
std::vector<OpCase> binary_cases(std::uint64_t seed, const OpFn& apply, InputFn inputs);
/// Cases for a unary op: a matrix, a vector, a 3-D tensor and reuse (f(x) * x feeds x twice).
std::vector<OpCase> unary_cases(std::uint64_t seed, const OpFn& apply, InputFn inputs);

/// The registry's cases for a unary op: unary_cases of `f` over `inputs`, for OpRegistration:
/// `const OpRegistration kRelu("relu", detail::unary_op(relu, detail::nonzero_inputs), true);`
CasesFn unary_op(UnaryFn f, InputFn inputs);
/// The same for a binary op: binary_cases of `f` over `inputs`.
CasesFn binary_op(BinaryFn f, InputFn inputs);

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
