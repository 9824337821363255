// SPDX-License-Identifier: MIT
#include "../graph/errors.hpp"
#include "gemm.hpp"
#include "linalg.hpp"
#include "op_cases.hpp"
#include "op_helpers.hpp"

namespace slope {

namespace {
void check_matmul_shapes(const char* op, const Shape& a, const Shape& b) {
  if (a.size() != 2 || b.size() != 2 || a[1] != b[0])
    throw ShapeError(fmt::format("{}: shapes do not multiply (a shape {}, b shape {})", op,
                                 shape_str(a), shape_str(b)));
}

// out (+)= op(A) op(B): writes straight into the gradient buffer, accumulating with beta = 1.
template <class T>
void gemm_into_grad(const Variable& target, bool ta, bool tb, std::size_t m, std::size_t n,
                    std::size_t k, const T* a, const T* b) {
  bool fresh = false;
  Tensor& slot = target.grad_slot(&fresh);
  gemm(ta, tb, m, n, k, T(1), a, b, fresh ? T(0) : T(1), slot.data<T>());
}
}  // namespace

Variable matmul(const Variable& a, const Variable& b) {
  check_same_dtype("matmul", "a", a.value(), "b", b.value());
  check_matmul_shapes("matmul", a.shape(), b.shape());
  const std::size_t m = a.shape()[0], k = a.shape()[1], n = b.shape()[1];
  Tensor y = a.value().visit([&](const auto& av) -> Tensor {
    using A = std::decay_t<decltype(av)>;
    using T = typename A::value_type;
    A out(Shape{m, n});  // [M, K] x [K, N] -> [M, N]
    gemm(false, false, m, n, k, T(1), av.data(), b.value().data<T>(), T(0), out.data());
    return out;
  });
  return make_node(
      "matmul", std::move(y), {a, b},
      // why hand-written: a primitive; BLAS writes straight into the gradient buffers.
      [m, n, k](const Tensor& g, Inputs& in) {
        g.visit([&](const auto& gv) {
          using T = detail::value_t<decltype(gv)>;
          const T* av = in[0].value().data<T>();
          const T* bv = in[1].value().data<T>();
          if (in[0].requires_grad())  // [M, N] x [N, K] -> [M, K]
            gemm_into_grad<T>(in[0], false, true, m, k, n, gv.data(), bv);
          if (in[1].requires_grad())  // [K, M] x [M, N] -> [K, N]
            gemm_into_grad<T>(in[1], true, false, k, n, m, av, gv.data());
        });
      },
      [](const Inputs& in) { return matmul(in[0], in[1]); });
}

Variable linear(const Variable& x, const Variable& w, const Variable& b) {
  check_same_dtype("linear", "x", x.value(), "w", w.value());
  check_same_dtype("linear", "w", w.value(), "b", b.value());
  check_matmul_shapes("linear", x.shape(), w.shape());
  const std::size_t m = x.shape()[0], k = x.shape()[1], n = w.shape()[1];
  if (b.shape() != Shape{n})
    throw ShapeError(fmt::format("linear: the bias must have shape ({}) (w shape {}, b shape {})",
                                 n, shape_str(w.shape()), shape_str(b.shape())));
  Tensor y = x.value().visit([&](const auto& xv) -> Tensor {
    using A = std::decay_t<decltype(xv)>;
    using T = typename A::value_type;
    A out(Shape{m, n});  // [N, D] x [D, C] -> [N, C], each row starting from the bias
    const T* bias = b.value().data<T>();
    for (std::size_t i = 0; i < m; ++i) std::copy(bias, bias + n, out.data() + i * n);
    gemm(false, false, m, n, k, T(1), xv.data(), w.value().data<T>(), T(1), out.data());
    return out;
  });
  return make_node(
      "linear", std::move(y), {x, w, b},
      // why hand-written: matmul(x, W) + b would allocate the product twice and sum_to the bias.
      [m, n, k](const Tensor& g, Inputs& in) {
        g.visit([&](const auto& gv) {
          using T = detail::value_t<decltype(gv)>;
          if (in[0].requires_grad())  // [N, C] x [C, D] -> [N, D]
            gemm_into_grad<T>(in[0], false, true, m, k, n, gv.data(), in[1].value().data<T>());
          if (in[1].requires_grad())  // [D, N] x [N, C] -> [D, C]
            gemm_into_grad<T>(in[1], true, false, k, n, m, in[0].value().data<T>(), gv.data());
          if (in[2].requires_grad()) {  // [N, C] -> [C], summed in double
            std::vector<T> col(n);
            detail::sum_over(gv.data(), g.shape(), {0}, col.data());
            detail::write_or_add_grad<T>(in[2], [&col](std::size_t j) { return col[j]; });
          }
        });
      },
      [](const Inputs& in) { return linear(in[0], in[1], in[2]); });
}

namespace {
std::vector<OpCase> matmul_cases(std::uint64_t seed) {
  auto f = [](const Inputs& in) { return matmul(in[0], in[1]); };
  return {
      {"plain", {randn({3, 4}, seed), randn({4, 2}, seed + 1)}, f},
      {"vector_out", {randn({1, 5}, seed + 2), randn({5, 1}, seed + 3)}, f},
      {"reuse", {randn({3, 3}, seed + 4)}, [](const Inputs& in) { return matmul(in[0], in[0]); }}};
}
std::vector<OpCase> linear_cases(std::uint64_t seed) {
  return {{"plain",
           {randn({4, 3}, seed), randn({3, 5}, seed + 1), randn({5}, seed + 2)},
           [](const Inputs& in) { return linear(in[0], in[1], in[2]); }}};
}
const OpRegistration kMatmul("matmul", matmul_cases);
const OpRegistration kLinear("linear", linear_cases);
}  // namespace

}  // namespace slope
