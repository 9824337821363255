// SPDX-License-Identifier: MIT
#include "batch.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope {

namespace {
void check_row(const Shape& shape, std::size_t row) {
  if (row >= shape[0])
    throw ValueError(
        fmt::format("RowGather: row {} is out of range (x shape {})", row, shape_str(shape)));
}
}  // namespace

RowGather::RowGather(const Variable& x, const Labels& y) : x_(x), y_(y) {
  check_dim("RowGather", "x", x.shape(), 2);
  if (x.shape()[0] != y.size())
    throw ShapeError(fmt::format("RowGather: {} labels for {} rows (x shape {})", y.size(),
                                 x.shape()[0], shape_str(x.shape())));
}

const Variable& RowGather::x(const std::vector<std::size_t>& rows) {
  const Shape& shape = x_.shape();
  const std::size_t n = rows.size(), dim = shape[1];
  if (!xb_.defined() || xb_.shape()[0] != n || xb_.dtype() != x_.dtype())
    xb_ = Variable(Tensor::zeros({n, dim}, x_.dtype()));
  x_.value().visit([&](const auto& from) {
    using T = typename std::decay_t<decltype(from)>::value_type;
    T* to = xb_.value().template data<T>();
    for (std::size_t i = 0; i < n; ++i) {
      check_row(shape, rows[i]);
      std::copy_n(from.data() + rows[i] * dim, dim, to + i * dim);  // [N, D] rows -> [B, D]
    }
  });
  return xb_;
}

const Labels& RowGather::y(const std::vector<std::size_t>& rows) {
  yb_.resize(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    check_row(x_.shape(), rows[i]);
    yb_[i] = y_[rows[i]];
  }
  return yb_;
}

}  // namespace slope
