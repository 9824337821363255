// SPDX-License-Identifier: MIT
// Convolution and pooling (ops/conv.hpp) against hand-computed values and gradients, float32
// against float64, and the text of their errors. Finite-difference checks of every registered
// case run in test_gradcheck_ops (gradcheck/conv2d, gradcheck/max_pool2d, gradcheck/avg_pool2d).
#define BOOST_TEST_MODULE ops_conv
#include <limits>

#include "support/checks.hpp"

// BLAS's thread setting, which conv2d's oneDNN kernels follow: weak, for a BLAS without it.
extern "C" {
#pragma weak openblas_set_num_threads
#pragma weak openblas_get_num_threads
void openblas_set_num_threads(int n);
int openblas_get_num_threads();
}

using namespace slope;
using test::close;
using test::mentions;
using test::param;

namespace {
const std::vector<double> k1to9{1, 2, 3, 4, 5, 6, 7, 8, 9};
// [[1, 5, 2, 0], [3, 4, 8, -1]]: one image of one channel, two 2x2 windows.
const std::vector<double> kPlane{1, 5, 2, 0, 3, 4, 8, -1};

void backward_ones(Variable y) { y.backward(Tensor::full(y.shape(), 1.0, y.dtype())); }

// Sets BLAS's threads (when it can) for a scope.
struct Threads {
  int was = 1;
  explicit Threads(int n) {
    if (!openblas_set_num_threads || !openblas_get_num_threads) return;
    was = openblas_get_num_threads();
    openblas_set_num_threads(n);
  }
  void set(int n) const {
    if (openblas_set_num_threads) openblas_set_num_threads(n);
  }
  ~Threads() { set(was); }
  Threads(const Threads&) = delete;
  Threads& operator=(const Threads&) = delete;
};
}  // namespace

BOOST_AUTO_TEST_SUITE(conv2d_values)

BOOST_AUTO_TEST_CASE(a_diagonal_difference_kernel) {
  // w = [[1, 0], [0, -1]]: y[i, j] = x[i, j] - x[i + 1, j + 1] + b = 1 - 5 + 0.5 on every window.
  Variable x = param(k1to9, {1, 1, 3, 3});
  Variable w = param({1, 0, 0, -1}, {1, 1, 2, 2});
  Variable b = param({0.5}, {1});
  Variable y = conv2d(x, w, b);
  BOOST_TEST((y.shape() == Shape{1, 1, 2, 2}));
  BOOST_TEST(close(y.value(), {-3.5, -3.5, -3.5, -3.5}));
  backward_ones(y);
  // dw[p, q] = the sum of the inputs tap (p, q) sees: x's 2x2 corners.
  BOOST_TEST(close(w.grad(), {12, 16, 24, 28}));
  BOOST_TEST(close(b.grad(), {4}));
  // dx: +1 where a window's top-left sits, -1 where its bottom-right does.
  BOOST_TEST(close(x.grad(), {1, 1, 0, 1, 0, -1, 0, -1, -1}));
}

BOOST_AUTO_TEST_CASE(stride_two_and_padding_one_sum_each_window_inside_x) {
  // A 3x3 box of ones over x padded to 5x5, every second position: the 2x2 corner sums.
  Variable x = param(k1to9, {1, 1, 3, 3});
  Variable w = param(std::vector<double>(9, 1.0), {1, 1, 3, 3});
  Variable y = conv2d(x, w, Variable(), 2, 1);
  BOOST_TEST((y.shape() == Shape{1, 1, 2, 2}));
  BOOST_TEST(close(y.value(), {12, 16, 24, 28}));
  backward_ones(y);
  // x[1, 1] is in all four windows, the edges' middles in two, the corners in one.
  BOOST_TEST(close(x.grad(), {1, 2, 1, 2, 4, 2, 1, 2, 1}));
}

BOOST_AUTO_TEST_CASE(channels_are_summed_per_output_channel) {
  // x = (2, 3) in two channels; w[0] = (1, 10), w[1] = (-1, 0.5): y = (32, -0.5).
  Variable x = param({2, 3}, {1, 2, 1, 1});
  Variable w = param({1, 10, -1, 0.5}, {2, 2, 1, 1});
  Variable y = conv2d(x, w);
  BOOST_TEST((y.shape() == Shape{1, 2, 1, 1}));
  BOOST_TEST(close(y.value(), {32, -0.5}));
  y.backward(test::values({1, 2}, {1, 2, 1, 1}));
  BOOST_TEST(close(x.grad(), {1 * 1 + 2 * -1, 10 * 1 + 0.5 * 2}));
  BOOST_TEST(close(w.grad(), {2, 3, 4, 6}));
}

