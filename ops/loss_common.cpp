// SPDX-License-Identifier: MIT
#include "loss_common.hpp"

#include <cmath>

#include "../graph/errors.hpp"
#include "op_helpers.hpp"

namespace slope::detail {

Tensor reduce_losses(const std::vector<double>& losses, Reduction reduction, Dtype dtype) {
  if (reduction == Reduction::none) return Tensor::from_vector(losses, {losses.size()}, dtype);
  double total = 0.0;
  for (double l : losses) total += l;
  if (reduction == Reduction::mean) total /= static_cast<double>(losses.size());
  return Tensor::scalar(total, dtype);
}

void add_scaled_rows(const Variable& x, const Tensor& r, const Tensor& g, Reduction reduction) {
  r.visit([&](const auto& ra) {
    using T = value_t<decltype(ra)>;
    const std::size_t n = ra.shape()[0], c = ra.shape()[1];
    const T* gp = g.data<T>();
    const T* rp = ra.data();
    const T common = reduction == Reduction::mean ? gp[0] / static_cast<T>(n) : gp[0];
    bool fresh = false;
    T* d = x.grad_slot(&fresh).template data<T>();
    for (std::size_t i = 0; i < n; ++i) {
      const T w = reduction == Reduction::none ? gp[i] : common;
      const T* ri = rp + i * c;
      write_or_add(d + i * c, c, fresh, [ri, w](std::size_t j) { return ri[j] * w; });
    }
  });
}

}  // namespace slope::detail
