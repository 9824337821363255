// SPDX-License-Identifier: MIT
// How optimizers write their state as named tensors and read it back, exactly: counts as float64
// integers (below 2^53), random engines as their state words in 32-bit halves, and the checks
// that name the optimizer and the entry when a loaded state does not fit.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "optimizer.hpp"

namespace slope::detail {

/// The entry named `name`, or null.
const Tensor* find_entry(const OptimizerState& s, const std::string& name);
/// The entry named `name`; throws ValueError "<who>: load_state: the state has no entry "t"".
const Tensor& need_entry(const char* who, const OptimizerState& s, const std::string& name);
/// Throws ValueError "<who>: load_state: unknown entry "m.7" (expected t, m.0, ...)" for the
/// first entry of `s` whose name is not in `expected`, or for a name given twice.
void check_names(const char* who, const OptimizerState& s,
                 const std::vector<std::string>& expected);
/// How many entries are named "<prefix>0", "<prefix>1", ... (the first missing index ends it).
std::size_t count_indexed(const OptimizerState& s, const std::string& prefix);

/// A count as a one-element float64 tensor; throws ValueError when n >= 2^53 (not exact).
Tensor count_entry(std::uint64_t n);
/// The count in entry `name`: shape (1) float64, an integer in [0, 2^53); else ValueError.
std::uint64_t read_count(const char* who, const OptimizerState& s, const std::string& name);
/// A double as a one-element float64 tensor (exact), and back (shape (1) float64, any value).
Tensor value_entry(double v);
double read_value(const char* who, const OptimizerState& s, const std::string& name);
/// A float64 vector as a 1-D float64 tensor, and back: shape (n) float64 with n = `size`.
Tensor vector_entry(const std::vector<double>& v);
std::vector<double> read_vector(const char* who, const OptimizerState& s, const std::string& name,
                                std::size_t size);

/// The engine's state (its operator<< words) as a (313, 2) float64 tensor of 32-bit halves.
Tensor rng_entry(const std::mt19937_64& rng);
/// The engine written by rng_entry; ValueError when the shape, a half or the state is not valid.
std::mt19937_64 read_rng(const char* who, const OptimizerState& s, const std::string& name);

/// Throws ShapeError (TypeError when only the element type differs) "<who>: load_state: entry
/// "m.0" is shape (3) float32, but <what> is shape (2) float32".
void check_entry_fits(const char* who, const std::string& name, const Tensor& entry,
                      const Shape& shape, Dtype dtype, const std::string& what);

}  // namespace slope::detail
