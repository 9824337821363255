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

namespace detail {
/// The threads BLAS runs a product on (OPENBLAS_NUM_THREADS, openblas_set_num_threads); 1 for a
/// BLAS other than OpenBLAS.
int blas_threads();

/// How many rows of C gemm() hands to BLAS per call (m: one call). OpenBLAS's SkylakeX-class
/// kernels run a product of at most 10^6 multiply-adds without packing it first; a skinny product
/// (<= 32 columns of C, op(B) not transposed) a little above that runs faster as row blocks under
/// the limit ([128, 784] x [784, 10]: 41 -> 28 us; [784, 128] x [128, 10]: 32 -> 23 us). Blocks
/// are used only with one BLAS thread, or for products of at most 4 blocks.
std::size_t gemm_block_rows(bool trans_a, bool trans_b, std::size_t m, std::size_t n,
                            std::size_t k);
}  // namespace detail

}  // namespace slope
