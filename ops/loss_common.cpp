// SPDX-License-Identifier: MIT
#include "loss_common.hpp"

#include <cmath>

#include "../graph/errors.hpp"

namespace slope::detail {

void check_scores_and_labels(const char* op, const Shape& scores, const Labels& y) {
  check_dim(op, "scores", scores, 2);
  const std::size_t n = scores[0], c = scores[1];
  if (n == 0)
    throw ValueError(
        fmt::format("{}: the batch is empty (scores shape {})", op, shape_str(scores)));
  if (c == 0)
    throw ValueError(
        fmt::format("{}: there are no classes (scores shape {})", op, shape_str(scores)));
  if (y.size() != n)
    throw ValueError(fmt::format("{}: {} labels for {} rows (scores shape {}, labels size {})", op,
                                 y.size(), n, shape_str(scores), y.size()));
  for (std::size_t i = 0; i < n; ++i)
    if (y[i] < 0 || static_cast<std::size_t>(y[i]) >= c)
      throw ValueError(fmt::format("{}: label y[{}] = {} is out of range [0, {}) (scores shape {})",
                                   op, i, y[i], c, shape_str(scores)));
}

void check_coefficient(const char* op, const char* name, double value) {
  if (!(std::isfinite(value) && value >= 0))
    throw ValueError(fmt::format("{}: {} must be finite and >= 0 ({} {})", op, name, name, value));
}

Tensor reduce_losses(const std::vector<double>& losses, Reduction reduction, Dtype dtype) {
  if (reduction == Reduction::none) return Tensor::from_vector(losses, {losses.size()}, dtype);
  double total = 0.0;
  for (double l : losses) total += l;
  if (reduction == Reduction::mean) total /= static_cast<double>(losses.size());
  return Tensor::scalar(total, dtype);
}

void add_scaled_rows(const Variable& x, const Tensor& r, const Tensor& g, Reduction reduction) {
  r.visit([&](const auto& ra) {
    using T = typename std::decay_t<decltype(ra)>::value_type;
    const std::size_t n = ra.shape()[0], c = ra.shape()[1];
    const T* gp = g.data<T>();
    const T* rp = ra.data();
    const T common = reduction == Reduction::mean ? gp[0] / static_cast<T>(n) : gp[0];
    bool fresh = false;
    T* d = x.grad_slot(&fresh).template data<T>();
    for (std::size_t i = 0; i < n; ++i) {
      const T w = reduction == Reduction::none ? gp[i] : common;
      const T* ri = rp + i * c;
      T* di = d + i * c;
      if (fresh)
        for (std::size_t j = 0; j < c; ++j) di[j] = ri[j] * w;
      else
        for (std::size_t j = 0; j < c; ++j) di[j] += ri[j] * w;
    }
  });
}

}  // namespace slope::detail
