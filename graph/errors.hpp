// SPDX-License-Identifier: MIT
// The exceptions slope throws, and every check_* helper that throws them. Every message names the
// op and the shapes or values at fault.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tensor.hpp"

namespace slope {

class Variable;

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

// ---- shapes and element types ----

/// Throws TypeError "<op>: element types differ (a float32, b float64)".
void check_same_dtype(const char* op, const char* name_a, const Tensor& a, const char* name_b,
                      const Tensor& b);
void check_same_dtype(const char* op, const char* name_a, Dtype a, const char* name_b, Dtype b);
/// Throws ShapeError "<op>: shapes differ (a shape (2, 3), b shape (3, 2))".
void check_same_shape(const char* op, const char* name_a, const Shape& a, const char* name_b,
                      const Shape& b);
/// Throws ShapeError "<op>: expected a 2-D <name>, got shape (3)".
void check_dim(const char* op, const char* name, const Shape& shape, std::size_t dim);
/// Throws ValueError "<op>: <name> is empty (shape (0, 3))".
void check_not_empty(const char* op, const char* name, const Shape& shape);
/// Normalises a possibly negative axis; throws ShapeError naming op, axis and shape.
std::size_t normalize_axis(const char* op, long axis, const Shape& shape);

// ---- values ----

/// Throws ValueError "<op>: <name> must be finite and >= 0 (<name> -1)" (NaN and inf too).
void check_coefficient(const char* op, const char* name, double value);
/// Throws ValueError "<op>: <name> must be positive (<name> 0)" (NaN and inf too).
void check_positive(const char* op, const char* name, double value);
/// Throws ValueError "<op>: <name> must be in [0, 1) (<name> 1)" unless lo <= value < hi.
void check_in_range(const char* op, const char* name, double value, double lo, double hi);

// ---- labels ----

/// The one label check. With a non-empty `shape` (the scores' or x's, named `name`), throws
/// ValueError "<op>: 3 labels for 4 rows (x shape (4, 5), labels size 3)" unless there is one label
/// per row; then, for the first label outside [0, classes),
/// "<op>: label y[2] = 7 is out of range [0, 5) (x shape (4, 5))" (no shape part when `shape` is
/// empty).
void check_labels(const char* op, const Labels& y, std::size_t classes, const Shape& shape,
                  const char* name = "x");
/// The loss nodes' checks: scores 2-D (ShapeError), N >= 1 and C >= 1, then check_labels naming
/// "scores" (ValueError).
void check_scores_and_labels(const char* op, const Shape& scores, const Labels& y);

// ---- parameter lists ----

/// A regularizer's arguments: lambda as check_coefficient, a non-empty list (ValueError) of one
/// element type (TypeError "<op>: element types differ (params[0] float32, params[1] float64)").
void check_params(const char* op, const std::vector<Variable>& params, double lambda);

}  // namespace slope