BOOST_AUTO_TEST_CASE(non_square_strides_and_paddings_give_their_own_extents) {
  // H: (4 + 2 - 3) / 2 + 1 = 2; W: (5 + 0 - 2) / 1 + 1 = 4.
  Variable x(randn({3, 2, 4, 5}, 1), true);
  Variable w(randn({6, 2, 3, 2}, 2), true);
  BOOST_TEST((conv2d(x, w, Variable(), {2, 1}, {1, 0}).shape() == Shape{3, 6, 2, 4}));
}

BOOST_AUTO_TEST_CASE(float32_matches_float64) {
  const Tensor x = randn({3, 4, 7, 6}, 3), w = randn({5, 4, 3, 3}, 4), b = randn({5}, 5);
  Variable y64 = conv2d(Variable(x), Variable(w), Variable(b), 2, 1);
  Variable x32(x.to(Dtype::float32), true), w32(w.to(Dtype::float32), true);
  Variable y32 = conv2d(x32, w32, Variable(b.to(Dtype::float32)), 2, 1);
  BOOST_TEST((y32.dtype() == Dtype::float32));
  BOOST_TEST(close(y32.value(), y64.value().to_vector(), 1e-4));
  backward_ones(y32);
  BOOST_TEST((x32.grad().shape() == x.shape()));
  BOOST_TEST((w32.grad().shape() == w.shape()));
}

// float32 runs on oneDNN's kernels when slope is built with them (ops/conv2d_dnnl.hpp), float64
// on im2col and BLAS: both must give y and every gradient, whichever inputs want one, with
// gradients that accumulate and two forwards of one shape before the backward (the second must
// not hand its copy of x to the first one's weight gradient). One case has a negative end padding,
// which oneDNN does not take.
BOOST_AUTO_TEST_CASE(float32_kernels_match_float64_im2col) {
  struct Case {
    Shape x, w;
    Size2 stride, padding;
    bool x_grad, w_grad, bias;
  };
  for (const Case& k : {Case{{3, 4, 7, 6}, {5, 4, 3, 3}, 1, 1, true, true, true},
                        Case{{2, 3, 7, 6}, {4, 3, 3, 3}, 2, 1, true, true, true},
                        Case{{2, 2, 6, 6}, {3, 2, 3, 3}, 2, 0, true, true, true},
                        Case{{2, 16, 8, 8}, {32, 16, 3, 3}, 1, 1, false, true, true},
                        Case{{2, 16, 8, 8}, {16, 16, 1, 1}, 1, 0, true, false, false},
                        Case{{2, 1, 9, 9}, {8, 1, 3, 3}, 1, 1, false, false, true}}) {
    const Tensor x = randn(k.x, 21), w = randn(k.w, 22), b = randn({k.w[0]}, 23);
    struct Result {
      Tensor y;
      std::vector<Tensor> grads;
    };
    auto run = [&](Dtype t) {
      Variable xv(x.to(t), k.x_grad), wv(w.to(t), k.w_grad);
      Variable bv = k.bias ? Variable(b.to(t), true) : Variable();
      Variable y1 = conv2d(xv, wv, bv, k.stride, k.padding);
      Variable y2 = conv2d(xv + xv, wv, bv, k.stride, k.padding);
      const Tensor g1 = randn(y1.shape(), 24).to(t), g2 = randn(y1.shape(), 25).to(t);
      sum(y1 * Variable(g1) + y2 * Variable(g2)).backward();
      Result r{y1.value(), {}};
      for (const Variable* v : {&xv, &wv, &bv})
        if (v->defined() && v->requires_grad()) r.grads.push_back(v->grad());
      return r;
    };
    const Result r32 = run(Dtype::float32), r64 = run(Dtype::float64);
    BOOST_TEST(close(r32.y, r64.y.to_vector(), 1e-4));
    BOOST_TEST_REQUIRE(r32.grads.size() == r64.grads.size());
    for (std::size_t i = 0; i < r32.grads.size(); ++i)
      BOOST_TEST(close(r32.grads[i], r64.grads[i].to_vector(), 1e-4));
  }
}

