// SPDX-License-Identifier: MIT
// A minibatch's rows gathered out of a data set into one reused buffer, with their labels.
#pragma once

#include <cstddef>
#include <vector>

#include "../graph/variable.hpp"

namespace slope {

/// Copies chosen rows of x [N, D] and their labels into buffers kept between calls, so that a
/// training loop allocates nothing per step while the batch size stays the same. The source is
/// held by reference and must outlive the gatherer.
class RowGather {
 public:
  /// Throws ShapeError unless x is [N, D] with one label per row.
  RowGather(const Variable& x, const Labels& y);
  /// x's rows `rows`, in that order: [rows.size(), D], a constant. The buffer is overwritten by
  /// the next call. Throws ValueError naming a row out of range.
  const Variable& x(const std::vector<std::size_t>& rows);
  /// The labels of `rows`, in that order (overwritten by the next call).
  const Labels& y(const std::vector<std::size_t>& rows);

 private:
  const Variable& x_;
  const Labels& y_;
  Variable xb_;
  Labels yb_;
};

}  // namespace slope
