// SPDX-License-Identifier: MIT
#include "axes.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace slope::detail {

std::vector<std::size_t> reduce_axes(const char* op, const std::vector<long>& axes,
                                     const Shape& shape) {
  std::vector<std::size_t> norm;
  norm.reserve(axes.size());
  for (long a : axes) norm.push_back(normalize_axis(op, a, shape));
  std::sort(norm.begin(), norm.end());
  if (std::adjacent_find(norm.begin(), norm.end()) != norm.end())
    throw ShapeError(fmt::format("{}: an axis is repeated (axes ({}), x shape {})", op,
                                 fmt::join(axes, ", "), shape_str(shape)));
  return norm;
}

std::vector<std::size_t> all_axes(const Shape& shape) {
  std::vector<std::size_t> axes(shape.size());
  for (std::size_t d = 0; d < axes.size(); ++d) axes[d] = d;
  return axes;
}

Shape reduced_shape(const Shape& shape, const std::vector<std::size_t>& axes, bool keepdims) {
  Shape out;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    const bool reduced = std::find(axes.begin(), axes.end(), d) != axes.end();
    if (!reduced)
      out.push_back(shape[d]);
    else if (keepdims)
      out.push_back(1);
  }
  return out;
}

std::size_t reduced_count(const Shape& shape, const std::vector<std::size_t>& axes) {
  std::size_t n = 1;
  for (auto a : axes) n *= shape[a];
  return n;
}

AxisSplit split_at(const Shape& shape, std::size_t axis) {
  AxisSplit s;
  for (std::size_t d = 0; d < axis; ++d) s.outer *= shape[d];
  s.n = shape[axis];
  for (std::size_t d = axis + 1; d < shape.size(); ++d) s.inner *= shape[d];
  return s;
}

}  // namespace slope::detail