// Batches large enough that oneDNN's kernels run them in chunks of images (ops/conv2d_dnnl.cpp: a
// chunk's y at most 1 MB): y [23, 32, 28, 28] in chunks of 8, 8, 7 on one thread, of 6, 6, 6, 5 on
// two. 16 and 32 input channels are reordered into the kernels' layout, whose copy the weight
// gradient reads again: on one thread, two, a forward on one and its backward on two, and one on
// two and three, whose chunks differ where one thread runs a chunk of the same size in both (5
// images: 3, 2 and 2, 2, 1; the second thread's chunk holds images 3-4 in the forward, 2-3 in the
// backward: it must not read that copy).
BOOST_AUTO_TEST_CASE(float32_chunks_match_float64_on_any_threads) {
  struct Case {
    Shape x, w;
    bool x_grad;
  };
  for (const Case& k :
       {Case{{23, 1, 28, 28}, {32, 1, 3, 3}, false}, Case{{5, 16, 28, 28}, {32, 16, 3, 3}, true},
        Case{{23, 32, 14, 14}, {64, 32, 3, 3}, true}}) {
    const Tensor x = randn(k.x, 41), w = randn(k.w, 42), b = randn({k.w[0]}, 43);
    const Tensor g = randn({k.x[0], k.w[0], k.x[2], k.x[3]}, 44);
    auto run = [&](Dtype t, const Threads& threads, int forward, int backward) {
      threads.set(forward);
      Variable xv(x.to(t), k.x_grad), wv(w.to(t), true), bv(b.to(t), true);
      Variable y = conv2d(xv, wv, bv, 1, 1);
      threads.set(backward);
      y.backward(g.to(t));
      std::vector<Tensor> r{y.value(), wv.grad(), bv.grad()};
      if (k.x_grad) r.push_back(xv.grad());
      return r;
    };
    const Threads threads(1);
    const std::vector<Tensor> want = run(Dtype::float64, threads, 1, 1);
    for (const auto& [forward, backward] :
         {std::pair{1, 1}, std::pair{2, 2}, std::pair{1, 2}, std::pair{2, 3}}) {
      const std::vector<Tensor> got = run(Dtype::float32, threads, forward, backward);
      // dw and db sum N HO WO products: float32's rounding grows with them
      const double sums = 1e-6 * static_cast<double>(k.x[0] * k.x[2] * k.x[3]);
      for (std::size_t i = 0; i < want.size(); ++i)
        BOOST_TEST(close(got[i], want[i].to_vector(), i == 1 || i == 2 ? sums : 1e-4),
                   "x " << shape_str(k.x) << ", threads " << forward << " and " << backward
                        << ", result " << i);
    }
  }
}

// The direct sums of conv2d's definition (ops/conv.hpp), stride 1: y, and dx, dw, db for a seed g.
struct DirectConv {
  std::vector<double> y, dx, dw, db;
};
DirectConv direct_conv(const Tensor& xt, const Tensor& wt, const Tensor& bt, const Tensor& gt,
                       std::size_t ph, std::size_t pw) {
  const Shape xs = xt.shape(), ws = wt.shape();
  const std::size_t n_ = xs[0], c_ = xs[1], h = xs[2], w = xs[3], o_ = ws[0], kh = ws[2],
                    kw = ws[3];
  const std::size_t oh = h + 2 * ph - kh + 1, ow = w + 2 * pw - kw + 1;
  const auto x = xt.to_vector(), wv = wt.to_vector(), b = bt.to_vector(), g = gt.to_vector();
  DirectConv r{std::vector<double>(n_ * o_ * oh * ow), std::vector<double>(x.size()),
               std::vector<double>(wv.size()), std::vector<double>(o_)};
  for (std::size_t n = 0; n < n_; ++n)
    for (std::size_t o = 0; o < o_; ++o)
      for (std::size_t i = 0; i < oh; ++i)
        for (std::size_t j = 0; j < ow; ++j) {
          const std::size_t yi = ((n * o_ + o) * oh + i) * ow + j;
          double s = b[o];
          r.db[o] += g[yi];
          for (std::size_t c = 0; c < c_; ++c)
            for (std::size_t p = 0; p < kh; ++p)
              for (std::size_t q = 0; q < kw; ++q) {
                const auto r_ =
                    static_cast<std::ptrdiff_t>(i + p) - static_cast<std::ptrdiff_t>(ph);
                const auto c2 =
                    static_cast<std::ptrdiff_t>(j + q) - static_cast<std::ptrdiff_t>(pw);
                if (r_ < 0 || c2 < 0 || r_ >= static_cast<std::ptrdiff_t>(h) ||
                    c2 >= static_cast<std::ptrdiff_t>(w))
                  continue;
                const std::size_t xi = ((n * c_ + c) * h + static_cast<std::size_t>(r_)) * w +
                                       static_cast<std::size_t>(c2);
                const std::size_t wi = ((o * c_ + c) * kh + p) * kw + q;
                s += wv[wi] * x[xi];
                r.dx[xi] += wv[wi] * g[yi];
                r.dw[wi] += x[xi] * g[yi];
              }
          r.y[yi] = s;
        }
  return r;
}

BOOST_AUTO_TEST_CASE(same_padding_matches_the_direct_sums) {
  // Kernels 2 p + 1 wide keep W (one long copy per tap inside conv2d); 2x2 with padding 0 does
  // not (a copy per output row). Batch 1 and 3, several channels, non-square images and kernels.
  struct Case {
    Shape x, w;
    std::size_t ph, pw;
  };
  for (const Case& k :
       {Case{{3, 2, 5, 7}, {4, 2, 3, 5}, 1, 2}, Case{{1, 3, 4, 6}, {2, 3, 3, 3}, 1, 1},
        Case{{3, 2, 6, 4}, {3, 2, 1, 3}, 0, 1}, Case{{2, 2, 4, 5}, {3, 2, 2, 2}, 0, 0}}) {
    const Tensor x = randn(k.x, 11), w = randn(k.w, 12), b = randn({k.w[0]}, 13);
    Variable xv(x, true), wv(w, true), bv(b, true);
    Variable y = conv2d(xv, wv, bv, 1, {k.ph, k.pw});
    const Tensor g = randn(y.shape(), 14);
    const DirectConv want = direct_conv(x, w, b, g, k.ph, k.pw);
    BOOST_TEST(close(y.value(), want.y, 1e-12));
    y.backward(g);
    BOOST_TEST(close(xv.grad(), want.dx, 1e-12));
    BOOST_TEST(close(wv.grad(), want.dw, 1e-12));
    BOOST_TEST(close(bv.grad(), want.db, 1e-12));
  }
}

