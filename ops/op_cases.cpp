// SPDX-License-Identifier: MIT
#include "op_cases.hpp"

#include <random>

#include "elementwise.hpp"

namespace slope::detail {

Tensor away_from_zero(const Shape& shape, std::uint64_t seed, double low, double high) {
  Tensor t = uniform(shape, low, high, seed);
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);
  for (std::size_t i = 0; i < t.size(); ++i)
    if (rng() & 1U) t.set_flat(i, -t.flat(i));
  return t;
}

Tensor normal_inputs(const Shape& shape, std::uint64_t seed) { return randn(shape, seed); }
Tensor nonzero_inputs(const Shape& shape, std::uint64_t seed) {
  return away_from_zero(shape, seed);
}
Tensor positive_inputs(const Shape& shape, std::uint64_t seed) {
  return uniform(shape, 0.5, 2.0, seed);
}

namespace {
Tensor fraction_inputs(const Shape& shape, std::uint64_t seed, double low, double high) {
  Tensor t = uniform(shape, low, high, seed);
  std::mt19937_64 rng(seed ^ 0x51ed270b27a1f4c3ULL);
  std::uniform_int_distribution<int> whole(-2, 1);
  for (std::size_t i = 0; i < t.size(); ++i) t.set_flat(i, t.flat(i) + whole(rng));
  return t;
}
}  // namespace

Tensor lower_fraction_inputs(const Shape& shape, std::uint64_t seed) {
  return fraction_inputs(shape, seed, 0.1, 0.4);
}
Tensor upper_fraction_inputs(const Shape& shape, std::uint64_t seed) {
  return fraction_inputs(shape, seed, 0.6, 0.9);
}

std::vector<OpCase> binary_cases(std::uint64_t seed, const OpFn& apply, InputFn inputs) {
  std::vector<OpCase> cases;
  cases.push_back({"plain", {inputs({3, 4}, seed), inputs({3, 4}, seed + 1)}, apply});
  cases.push_back({"broadcast_row", {inputs({3, 4}, seed + 2), inputs({4}, seed + 3)}, apply});
  cases.push_back(
      {"broadcast_both", {inputs({2, 1, 4}, seed + 4), inputs({3, 1}, seed + 5)}, apply});
  cases.push_back({"reuse", {inputs({2, 3}, seed + 6)}, [apply](const Inputs& in) {
                     return apply({in[0], in[0]});
                   }});
  return cases;
}

std::vector<OpCase> unary_cases(std::uint64_t seed, const OpFn& apply, InputFn inputs) {
  std::vector<OpCase> cases;
  cases.push_back({"matrix", {inputs({3, 4}, seed)}, apply});
  cases.push_back({"vector", {inputs({5}, seed + 1)}, apply});
  cases.push_back({"tensor3", {inputs({2, 3, 2}, seed + 2)}, apply});
  cases.push_back({"reuse", {inputs({2, 3}, seed + 3)}, [apply](const Inputs& in) {
                     return mul(apply(in), in[0]);
                   }});
  return cases;
}

CasesFn unary_op(UnaryFn f, InputFn inputs) {
  return [f, inputs](std::uint64_t seed) {
    return unary_cases(
        seed, [f](const Inputs& in) { return f(in[0]); }, inputs);
  };
}

CasesFn binary_op(BinaryFn f, InputFn inputs) {
  return [f, inputs](std::uint64_t seed) {
    return binary_cases(
        seed, [f](const Inputs& in) { return f(in[0], in[1]); }, inputs);
  };
}

}  // namespace slope::detail
