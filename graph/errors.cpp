// SPDX-License-Identifier: MIT
#include "errors.hpp"

#include <fmt/format.h>

namespace slope {

void check_same_dtype(const char* op, const char* name_a, const Tensor& a, const char* name_b,
                      const Tensor& b) {
  if (a.dtype() != b.dtype())
    throw TypeError(fmt::format("{}: element types differ ({} {}, {} {})", op, name_a,
                                dtype_name(a.dtype()), name_b, dtype_name(b.dtype())));
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

}  // namespace slope