BOOST_AUTO_TEST_CASE(gradients_accumulate_over_two_uses) {
  Variable x = param(k1to9, {1, 1, 3, 3});
  Variable w = param({1, 0, 0, -1}, {1, 1, 2, 2});
  Variable y = sum(conv2d(x, w)) + sum(conv2d(x, w));
  y.backward();
  BOOST_TEST(close(w.grad(), {24, 32, 48, 56}));
  BOOST_TEST(close(x.grad(), {2, 2, 0, 2, 0, -2, 0, -2, -2}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(pool_values)

BOOST_AUTO_TEST_CASE(max_pool2d_takes_each_windows_max) {
  Variable x = param(kPlane, {1, 1, 2, 4});
  Variable y = max_pool2d(x, 2);
  BOOST_TEST((y.shape() == Shape{1, 1, 1, 2}));
  BOOST_TEST(close(y.value(), {5, 8}));
  y.backward(test::values({1, 2}, {1, 1, 1, 2}));
  BOOST_TEST(close(x.grad(), {0, 1, 0, 0, 0, 0, 2, 0}));
}

BOOST_AUTO_TEST_CASE(max_pool2d_padding_never_wins) {
  // All negative: a zero padding would win every window; -inf padding never does.
  Variable x = param({-1, -2, -3, -4}, {1, 1, 2, 2});
  Variable y = max_pool2d(x, 2, 2, 1);
  BOOST_TEST((y.shape() == Shape{1, 1, 2, 2}));
  BOOST_TEST(close(y.value(), {-1, -2, -3, -4}));
}

BOOST_AUTO_TEST_CASE(max_pool2d_overlapping_windows_add_their_gradients) {
  // Stride 1, kernel 2 over [[1, 5, 2, 0], [3, 4, 8, -1]]: maxima 5, 8, 8.
  Variable x = param(kPlane, {1, 1, 2, 4});
  Variable y = max_pool2d(x, 2, 1);
  BOOST_TEST(close(y.value(), {5, 8, 8}));
  backward_ones(y);
  BOOST_TEST(close(x.grad(), {0, 1, 0, 0, 0, 0, 2, 0}));
}

BOOST_AUTO_TEST_CASE(max_pool2d_records_a_tie_as_a_kink) {
  BranchRecordingGuard recording;
  Variable x = param({3, 3, 1, 2}, {1, 1, 2, 2});
  Variable tie = max_pool2d(x, 2);
  BOOST_TEST(tie.node()->branches.at_kink == 1u);
  Variable apart = max_pool2d(param({3, 2.5, 1, 2}, {1, 1, 2, 2}), 2);
  BOOST_TEST(apart.node()->branches.at_kink == 0u);
  // The first of equal maxima takes the gradient.
  backward_ones(tie);
  BOOST_TEST(close(x.grad(), {1, 0, 0, 0}));
}

BOOST_AUTO_TEST_CASE(max_pool2d_2x2_tiles_take_the_first_of_equal_maxima) {
  // Outside branch recording, 2x2 windows that tile x have their own path in max_pool2d. Windows
  // (1, 2 / 7, 7), (3, 3 / 0, 3), (5, 5 / 5, 5): every tie gives the gradient to the first.
  Variable x = param({1, 2, 3, 3, 5, 5, 7, 7, 0, 3, 5, 5}, {1, 1, 2, 6});
  Variable y = max_pool2d(x, 2);
  BOOST_TEST(close(y.value(), {7, 3, 5}));
  y.backward(test::values({1, 2, 3}, {1, 1, 1, 3}));
  BOOST_TEST(close(x.grad(), {0, 0, 2, 0, 3, 0, 1, 0, 0, 0, 0, 0}));
}

BOOST_AUTO_TEST_CASE(max_pool2d_2x2_tiles_match_the_general_window_walk) {
  // The same pools with branch recording on (which takes the general loop): equal values and
  // gradients, written into a fresh gradient and then added to it. Batch 2, 3 channels,
  // non-square; NaNs at a window's last place and at a row's first; a window of four equal values.
  Tensor xt = randn({2, 3, 4, 6}, 21);
  double* v = xt.data<double>();
  v[7] = v[30] = std::numeric_limits<double>::quiet_NaN();
  v[48] = v[49] = v[54] = v[55] = 4.0;
  Variable fast(xt, true), general(xt, true);
  Variable yf = max_pool2d(fast, 2);
  Variable yg;
  {
    BranchRecordingGuard recording;
    yg = max_pool2d(general, 2);
  }
  const auto same = [](const std::vector<double>& a, const std::vector<double>& b) {
    BOOST_TEST_REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
      BOOST_TEST((a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i]))), "at " << i);
  };
  same(yf.value().to_vector(), yg.value().to_vector());
  BOOST_TEST(std::isnan(yf.value().flat(0)));
  for (std::uint64_t seed : {22, 23}) {  // the second backward adds to the first's gradient
    const Tensor g = randn(yf.shape(), seed);
    yf.backward(g, {/*retain_graph=*/true});
    yg.backward(g, {/*retain_graph=*/true});
    same(fast.grad().to_vector(), general.grad().to_vector());
  }
  BOOST_TEST(fast.grad().flat(48) != 0.0);  // the tie went to the window's first
  BOOST_TEST(fast.grad().flat(49) == 0.0);
}

