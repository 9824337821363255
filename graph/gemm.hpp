// SPDX-License-Identifier: MIT
// Matrix products through OpenBLAS. Transposes reach BLAS as flags, never as copies.
#pragma once

#include <cstddef>

namespace slope {

/// C[m, n] = alpha * op(A) op(B) + beta * C, all row-major; op(A) is [m, k], op(B) is [k, n].
/// With trans_a, A is stored as [k, m]; with trans_b, B is stored as [n, k].
void gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
          const float* a, const float* b, float beta, float* c);
void gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, double alpha,
          const double* a, const double* b, double beta, double* c);

}  // namespace slope
