// SPDX-License-Identifier: MIT
// The row softmax every softmax-shaped op shares (softmax and log_softmax along the last axis,
// softmax_cross_entropy, class_probabilities): one kernel, max-shifted, with row sums in double.
// Internal: not part of <slope/slope.hpp>.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

#include "../graph/tensor.hpp"

namespace slope::detail {

/// Per row i of x [rows, n] (contiguous): m_i = the row max and s_i = sum_j exp(x_ij - m_i)
/// (accumulated in double), and into p the softmax exp(x_ij - m_i) / s_i, or with `log` the
/// log-softmax (x_ij - m_i) - log(s_i). `shift` and `sums` receive m_i and s_i when not null.
/// NOTE: shifting by the row max keeps every exponent <= 0: no overflow at 1e4, and the largest
/// term is exactly 1, so s_i >= 1 and its log is finite even when the others underflow. A NaN
/// anywhere in a row makes s_i, and so the whole row, NaN.
template <class T>
void row_softmax(const Array<T>& x, Array<T>& p, std::size_t n, bool log, double* shift = nullptr,
                 double* sums = nullptr) {
  const std::size_t rows = n == 0 ? 0 : x.size() / n;
  const T* xp = x.data();
  T* pp = p.data();
  std::vector<T> max(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    const T* row = xp + i * n;
    T m = row[0];
    for (std::size_t j = 1; j < n; ++j) m = row[j] > m ? row[j] : m;
    for (std::size_t j = 0; j < n; ++j) pp[i * n + j] = row[j] - m;
    max[i] = m;
  }
  p.assign(xt::exp(p));  // in place (elementwise): one xsimd-vectorised exp over the whole array
  for (std::size_t i = 0; i < rows; ++i) {
    T* row = pp + i * n;
    double total = 0.0;
    for (std::size_t j = 0; j < n; ++j) total += static_cast<double>(row[j]);
    if (log) {
      // NOTE: (x - m) - log(s), not x - (m + log(s)): near 1e4 the sum would round away digits.
      const T ls = static_cast<T>(std::log(total));
      for (std::size_t j = 0; j < n; ++j) row[j] = (xp[i * n + j] - max[i]) - ls;
    } else {
      const T inv = static_cast<T>(1.0 / total);
      for (std::size_t j = 0; j < n; ++j) row[j] *= inv;
    }
    if (shift) shift[i] = static_cast<double>(max[i]);
    if (sums) sums[i] = total;
  }
}

}  // namespace slope::detail
