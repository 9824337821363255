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
    // NOTE: xtensor 0.24.3's immediate reducer reads element 0 even of an empty input (a crash);
    // a sum over no elements is 0.
    if (a.size() == 0) return A(shape, typename A::value_type(0));
    // NOTE: evaluated immediately: xtensor 0.24.3 mis-broadcasts lazy keep_dims reducers.
    A r = xt::sum(a, axes, xt::evaluation_strategy::immediate);
    r.reshape(shape);
    return r;
  });
}

}  // namespace slope