BOOST_AUTO_TEST_CASE(max_pool2d_lets_a_nan_win_with_a_nan_gradient) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Variable x = param({1, nan, 9, 2}, {1, 1, 2, 2});
  Variable y = max_pool2d(x, 2);
  BOOST_TEST(std::isnan(y.item()));
  backward_ones(y);
  BOOST_TEST(std::isnan(x.grad().flat(1)));
  for (std::size_t i : {0, 2, 3}) BOOST_TEST(x.grad().flat(i) == 0.0);
}

BOOST_AUTO_TEST_CASE(avg_pool2d_takes_each_windows_mean) {
  Variable x = param(kPlane, {1, 1, 2, 4});
  Variable y = avg_pool2d(x, 2);
  BOOST_TEST(close(y.value(), {13.0 / 4, 9.0 / 4}));
  backward_ones(y);
  BOOST_TEST(close(x.grad(), std::vector<double>(8, 0.25)));
}

BOOST_AUTO_TEST_CASE(avg_pool2d_counts_padding_as_zeros) {
  // Kernel 2, stride 2, padding 1 over a 2x2 image: each window holds one element of four.
  Variable x = param({1, 2, 3, 4}, {1, 1, 2, 2});
  Variable y = avg_pool2d(x, 2, 2, 1);
  BOOST_TEST(close(y.value(), {0.25, 0.5, 0.75, 1}));
  backward_ones(y);
  BOOST_TEST(close(x.grad(), {0.25, 0.25, 0.25, 0.25}));
}

