// SPDX-License-Identifier: MIT
#include "optimizer_state.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope {

void Optimizer::load_state(const OptimizerState& state) {
  if (!state.empty())
    throw ValueError(
        fmt::format("{}: load_state: this optimizer keeps no state, but the state has "
                    "entry \"{}\"",
                    name(), state.front().first));
}

namespace detail {

namespace {
constexpr double kExactCounts = 9007199254740992.0;  // 2^53
constexpr double kHalf = 4294967296.0;               // 2^32

// "shape (1) float64" of an entry, for messages.
std::string describe(const Tensor& t) {
  return fmt::format("shape {} {}", shape_str(t.shape()), dtype_name(t.dtype()));
}

const Tensor& need_float64(const char* who, const OptimizerState& s, const std::string& name,
                           const Shape& shape) {
  const Tensor& t = need_entry(who, s, name);
  if (t.dtype() != Dtype::float64 || t.shape() != shape)
    throw ShapeError(fmt::format("{}: load_state: entry \"{}\" is {}, expected shape {} float64",
                                 who, name, describe(t), shape_str(shape)));
  return t;
}
}  // namespace

const Tensor* find_entry(const OptimizerState& s, const std::string& name) {
  for (const auto& [n, t] : s)
    if (n == name) return &t;
  return nullptr;
}

const Tensor& need_entry(const char* who, const OptimizerState& s, const std::string& name) {
  const Tensor* t = find_entry(s, name);
  if (!t) throw ValueError(fmt::format("{}: load_state: the state has no entry \"{}\"", who, name));
  if (t->empty())
    throw ValueError(fmt::format("{}: load_state: entry \"{}\" holds no tensor", who, name));
  return *t;
}

void check_names(const char* who, const OptimizerState& s,
                 const std::vector<std::string>& expected) {
  std::set<std::string> seen;
  for (const auto& entry : s) {
    const std::string& n = entry.first;
    if (std::find(expected.begin(), expected.end(), n) == expected.end()) {
      std::string list;
      for (std::size_t i = 0; i < expected.size() && i < 6; ++i)
        list += (i ? ", " : "") + expected[i];
      if (expected.size() > 6) list += ", ...";
      throw ValueError(
          fmt::format("{}: load_state: unknown entry \"{}\" (expected {})", who, n, list));
    }
    if (!seen.insert(n).second)
      throw ValueError(fmt::format("{}: load_state: entry \"{}\" is given twice", who, n));
  }
  for (const auto& n : expected) need_entry(who, s, n);
}

std::size_t count_indexed(const OptimizerState& s, const std::string& prefix) {
  std::size_t k = 0;
  while (find_entry(s, prefix + std::to_string(k))) ++k;
  return k;
}

Tensor count_entry(std::uint64_t n) {
  if (static_cast<double>(n) >= kExactCounts)
    throw ValueError(
        fmt::format("optimizer state: the count {} is 2^53 or more and would not be "
                    "exact as a float64",
                    n));
  return Tensor::from_vector({static_cast<double>(n)}, {1});
}

std::uint64_t read_count(const char* who, const OptimizerState& s, const std::string& name) {
  const double v = need_float64(who, s, name, {1}).flat(0);
  if (!(v >= 0 && v < kExactCounts && std::floor(v) == v))
    throw ValueError(fmt::format(
        "{}: load_state: entry \"{}\" must be a whole count in [0, 2^53), got {}", who, name, v));
  return static_cast<std::uint64_t>(v);
}

Tensor value_entry(double v) { return Tensor::from_vector({v}, {1}); }

double read_value(const char* who, const OptimizerState& s, const std::string& name) {
  return need_float64(who, s, name, {1}).flat(0);
}

Tensor vector_entry(const std::vector<double>& v) { return Tensor::from_vector(v, {v.size()}); }

std::vector<double> read_vector(const char* who, const OptimizerState& s, const std::string& name,
                                std::size_t size) {
  const Tensor& t = need_float64(who, s, name, {size});
  const double* d = t.data<double>();
  return std::vector<double>(d, d + size);
}

Tensor rng_entry(const std::mt19937_64& rng) {
  std::stringstream text;
  text << rng;
  std::vector<double> halves;
  std::uint64_t word = 0;
  while (text >> word) {
    halves.push_back(static_cast<double>(word >> 32));
    halves.push_back(static_cast<double>(word & 0xFFFFFFFFULL));
  }
  return Tensor::from_vector(halves, {halves.size() / 2, 2});
}

std::mt19937_64 read_rng(const char* who, const OptimizerState& s, const std::string& name) {
  const Shape shape = rng_entry(std::mt19937_64()).shape();
  const Tensor& t = need_float64(who, s, name, shape);
  std::stringstream text;
  for (std::size_t i = 0; i < shape[0]; ++i) {
    const double hi = t.flat(2 * i), lo = t.flat(2 * i + 1);
    for (double h : {hi, lo})
      if (!(h >= 0 && h < kHalf && std::floor(h) == h))
        throw ValueError(fmt::format(
            "{}: load_state: entry \"{}\" row {} holds {}, not a 32-bit half of a state word", who,
            name, i, h));
    const auto word = (static_cast<std::uint64_t>(hi) << 32) | static_cast<std::uint64_t>(lo);
    text << word << ' ';
  }
  std::mt19937_64 rng;
  text >> rng;
  if (text.fail())
    throw ValueError(
        fmt::format("{}: load_state: entry \"{}\" is not a random engine's state", who, name));
  return rng;
}

void check_entry_fits(const char* who, const std::string& name, const Tensor& entry,
                      const Shape& shape, Dtype dtype, const std::string& what) {
  if (entry.shape() == shape && entry.dtype() == dtype) return;
  const std::string message =
      fmt::format("{}: load_state: entry \"{}\" is {}, but {} is shape {} {}", who, name,
                  describe(entry), what, shape_str(shape), dtype_name(dtype));
  if (entry.shape() == shape) throw TypeError(message);
  throw ShapeError(message);
}

}  // namespace detail

}  // namespace slope
