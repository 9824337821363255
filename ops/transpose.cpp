// SPDX-License-Identifier: MIT
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "../graph/errors.hpp"
#include "elementwise.hpp"
#include "op_cases.hpp"
#include "shape.hpp"

namespace slope {

namespace {
// [M, N] -> [N, M] with a plain loop (xtensor's strided assignment costs more at this size).
Tensor transpose2d(const Tensor& x) {
  return x.visit([](const auto& a) -> Tensor {
    using A = std::decay_t<decltype(a)>;
    const std::size_t m = a.shape()[0], n = a.shape()[1];
    A out(Shape{n, m});
    const auto* src = a.data();
    auto* dst = out.data();
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) dst[j * m + i] = src[i * n + j];
    return out;
  });
}

Tensor permute(const Tensor& x, const std::vector<std::size_t>& perm) {
  return x.visit([&perm](const auto& a) -> Tensor {
    using A = std::decay_t<decltype(a)>;
    return A(xt::transpose(a, perm));
  });
}

void check_perm(const std::vector<std::size_t>& perm, const Shape& shape) {
  std::vector<std::size_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  bool ok = sorted.size() == shape.size();
  for (std::size_t d = 0; ok && d < sorted.size(); ++d) ok = sorted[d] == d;
  if (!ok)
    throw ShapeError(fmt::format("transpose: ({}) is not a permutation of the axes (x shape {})",
                                 fmt::join(perm, ", "), shape_str(shape)));
}
}  // namespace

Variable transpose(const Variable& x) {
  check_dim("transpose", "x", x.shape(), 2);
  return make_node(
      "transpose", transpose2d(x.value()), {x},  // [M, N] -> [N, M]
      // why hand-written: a primitive that moves elements.
      [](const Tensor& g, Inputs& in) { in[0].add_grad(transpose2d(g)); },
      [](const Inputs& in) { return transpose(in[0]); });
}

Variable transpose(const Variable& x, const std::vector<std::size_t>& perm) {
  check_perm(perm, x.shape());
  std::vector<std::size_t> inverse(perm.size());
  for (std::size_t d = 0; d < perm.size(); ++d) inverse[perm[d]] = d;
  return make_node(
      "transpose", permute(x.value(), perm), {x},  // y.shape[d] = x.shape[perm[d]]
      // why hand-written: a primitive that moves elements.
      [inverse](const Tensor& g, Inputs& in) { in[0].add_grad(permute(g, inverse)); },
      [perm](const Inputs& in) { return transpose(in[0], perm); });
}

namespace {
std::vector<OpCase> transpose_cases(std::uint64_t seed) {
  return {
      {"matrix", {randn({3, 4}, seed)}, [](const Inputs& in) { return transpose(in[0]); }},
      {"perm3d",
       {randn({2, 3, 4}, seed + 1)},
       [](const Inputs& in) {
         return transpose(in[0], {2, 0, 1});
       }},
      {"reuse",
       {randn({3, 4}, seed + 2)},
       [](const Inputs& in) { return mul(transpose(in[0]), transpose(in[0])); }},
  };
}
const OpRegistration kTranspose("transpose", transpose_cases);
}  // namespace

}  // namespace slope
