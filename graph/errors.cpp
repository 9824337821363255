// SPDX-License-Identifier: MIT
#include "errors.hpp"

#include <cmath>

#include <fmt/format.h>

#include "variable.hpp"

namespace slope {

void check_same_dtype(const char* op, const char* name_a, const Tensor& a, const char* name_b,
                      const Tensor& b) {
  check_same_dtype(op, name_a, a.dtype(), name_b, b.dtype());
}

void check_same_dtype(const char* op, const char* name_a, Dtype a, const char* name_b, Dtype b) {
  if (a != b)
    throw TypeError(fmt::format("{}: element types differ ({} {}, {} {})", op, name_a,
                                dtype_name(a), name_b, dtype_name(b)));
}

void check_same_shape(const char* op, const char* name_a, const Shape& a, const char* name_b,
                      const Shape& b) {
  if (a != b)
    throw ShapeError(fmt::format("{}: shapes differ ({} shape {}, {} shape {})", op, name_a,
                                 shape_str(a), name_b, shape_str(b)));
}

void check_dim(const char* op, const char* name, const Shape& shape, std::size_t dim) {
  if (shape.size() != dim)
    throw ShapeError(
        fmt::format("{}: expected a {}-D {}, got shape {}", op, dim, name, shape_str(shape)));
}

void check_not_empty(const char* op, const char* name, const Shape& shape) {
  if (shape_size(shape) == 0)
    throw ValueError(fmt::format("{}: {} is empty (shape {})", op, name, shape_str(shape)));
}

std::size_t normalize_axis(const char* op, long axis, const Shape& shape) {
  const long rank = static_cast<long>(shape.size());
  const long a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    throw ShapeError(
        fmt::format("{}: axis {} is out of range for shape {}", op, axis, shape_str(shape)));
  return static_cast<std::size_t>(a);
}

void check_coefficient(const char* op, const char* name, double value) {
  if (!(std::isfinite(value) && value >= 0))
    throw ValueError(fmt::format("{}: {} must be finite and >= 0 ({} {})", op, name, name, value));
}

void check_positive(const char* op, const char* name, double value) {
  if (!(value > 0 && std::isfinite(value)))
    throw ValueError(fmt::format("{}: {} must be positive ({} {})", op, name, name, value));
}

void check_in_range(const char* op, const char* name, double value, double lo, double hi) {
  if (!(value >= lo && value < hi))
    throw ValueError(
        fmt::format("{}: {} must be in [{}, {}) ({} {})", op, name, lo, hi, name, value));
}

void check_labels(const char* op, const Labels& y, std::size_t classes, const Shape& shape,
                  const char* name) {
  if (!shape.empty() && y.size() != shape[0])
    throw ValueError(fmt::format("{}: {} labels for {} rows ({} shape {}, labels size {})", op,
                                 y.size(), shape[0], name, shape_str(shape), y.size()));
  for (std::size_t i = 0; i < y.size(); ++i)
    // NOTE: compared unsigned, so that a class count above 2^63 is not read as negative.
    if (y[i] < 0 || static_cast<std::uint64_t>(y[i]) >= classes)
      throw ValueError(
          fmt::format("{}: label y[{}] = {} is out of range [0, {}){}", op, i, y[i], classes,
                      shape.empty() ? "" : fmt::format(" ({} shape {})", name, shape_str(shape))));
}

void check_scores_and_labels(const char* op, const Shape& scores, const Labels& y) {
  check_dim(op, "scores", scores, 2);
  if (scores[0] == 0)
    throw ValueError(
        fmt::format("{}: the batch is empty (scores shape {})", op, shape_str(scores)));
  if (scores[1] == 0)
    throw ValueError(
        fmt::format("{}: there are no classes (scores shape {})", op, shape_str(scores)));
  check_labels(op, y, scores[1], scores, "scores");
}

void check_params(const char* op, const std::vector<Variable>& params, double lambda) {
  check_coefficient(op, "lambda", lambda);
  if (params.empty()) throw ValueError(fmt::format("{}: no parameters given (an empty list)", op));
  for (std::size_t k = 1; k < params.size(); ++k)
    if (params[k].dtype() != params[0].dtype())
      throw TypeError(fmt::format("{}: element types differ (params[0] {}, params[{}] {})", op,
                                  dtype_name(params[0].dtype()), k, dtype_name(params[k].dtype())));
}

}  // namespace slope
