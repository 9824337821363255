// SPDX-License-Identifier: MIT
// The floor of the convolution rows: the BLAS products slope issues for them, alone, one cblas call
// each, on buffers made once (no im2col, no elementwise work, no graph).
#include <cmath>
#include <memory>

#include <cblas.h>

#include "conv_rows.hpp"

namespace bench {

namespace {
// C [m, n] = op(A) op(B), op(A) [m, k], op(B) [k, n], row-major.
struct Product {
  bool ta = false, tb = false;
  std::size_t m = 0, n = 0, k = 0;
  std::size_t times = 1;  // issued this many times (once per image)
};

int as_int(std::size_t v) { return static_cast<int>(v); }

Runner floor_of(std::vector<Product> products) {
  struct State {
    std::vector<Product> ps;
    std::vector<std::vector<float>> a, b, c;
  };
  auto st = std::make_shared<State>();
  st->ps = std::move(products);
  for (const Product& p : st->ps) {
    st->a.emplace_back(p.m * p.k, 0.01f);
    st->b.emplace_back(p.k * p.n, 0.01f);
    st->c.emplace_back(p.m * p.n, 0.0f);
  }
  Runner r;
  r.step = [st] {
    for (std::size_t i = 0; i < st->ps.size(); ++i) {
      const Product& p = st->ps[i];
      for (std::size_t t = 0; t < p.times; ++t)
        cblas_sgemm(CblasRowMajor, p.ta ? CblasTrans : CblasNoTrans,
                    p.tb ? CblasTrans : CblasNoTrans, as_int(p.m), as_int(p.n), as_int(p.k), 1.0f,
                    st->a[i].data(), as_int(p.ta ? p.m : p.k), st->b[i].data(),
                    as_int(p.tb ? p.k : p.n), 0.0f, st->c[i].data(), as_int(p.n));
    }
    return std::nan("");
  };
  return r;
}

// A conv2d layer's products, as ops/conv2d.cpp issues them, one per image: the forward, dW and
// (for a hidden layer) dcol.
void add_conv(std::vector<Product>& ps, std::size_t batch, std::size_t in, std::size_t out,
              std::size_t out_size, std::size_t kernel, bool input_grad) {
  const std::size_t k = in * kernel * kernel, hw = out_size * out_size;
  ps.push_back({false, false, out, hw, k, batch});                 // [O, K] x [K, HO WO]
  ps.push_back({false, true, out, k, hw, batch});                  // [O, HO WO] x [HO WO, K]
  if (input_grad) ps.push_back({true, false, k, hw, out, batch});  // [K, O] x [O, HO WO]
}

// A linear layer's products: the forward, dW and dx.
void add_linear(std::vector<Product>& ps, std::size_t batch, std::size_t in, std::size_t out) {
  ps.push_back({false, false, batch, out, in, 1});  // [N, D] x [D, C]
  ps.push_back({true, false, in, out, batch, 1});   // [D, N] x [N, C]
  ps.push_back({false, true, batch, in, out, 1});   // [N, C] x [C, D]
}
}  // namespace

Runner floor_conv_layer(const ConvLayerWork& w) {
  std::vector<Product> ps;
  add_conv(ps, w.batch, w.in, w.out, w.out_size(), w.kernel, w.input_grad);
  return floor_of(std::move(ps));
}

Runner floor_cnn_step(const CnnWork& w) {
  std::vector<Product> ps;
  add_conv(ps, w.batch, 1, 32, 28, 3, false);
  add_conv(ps, w.batch, 32, 64, 14, 3, true);
  add_linear(ps, w.batch, 3136, 128);
  add_linear(ps, w.batch, 128, 10);
  return floor_of(std::move(ps));
}

}  // namespace bench
