// SPDX-License-Identifier: MIT
// The exceptions slope throws. Every message names the op and the shapes or values at fault.
#pragma once

#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tensor.hpp"

namespace slope {

/// Shapes that do not match, do not broadcast, or an axis out of range.
struct ShapeError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
/// Values at fault: a label out of range, a negative lambda, an empty batch, a NaN step size.
struct ValueError : std::domain_error {
  using std::domain_error::domain_error;
};
/// Element types that cannot mix (float32 with float64).
struct TypeError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
/// Misuse of the graph: backward() on a non-scalar without a seed, or through a freed graph.
struct GraphError : std::logic_error {
  using std::logic_error::logic_error;
};

/// Throws TypeError "<op>: element types differ (a float32, b float64)".
void check_same_dtype(const char* op, const char* name_a, const Tensor& a, const char* name_b,
                      const Tensor& b);
/// Throws ShapeError "<op>: shapes differ (a shape (2, 3), b shape (3, 2))".
void check_same_shape(const char* op, const char* name_a, const Shape& a, const char* name_b,
                      const Shape& b);
/// Throws ShapeError "<op>: expected a 2-D <name>, got shape (3)".
void check_dim(const char* op, const char* name, const Shape& shape, std::size_t dim);
/// Throws ValueError "<op>: <name> is empty (shape (0, 3))".
void check_not_empty(const char* op, const char* name, const Shape& shape);
/// Normalises a possibly negative axis; throws ShapeError naming op, axis and shape.
std::size_t normalize_axis(const char* op, long axis, const Shape& shape);

}  // namespace slope