BOOST_AUTO_TEST_CASE(pools_keep_batch_and_channels) {
  Variable x(randn({3, 4, 6, 5}, 6), true);
  BOOST_TEST((max_pool2d(x, {2, 3}).shape() == Shape{3, 4, 3, 1}));
  BOOST_TEST((avg_pool2d(x, 3, {1, 2}, 1).shape() == Shape{3, 4, 6, 3}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(conv2d_relu_max_pool2d_values)

namespace {
// Equal values, or both NaN (a NaN gradient's payload is the fused node's own).
void same(const Tensor& a, const Tensor& b) {
  BOOST_TEST_REQUIRE((a.shape() == b.shape()));
  for (std::size_t i = 0; i < a.size(); ++i)
    BOOST_TEST((a.flat(i) == b.flat(i) || (std::isnan(a.flat(i)) && std::isnan(b.flat(i)))),
               "at " << i << ": " << a.flat(i) << " and " << b.flat(i));
}
}  // namespace

// The fused node (float32 on oneDNN: nChw16c for 16 and 32 channels, other layouts for 8 and 5)
// against the three ops, bit for bit: y, and every gradient written fresh and then added to. The
// images hold a NaN (its 3x3 neighbourhood of y is NaN: windows with NaNs first, last, several)
// and a zero patch, where y is the bias: four-way ties, positive or negative by channel.
BOOST_AUTO_TEST_CASE(fused_float32_matches_the_three_ops_bit_for_bit) {
  struct Case {
    Shape x, w;
    Size2 stride, padding;
    bool x_grad, bias;
  };
  for (const Case& k : {Case{{2, 3, 8, 6}, {16, 3, 3, 3}, 1, 1, true, true},
                        Case{{2, 1, 12, 12}, {32, 1, 3, 3}, 1, 1, false, true},
                        Case{{3, 8, 6, 10}, {8, 8, 3, 3}, 1, 1, true, true},
                        Case{{2, 4, 8, 8}, {5, 4, 3, 3}, 1, 1, true, false},
                        Case{{2, 16, 12, 12}, {16, 16, 3, 3}, 2, 1, true, true},
                        // several chunks of images (float32_chunks_match_float64_...)
                        Case{{23, 1, 28, 28}, {32, 1, 3, 3}, 1, 1, false, true},
                        Case{{21, 16, 14, 14}, {64, 16, 3, 3}, 1, 1, true, true}}) {
    Tensor x = randn(k.x, 31, Dtype::float32);
    const std::size_t image = k.x[1] * k.x[2] * k.x[3], row = k.x[3];
    x.set_flat(2 * row + 3, std::numeric_limits<double>::quiet_NaN());
    for (std::size_t r = 0; r < 5; ++r)
      for (std::size_t c = 0; c < 5; ++c)
        for (std::size_t ch = 0; ch < k.x[1]; ++ch)
          x.set_flat(image + ch * k.x[2] * row + r * row + c, 0.0);
    const Tensor w = randn(k.w, 32, Dtype::float32), b = randn({k.w[0]}, 33, Dtype::float32);
    struct Result {
      Tensor y;
      std::vector<Tensor> grads;
    };
    auto run = [&](bool fused) {
      Variable xv(x, k.x_grad), wv(w, true), bv = k.bias ? Variable(b, true) : Variable();
      Variable y = fused ? conv2d_relu_max_pool2d(xv, wv, bv, k.stride, k.padding, 2)
                         : max_pool2d(relu(conv2d(xv, wv, bv, k.stride, k.padding)), 2);
#if SLOPE_TEST_WITH_DNNL
      if (fused) BOOST_TEST(std::string(y.op()) == "conv2d_relu_max_pool2d");
#endif
      Result r{y.value(), {}};
      for (std::uint64_t seed : {34, 35}) {  // the second backward adds to the first's gradients
        y.backward(randn(y.shape(), seed, Dtype::float32), {/*retain_graph=*/true});
        for (const Variable* v : {&xv, &wv, &bv})
          if (v->defined() && v->requires_grad()) r.grads.push_back(v->grad());
      }
      return r;
    };
    const Threads threads(1);
    Result f;
    for (int n : {2, 1}) {  // the chunks follow the threads, the same for both
      threads.set(n);
      f = run(true);
      const Result t = run(false);
      same(f.y, t.y);
      BOOST_TEST_REQUIRE(f.grads.size() == t.grads.size());
      for (std::size_t i = 0; i < f.grads.size(); ++i) same(f.grads[i], t.grads[i]);
    }
    std::size_t nan = 0, zero = 0;  // the cases reach what they are meant to
    for (std::size_t i = 0; i < f.y.size(); ++i) {
      nan += std::isnan(f.y.flat(i));
      zero += f.y.flat(i) == 0.0;
    }
    BOOST_TEST(nan > 0);
    BOOST_TEST(zero > 0);
  }
}

// A run of blocks as one node (between the blocks the activations and their gradients stay in
// the kernels' layouts) against each block as the three ops, bit for bit: y and every gradient,
// written fresh and then added to, on 2 and 1 threads. x holds a NaN; some parameters want no
// gradient, so that a block's dx is wanted or not.
BOOST_AUTO_TEST_CASE(fused_run_matches_the_three_ops_bit_for_bit) {
  struct Block {
    Shape w;
    bool bias, grad;
  };
  struct Case {
    Shape x;
    std::vector<Block> blocks;
    bool x_grad;
  };
  const std::vector<Case> cases{
      // the example's two blocks in several chunks, each block's its own
      {{21, 1, 28, 28}, {{{32, 1, 3, 3}, true, true}, {{64, 32, 3, 3}, true, true}}, false},
      // three blocks, x's gradient, layouts of 16, 8 and (5 channels) NCHW
      {{3, 8, 16, 16},
       {{{16, 8, 3, 3}, true, true}, {{8, 16, 3, 3}, false, true}, {{5, 8, 3, 3}, true, true}},
       true},
      // nothing before the second block wants a gradient: no dx for it
      {{4, 3, 12, 12}, {{{16, 3, 3, 3}, true, false}, {{16, 16, 3, 3}, true, true}}, false},
      // nothing in the last block wants one, but the first does
      {{4, 3, 12, 12}, {{{16, 3, 3, 3}, true, true}, {{16, 16, 3, 3}, false, false}}, true}};
  for (const Case& k : cases) {
    Tensor x = randn(k.x, 41, Dtype::float32);
    x.set_flat(2 * k.x[3] + 3, std::numeric_limits<double>::quiet_NaN());
    std::vector<Tensor> ws, bs;
    for (std::size_t i = 0; i < k.blocks.size(); ++i) {
      ws.push_back(randn(k.blocks[i].w, 42 + i, Dtype::float32));
      bs.push_back(randn({k.blocks[i].w[0]}, 52 + i, Dtype::float32));
    }
    struct Result {
      Tensor y;
      std::vector<Tensor> grads;
    };
    auto run = [&](bool fused) {
      Variable xv(x, k.x_grad);
      std::vector<ConvReluPool> blocks;
      for (std::size_t i = 0; i < k.blocks.size(); ++i)
        blocks.push_back({Variable(ws[i], k.blocks[i].grad),
                          k.blocks[i].bias ? Variable(bs[i], k.blocks[i].grad) : Variable(), 1, 1,
                          2});
      Variable y = xv;
      if (fused) {
        y = conv2d_relu_max_pool2d(xv, blocks);
#if SLOPE_TEST_WITH_DNNL
        BOOST_TEST(std::string(y.op()) == "conv2d_relu_max_pool2d");
        BOOST_TEST(y.node()->inputs[0].node() == xv.node());  // one node, from x
#endif
      } else {
        for (const ConvReluPool& b : blocks)
          y = max_pool2d(relu(conv2d(y, b.w, b.b, b.stride, b.padding)), b.pool);
      }
      Result r{y.value(), {}};
      for (std::uint64_t seed : {44, 45}) {  // the second backward adds to the first's gradients
        y.backward(randn(y.shape(), seed, Dtype::float32), {/*retain_graph=*/true});
        if (k.x_grad) r.grads.push_back(xv.grad());
        for (const ConvReluPool& b : blocks)
          for (const Variable* v : {&b.w, &b.b})
            if (v->defined() && v->requires_grad()) r.grads.push_back(v->grad());
      }
      return r;
    };
    const Threads threads(1);
    for (int n : {2, 1}) {  // the chunks follow the threads, the same for both
      threads.set(n);
      const Result f = run(true), t = run(false);
      same(f.y, t.y);
      BOOST_TEST_REQUIRE(f.grads.size() == t.grads.size());
      BOOST_TEST(!f.grads.empty());
      for (std::size_t i = 0; i < f.grads.size(); ++i) same(f.grads[i], t.grads[i]);
    }
  }
}

// A run whose blocks are not all fused (a 3x3 pool) takes them one by one, with the same results.
BOOST_AUTO_TEST_CASE(a_run_with_a_block_that_is_not_fused_takes_them_one_by_one) {
  const Tensor x = randn({2, 3, 12, 12}, 61, Dtype::float32);
  Variable w1(randn({16, 3, 3, 3}, 62, Dtype::float32), true),
      w2(randn({8, 16, 3, 3}, 63, Dtype::float32), true);
  Variable y =
      conv2d_relu_max_pool2d(Variable(x), {{w1, Variable(), 1, 1, 3}, {w2, Variable(), 1, 1, 2}});
  BOOST_TEST((y.shape() == Shape{2, 8, 2, 2}));
  const Variable h = max_pool2d(relu(conv2d(Variable(x), w1, Variable(), 1, 1)), 3);
  same(y.value(), max_pool2d(relu(conv2d(h, w2, Variable(), 1, 1)), 2).value());
}

// Branch recording (the gradient checker) and float64 take the three ops.
BOOST_AUTO_TEST_CASE(recording_and_float64_take_the_three_ops) {
  Variable x(randn({2, 2, 6, 6}, 36), true), w(randn({3, 2, 3, 3}, 37), true);
  BOOST_TEST(std::string(conv2d_relu_max_pool2d(x, w, Variable(), 1, 1, 2).op()) == "max_pool2d");
  Variable x32(x.value().to(Dtype::float32), true), w32(w.value().to(Dtype::float32), true);
  BranchRecordingGuard recording;
  BOOST_TEST(std::string(conv2d_relu_max_pool2d(x32, w32, Variable(), 1, 1, 2).op()) ==
             "max_pool2d");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(conv2d_names_every_shape) {
  Variable x(randn({1, 2, 3, 3}, 1)), w(randn({1, 2, 5, 5}, 2)), b(randn({1}, 3));
  BOOST_CHECK_EXCEPTION(
      conv2d(x, w, b), ShapeError,
      mentions("conv2d:", "kernel (5, 5)", "padded input (3, 3)", "x shape (1, 2, 3, 3)",
               "w shape (1, 2, 5, 5)", "b shape (1)", "stride (1, 1)", "padding (0, 0)"));
  BOOST_TEST((conv2d(x, w, b, 1, 1).shape() == Shape{1, 1, 1, 1}));  // padded to 5x5 it fits
  Variable w3(randn({4, 3, 2, 2}, 4));
  BOOST_CHECK_EXCEPTION(conv2d(x, w3), ShapeError,
                        mentions("conv2d: x has 2 channels, w takes 3", "x shape (1, 2, 3, 3)",
                                 "w shape (4, 3, 2, 2)", "b shape none"));
  Variable w2(randn({1, 2, 2, 2}, 5));
  BOOST_CHECK_EXCEPTION(conv2d(x, w2, b, {0, 1}), ValueError,
                        mentions("conv2d: the stride must be at least 1", "stride (0, 1)",
                                 "x shape (1, 2, 3, 3)", "w shape (1, 2, 2, 2)"));
  BOOST_CHECK_EXCEPTION(conv2d(x, w2, Variable(randn({2}, 6))), ShapeError,
                        mentions("conv2d: the bias must have shape (1)", "b shape (2)"));
}

BOOST_AUTO_TEST_CASE(conv2d_refuses_wrong_ranks) {
  Variable x3(randn({2, 3, 3}, 1)), x(randn({1, 2, 3, 3}, 2)), w(randn({1, 2, 2, 2}, 3));
  BOOST_CHECK_EXCEPTION(
      conv2d(x3, w), ShapeError,
      mentions("conv2d: expected a 4-D x", "x shape (2, 3, 3)", "w shape (1, 2, 2, 2)"));
  Variable w2(randn({2, 2}, 4));
  BOOST_CHECK_EXCEPTION(
      conv2d(x, w2), ShapeError,
      mentions("conv2d: expected a 4-D w", "x shape (1, 2, 3, 3)", "w shape (2, 2)"));
  BOOST_CHECK_EXCEPTION(conv2d(x, Variable(randn({1, 2, 2, 2}, 5).to(Dtype::float32))), TypeError,
                        mentions("conv2d", "float64", "float32"));
}

BOOST_AUTO_TEST_CASE(conv2d_relu_max_pool2d_names_itself_and_every_shape) {
  Variable x(randn({2, 3, 6, 6}, 1, Dtype::float32)), w(randn({4, 2, 3, 3}, 2, Dtype::float32));
  BOOST_CHECK_EXCEPTION(conv2d_relu_max_pool2d(x, w, Variable(), 1, 1, 2), ShapeError,
                        mentions("conv2d_relu_max_pool2d: x has 3 channels, w takes 2",
                                 "x shape (2, 3, 6, 6), w shape (4, 2, 3, 3)"));
  Variable w3(randn({4, 3, 3, 3}, 3, Dtype::float32));
  BOOST_CHECK_EXCEPTION(conv2d_relu_max_pool2d(x, w3, Variable(), 1, 0, 5), ShapeError,
                        mentions("conv2d_relu_max_pool2d: the kernel (5, 5) is larger",
                                 "x shape (2, 3, 6, 6), w shape (4, 3, 3, 3)",
                                 "pool (5, 5) over conv2d's output (2, 4, 4, 4)"));
  BOOST_CHECK_EXCEPTION(conv2d_relu_max_pool2d(x, w3, Variable(), 0, 0, 2), ValueError,
                        mentions("conv2d_relu_max_pool2d: the stride must be at least 1"));
}

BOOST_AUTO_TEST_CASE(a_run_names_the_block_at_fault) {
  Variable x(randn({2, 3, 8, 8}, 1, Dtype::float32)), w1(randn({4, 3, 3, 3}, 2, Dtype::float32)),
      w2(randn({5, 3, 3, 3}, 3, Dtype::float32));
  BOOST_CHECK_EXCEPTION(
      conv2d_relu_max_pool2d(x, {{w1, Variable(), 1, 1, 2}, {w2, Variable(), 1, 1, 2}}), ShapeError,
      mentions("conv2d_relu_max_pool2d (block 2 of 2): x has 4 channels, w takes 3",
               "x shape (2, 4, 4, 4), w shape (5, 3, 3, 3)"));
  BOOST_CHECK_EXCEPTION(conv2d_relu_max_pool2d(x, std::vector<ConvReluPool>{}), ValueError,
                        mentions("conv2d_relu_max_pool2d: no blocks", "x shape (2, 3, 8, 8)"));
}

BOOST_AUTO_TEST_CASE(pools_name_the_shape_and_the_window) {
  Variable x(randn({1, 2, 3, 4}, 1));
  BOOST_CHECK_EXCEPTION(max_pool2d(x, 4), ShapeError,
                        mentions("max_pool2d: the kernel (4, 4) is larger than the padded input "
                                 "(3, 4)",
                                 "x shape (1, 2, 3, 4)", "kernel (4, 4)", "stride (4, 4)"));
  BOOST_CHECK_EXCEPTION(avg_pool2d(x, 4), ShapeError, mentions("avg_pool2d:", "(1, 2, 3, 4)"));
  BOOST_CHECK_EXCEPTION(max_pool2d(x, 2, 0), ValueError,
                        mentions("max_pool2d: the stride must be at least 1", "stride (0, 0)"));
  BOOST_CHECK_EXCEPTION(avg_pool2d(x, {0, 2}), ValueError,
                        mentions("avg_pool2d: the kernel must be at least 1", "kernel (0, 2)"));
  BOOST_CHECK_EXCEPTION(max_pool2d(x, 2, 2, 2), ValueError,
                        mentions("max_pool2d: the padding may be at most half the kernel",
                                 "padding (2, 2)", "x shape (1, 2, 3, 4)"));
  BOOST_CHECK_EXCEPTION(avg_pool2d(Variable(randn({3, 4}, 2)), 2), ShapeError,
                        mentions("avg_pool2d: expected a 4-D x", "x shape (3, 4)"));
}

BOOST_AUTO_TEST_SUITE_END()
