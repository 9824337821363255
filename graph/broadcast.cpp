// SPDX-License-Identifier: MIT
#include "broadcast.hpp"

namespace slope {

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape out(rank, 1);
  for (std::size_t i = 0; i < rank; ++i) {
    const std::size_t ea = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const std::size_t eb = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (ea != eb && ea != 1 && eb != 1)
      throw ShapeError(fmt::format("{}: shapes do not broadcast (lhs shape {}, rhs shape {})", op,
                                   shape_str(a), shape_str(b)));
    out[i] = ea == 1 ? eb : ea;
  }
  return out;
}

Tensor sum_to(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  return g.visit([&shape](const auto& a) -> Tensor {
    using A = std::decay_t<decltype(a)>;
    const std::size_t lead = a.dimension() - shape.size();
    std::vector<std::size_t> axes;
    for (std::size_t i = 0; i < a.dimension(); ++i)
      if (i < lead || (shape[i - lead] == 1 && a.shape()[i] != 1)) axes.push_back(i);
    A r(shape);
    detail::sum_over(a.data(), a.shape(), axes, r.data());
    return r;
  });
}

namespace detail {

namespace {
// The reduction seen as [outer, n, inner] with the middle block summed, when the reduced axes
// (ignoring extents of 1) are adjacent; false otherwise.
bool as_one_block(const Shape& shape, const std::vector<std::size_t>& axes, std::size_t& outer,
                  std::size_t& n, std::size_t& inner) {
  outer = n = inner = 1;
  int block = 0;  // 0: before the reduced block, 1: in it, 2: after it
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    const bool reduced = std::find(axes.begin(), axes.end(), d) != axes.end();
    if (reduced && block == 2) return false;
    if (reduced) block = 1;
    if (!reduced && block == 1) block = 2;
    (reduced ? n : block == 0 ? outer : inner) *= shape[d];
  }
  return true;
}
}  // namespace

template <class T>
void sum_over(const T* x, const Shape& shape, const std::vector<std::size_t>& axes, T* out,
              double scale) {
  std::size_t outer = 1, n = 1, inner = 1;
  if (as_one_block(shape, axes, outer, n, inner)) {
    if (inner == 1) {  // each output sums one contiguous run
      for (std::size_t a = 0; a < outer; ++a) out[a] = static_cast<T>(scale * sum_of(x + a * n, n));
      return;
    }
    std::vector<double> acc(inner);  // one row of outputs, summed over n rows
    for (std::size_t a = 0; a < outer; ++a) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (std::size_t k = 0; k < n; ++k) {
        const T* row = x + (a * n + k) * inner;
        for (std::size_t j = 0; j < inner; ++j) acc[j] += static_cast<double>(row[j]);
      }
      for (std::size_t j = 0; j < inner; ++j) out[a * inner + j] = static_cast<T>(scale * acc[j]);
    }
    return;
  }
  std::size_t count = 1;
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (std::find(axes.begin(), axes.end(), d) == axes.end()) count *= shape[d];
  std::vector<double> acc(count, 0.0);
  for_each_reduced(shape, axes, [&](std::size_t i, std::size_t o) { acc[o] += x[i]; });
  for (std::size_t o = 0; o < count; ++o) out[o] = static_cast<T>(scale * acc[o]);
}

template void sum_over(const float*, const Shape&, const std::vector<std::size_t>&, float*, double);
template void sum_over(const double*, const Shape&, const std::vector<std::size_t>&, double*,
                       double);

}  // namespace detail

}  // namespace slope
