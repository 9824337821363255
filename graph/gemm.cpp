// SPDX-License-Identifier: MIT
// NOTE: <cblas.h> and xtensor-blas clash in one translation unit, so raw BLAS lives here alone.
#include "gemm.hpp"

#include <cblas.h>

namespace slope {

namespace {
int as_int(std::size_t v) { return static_cast<int>(v); }
}  // namespace

void gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
          const float* a, const float* b, float beta, float* c) {
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, as_int(m), as_int(n), as_int(k), alpha, a,
              as_int(trans_a ? m : k), b, as_int(trans_b ? k : n), beta, c, as_int(n));
}

void gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, double alpha,
          const double* a, const double* b, double beta, double* c) {
  cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, as_int(m), as_int(n), as_int(k), alpha, a,
              as_int(trans_a ? m : k), b, as_int(trans_b ? k : n), beta, c, as_int(n));
}

}  // namespace slope
