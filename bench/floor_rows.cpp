// SPDX-License-Identifier: MIT
// The BLAS floor: only the matrix products a step cannot avoid, as raw cblas calls of the same
// shapes and transpose flags slope uses, issued in the same row blocks (gemm_block_rows), or, for
// comparison, as one call per product. NOTE: <cblas.h> lives in this file alone (it clashes with
// xtensor-blas's declarations).
#include <algorithm>
#include <cmath>
#include <memory>

#include <cblas.h>

#include "rows.hpp"
#include <slope/ops/gemm.hpp>

namespace bench {

namespace {
int as_int(std::size_t v) { return static_cast<int>(v); }

bool g_one_call = false;  // set per runner call: one cblas call per product

// C[m, n] = op(A) op(B), row-major, with op(A) [m, k] and op(B) [k, n]; in slope's row blocks
// unless g_one_call.
void sgemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, const float* a,
           const float* b, float* c) {
  const std::size_t rows = g_one_call ? m : slope::detail::gemm_block_rows(ta, tb, m, n, k);
  for (std::size_t i = 0; i < m; i += rows) {
    const std::size_t r = std::min(rows, m - i);
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                as_int(r), as_int(n), as_int(k), 1.0f, ta ? a + i : a + i * k, as_int(ta ? m : k),
                b, as_int(tb ? k : n), 0.0f, c + i * n, as_int(n));
  }
}
}  // namespace

Runner floor_train(const TrainWork& w, bool one_call) {
  struct State {
    TrainWork work;
    std::vector<float> s, dh, dw1, dw2, h;
    std::size_t next = 0;
  };
  auto st = std::make_shared<State>();
  st->work = w;
  const std::size_t b = w.batch, d = w.data->d, c = w.data->c, hid = w.hidden;
  const std::size_t width = hid ? hid : c;
  st->h.resize(b * width);
  st->dw1.resize(d * width);
  if (hid) {
    st->s.resize(b * c);
    st->dh.resize(b * hid);
    st->dw2.resize(hid * c);
  }
  Runner r;
  r.step = [st, b, d, c, hid, width, one_call]() {
    g_one_call = one_call;
    const TrainWork& wk = st->work;
    const float* x = wk.batch_x(st->next++ % wk.batches);
    sgemm(false, false, b, width, d, x, wk.w1.data(), st->h.data());  // [B, D] x [D, H] -> [B, H]
    if (hid) {
      sgemm(false, false, b, c, hid, st->h.data(), wk.w2.data(), st->s.data());   // -> [B, C]
      sgemm(false, true, b, hid, c, st->s.data(), wk.w2.data(), st->dh.data());   // dS W2^T
      sgemm(true, false, hid, c, b, st->h.data(), st->s.data(), st->dw2.data());  // H^T dS
      sgemm(true, false, d, hid, b, x, st->dh.data(), st->dw1.data());            // X^T dH
    } else {
      sgemm(true, false, d, c, b, x, st->h.data(), st->dw1.data());  // X^T dS -> [D, C]
    }
    return std::nan("");
  };
  return r;
}

Runner floor_numgrad(const NumgradWork& w) {
  struct State {
    std::vector<double> x, w, s;
    std::size_t b = 0, d = 0, c = 0;
  };
  auto st = std::make_shared<State>();
  st->b = w.batch;
  st->d = w.data->d;
  st->c = w.data->c;
  st->x.assign(w.data->x.begin(), w.data->x.begin() + static_cast<std::ptrdiff_t>(st->b * st->d));
  st->w = w.w;
  st->s.resize(st->b * st->c);
  Runner r;
  r.step = [st]() {
    // Two forward products per parameter (central differences), nothing else.
    const std::size_t evaluations = 2 * (st->d * st->c + st->c);
    for (std::size_t e = 0; e < evaluations; ++e)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, as_int(st->b), as_int(st->c),
                  as_int(st->d), 1.0, st->x.data(), as_int(st->d), st->w.data(), as_int(st->c), 0.0,
                  st->s.data(), as_int(st->c));
    return std::nan("");
  };
  return r;
}

void floor_set_threads(int n) { openblas_set_num_threads(n); }

std::string floor_blas_config() {
  return std::string(openblas_get_config()) + ", " + std::to_string(openblas_get_num_threads()) +
         " thread(s), core " + openblas_get_corename();
}

}  // namespace bench
