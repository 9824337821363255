// SPDX-License-Identifier: MIT
// where(mask, a, b): elementwise selection by a constant mask, broadcasting all three.
#include <cmath>
#include <memory>

#include "../graph/broadcast.hpp"
#include "elementwise.hpp"
#include "op_cases.hpp"

namespace slope {

namespace {
void check_where_shapes(const Shape& mask, const Shape& a, const Shape& b) {
  try {
    broadcast_shapes("where", broadcast_shapes("where", mask, a), b);
  } catch (const ShapeError&) {
    throw ShapeError(
        fmt::format("where: shapes do not broadcast (mask shape {}, a shape {}, b shape {})",
                    shape_str(mask), shape_str(a), shape_str(b)));
  }
}

// NOTE: a NaN mask element would silently pick a (NaN != 0): it has no answer, so it is an error.
void check_mask(const Tensor& mask) {
  mask.visit([&mask](const auto& k) {
    for (std::size_t i = 0; i < k.size(); ++i)
      if (std::isnan(k.data()[i]))
        throw ValueError(fmt::format("where: the mask is NaN at flat index {} (mask shape {})", i,
                                     shape_str(mask.shape())));
  });
}

// g where the mask picks this side, 0 elsewhere, summed back to the input's shape.
void add_picked_grad(const Variable& in, const Tensor& g, const Tensor& m, bool side_a) {
  if (!in.requires_grad()) return;
  in.add_grad(sum_to(g.visit([&m, side_a](const auto& d) -> Tensor {
    using A = std::decay_t<decltype(d)>;
    using T = typename A::value_type;
    const auto& k = m.get<T>();
    if (side_a) return A(xt::where(xt::not_equal(k, T(0)), d, T(0)));
    return A(xt::where(xt::not_equal(k, T(0)), T(0), d));  // [out]
  }),
                     in.shape()));
}
}  // namespace

Variable where(const Tensor& mask, const Variable& a, const Variable& b) {
  if (mask.empty()) throw ValueError("where: the mask holds no tensor");
  check_mask(mask);
  check_same_dtype("where", "a", a.value(), "b", b.value());
  check_where_shapes(mask.shape(), a.shape(), b.shape());
  // The mask converted once to a's element type, so selection is one xsimd expression; the closure
  // and the replay share it.
  auto m = std::make_shared<const Tensor>(mask.to(a.dtype()));
  Tensor y = a.value().visit([&](const auto& x) -> Tensor {
    using A = std::decay_t<decltype(x)>;
    using T = typename A::value_type;
    return A(xt::where(xt::not_equal(m->get<T>(), T(0)), x, b.value().get<T>()));  // [out]
  });
  return make_node(
      "where", std::move(y), {a, b},
      // why hand-written: a primitive (selection by a constant mask).
      [m](const Tensor& g, Inputs& in) {
        add_picked_grad(in[0], g, *m, true);
        add_picked_grad(in[1], g, *m, false);
      },
      [m](const Inputs& in) { return where(*m, in[0], in[1]); });
}

namespace {
// A 0/1 mask of about half ones.
Tensor random_mask(const Shape& shape, std::uint64_t seed, Dtype dtype = Dtype::float64) {
  Tensor t = uniform(shape, 0.0, 1.0, seed, dtype);
  for (std::size_t i = 0; i < t.size(); ++i) t.set_flat(i, t.flat(i) < 0.5 ? 0.0 : 1.0);
  return t;
}

std::vector<OpCase> where_cases(std::uint64_t seed) {
  auto with_mask = [](const Tensor& mask) {
    return [mask](const Inputs& in) { return where(mask, in[0], in[1]); };
  };
  std::vector<OpCase> cases;
  cases.push_back({"plain",
                   {randn({3, 4}, seed), randn({3, 4}, seed + 1)},
                   with_mask(random_mask({3, 4}, seed + 2))});
  cases.push_back({"broadcast_row",
                   {randn({3, 4}, seed + 3), randn({4}, seed + 4)},
                   with_mask(random_mask({3, 1}, seed + 5))});
  // A float32 mask selecting between float64 operands; only the mask spans the output.
  cases.push_back({"broadcast_both",
                   {randn({3, 1}, seed + 6), randn({1, 4}, seed + 7)},
                   with_mask(random_mask({2, 3, 4}, seed + 8, Dtype::float32))});
  const Tensor mask = random_mask({2, 3}, seed + 9);
  cases.push_back({"reuse", {randn({2, 3}, seed + 10)}, [mask](const Inputs& in) {
                     return where(mask, in[0], square(in[0]));
                   }});
  return cases;
}
const OpRegistration kWhere("where", where_cases);
}  // namespace

}  // namespace slope
