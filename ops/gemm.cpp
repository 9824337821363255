// SPDX-License-Identifier: MIT
// NOTE: <cblas.h> and xtensor-blas clash in one translation unit, so raw BLAS lives here alone.
#include "gemm.hpp"

#include <algorithm>
#include <cstring>

#include <cblas.h>

#if defined(OPENBLAS_VERSION)
// Weak, so that a BLAS other than OpenBLAS behind the same <cblas.h> still links.
#pragma weak openblas_get_corename
#pragma weak openblas_get_num_threads
#endif

namespace slope {

namespace {
int as_int(std::size_t v) { return static_cast<int>(v); }

// The size limit of OpenBLAS's small-matrix kernels (kernel/x86_64/*_small_kernel_permit_*.c).
constexpr double kSmallKernelLimit = 1e6;

// Whether this OpenBLAS has small-matrix kernels for the running CPU (0.3.17+: SkylakeX,
// Cooperlake, Sapphire Rapids).
bool has_small_kernels() {
#if defined(OPENBLAS_VERSION)
  static const bool on = [] {
    const char* core = openblas_get_corename ? openblas_get_corename() : nullptr;
    if (!core) return false;
    for (const char* name :
         {"SkylakeX", "Cooperlake", "SapphireRapids", "skylakex", "cooperlake", "sapphirerapids"})
      if (std::strstr(core, name)) return true;
    return false;
  }();
  return on;
#else
  return false;
#endif
}

}  // namespace

namespace detail {
int blas_threads() {
#if defined(OPENBLAS_VERSION)
  return openblas_get_num_threads ? openblas_get_num_threads() : 1;
#else
  return 1;
#endif
}

std::size_t gemm_block_rows(bool trans_a, bool trans_b, std::size_t m, std::size_t n,
                            std::size_t k) {
  (void)trans_a;  // NN and TN (op(A) transposed) both have small kernels
  const double mnk = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  if (trans_b || n > 32 || mnk <= kSmallKernelLimit || !has_small_kernels()) return m;
  // NOTE: a small kernel runs on one thread; with several BLAS threads a large product is left
  // whole for BLAS to share out.
  if (blas_threads() > 1 && mnk > 4 * kSmallKernelLimit) return m;
  const auto limit = static_cast<std::size_t>(kSmallKernelLimit /
                                              (static_cast<double>(n) * static_cast<double>(k)));
  if (limit < 16) return m;  // blocks this thin lose more than the kernels gain
  const std::size_t blocks = (m + limit - 1) / limit;
  return (m + blocks - 1) / blocks;  // balanced blocks, each under the limit
}
}  // namespace detail

namespace {
// C = alpha op(A) op(B) + beta C, in row blocks of C (op(A)'s rows are A's columns when trans_a).
template <class T, class Call>
void blocked(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, const T* a,
             T* c, Call call) {
  const std::size_t rows = detail::gemm_block_rows(trans_a, trans_b, m, n, k);
  for (std::size_t i = 0; i < m; i += rows) {
    const std::size_t r = std::min(rows, m - i);
    call(r, trans_a ? a + i : a + i * k, c + i * n);
  }
}
}  // namespace

void gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
          const float* a, const float* b, float beta, float* c) {
  blocked(trans_a, trans_b, m, n, k, a, c, [&](std::size_t r, const float* ab, float* cb) {
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, as_int(r), as_int(n), as_int(k), alpha, ab,
                as_int(trans_a ? m : k), b, as_int(trans_b ? k : n), beta, cb, as_int(n));
  });
}

void gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, double alpha,
          const double* a, const double* b, double beta, double* c) {
  blocked(trans_a, trans_b, m, n, k, a, c, [&](std::size_t r, const double* ab, double* cb) {
    cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, as_int(r), as_int(n), as_int(k), alpha, ab,
                as_int(trans_a ? m : k), b, as_int(trans_b ? k : n), beta, cb, as_int(n));
  });
}

}  // namespace slope
