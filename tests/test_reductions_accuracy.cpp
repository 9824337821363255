// SPDX-License-Identifier: MIT
// float32 reductions against a float64 reference at 10^7 elements (issue 10): each accumulates in
// double, so its relative error stays below 1e-6 (a float32 running total drifts by up to 9%).
#define BOOST_TEST_MODULE reductions_accuracy
#include <cmath>
#include <random>
#include <vector>

#include "support/checks.hpp"

using namespace slope;

namespace {
constexpr std::size_t kN = 10'000'000;
constexpr double kTol = 1e-6;

// A float32 tensor of `shape` filled with 0.1f (the probe) or uniform [0, 1) values.
Tensor floats(const Shape& shape, bool random) {
  Tensor t = Tensor::zeros(shape, Dtype::float32);
  float* p = t.data<float>();
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0.0F, 1.0F);
  for (std::size_t i = 0; i < t.size(); ++i) p[i] = random ? u(rng) : 0.1F;
  return t;
}

// The exact-enough sum of the float32 values of t[i] for the i that `pick` accepts, in long double.
template <class Pick>
double reference_sum(const Tensor& t, Pick pick) {
  const float* p = t.data<float>();
  long double s = 0;
  for (std::size_t i = 0; i < t.size(); ++i)
    if (pick(i)) s += p[i];
  return static_cast<double>(s);
}
double reference_sum(const Tensor& t) {
  return reference_sum(t, [](std::size_t) { return true; });
}

boost::test_tools::predicate_result relative(double got, double want) {
  const double err = std::abs(got - want) / std::abs(want);
  if (err < kTol) return true;
  boost::test_tools::predicate_result r(false);
  r.message() << fmt::format("got {:.10g}, want {:.10g}: relative error {:.3g}", got, want, err);
  return r;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(reductions_accuracy)

BOOST_AUTO_TEST_CASE(sum_and_mean_of_ten_million_tenths) {
  const Tensor x = floats({kN}, false);
  const double want = reference_sum(x);  // 1000000.0149...
  BOOST_TEST(relative(sum(Variable(x)).item(), want));
  BOOST_TEST(relative(mean(Variable(x)).item(), want / kN));
  BOOST_TEST(relative(sum(Variable(x), {0}).item(), want));
  BOOST_TEST(relative(mean(Variable(x), {0}).item(), want / kN));
}

BOOST_AUTO_TEST_CASE(sum_and_mean_of_random_values_over_every_axis_layout) {
  // The reduced axes last (contiguous runs), first (rows summed), and apart (the general walk).
  const Tensor last = floats({10, kN / 10}, true);
  const Tensor first = floats({kN / 10, 10}, true);
  const Tensor apart = floats({1000, 10, kN / 10000}, true);
  const Tensor s_last = sum(Variable(last), {1}).value();
  const Tensor m_first = mean(Variable(first), {0}).value();
  const Tensor s_apart = sum(Variable(apart), {0, 2}).value();
  // References in one pass each: which of the 10 outputs element i feeds.
  auto by = [](const Tensor& t, auto group) {
    std::vector<long double> acc(10, 0);
    const float* p = t.data<float>();
    for (std::size_t i = 0; i < t.size(); ++i) acc[group(i)] += p[i];
    return acc;
  };
  const auto r_last = by(last, [](std::size_t i) { return i / (kN / 10); });
  const auto r_first = by(first, [](std::size_t i) { return i % 10; });
  const auto r_apart = by(apart, [](std::size_t i) { return (i / (kN / 10000)) % 10; });
  for (std::size_t r = 0; r < 10; ++r) {
    BOOST_TEST(relative(s_last.flat(r), static_cast<double>(r_last[r])));
    BOOST_TEST(relative(m_first.flat(r), static_cast<double>(r_first[r]) / (kN / 10)));
    BOOST_TEST(relative(s_apart.flat(r), static_cast<double>(r_apart[r])));
  }
  BOOST_TEST(relative(sum(Variable(apart)).item(), reference_sum(apart)));
}

BOOST_AUTO_TEST_CASE(broadcast_gradients_are_summed_in_double) {
  const Tensor seed = Tensor::full({kN / 10, 10}, 0.1, Dtype::float32);
  // b [10] broadcast over 10^6 rows: sum_to sums each column of the seed.
  Variable a(Tensor::zeros({kN / 10, 10}, Dtype::float32), true);
  Variable b(Tensor::zeros({10}, Dtype::float32), true);
  add(a, b).backward(seed);
  const double want = reference_sum(seed, [](std::size_t i) { return i % 10 == 0; });
  for (std::size_t j = 0; j < 10; ++j) BOOST_TEST(relative(b.grad().flat(j), want));
  // c [1] broadcast over all 10^7 elements.
  Variable c(Tensor::zeros({1}, Dtype::float32), true);
  add(a, c).backward(seed);
  BOOST_TEST(relative(c.grad().flat(0), reference_sum(seed)));
}

BOOST_AUTO_TEST_CASE(linear_bias_gradient_is_summed_in_double) {
  const std::size_t rows = kN / 10;
  Variable x(Tensor::full({rows, 1}, 1.0, Dtype::float32));
  Variable w(Tensor::full({1, 10}, 1.0, Dtype::float32), true);
  Variable b(Tensor::zeros({10}, Dtype::float32), true);
  const Tensor seed = floats({rows, 10}, true);
  linear(x, w, b).backward(seed);
  std::vector<long double> want(10, 0);
  for (std::size_t i = 0; i < seed.size(); ++i) want[i % 10] += seed.data<float>()[i];
  for (std::size_t j = 0; j < 10; ++j)
    BOOST_TEST(relative(b.grad().flat(j), static_cast<double>(want[j])));
}

BOOST_AUTO_TEST_CASE(softmax_and_logsumexp_of_a_long_row) {
  const Tensor x = floats({kN}, true);
  const float* p = x.data<float>();
  long double total = 0;  // the float64 reference: sum exp(x - max)
  float m = p[0];
  for (std::size_t i = 1; i < kN; ++i) m = std::max(m, p[i]);
  for (std::size_t i = 0; i < kN; ++i) total += std::exp(static_cast<long double>(p[i]) - m);
  const double lse = static_cast<double>(m + std::log(total));
  BOOST_TEST(relative(logsumexp(Variable(x)).item(), lse));
  const Tensor y = softmax(Variable(x)).value();
  BOOST_TEST(relative(sum(Variable(y.to(Dtype::float64))).item(), 1.0));
  BOOST_TEST(relative(y.flat(0), static_cast<double>(std::exp(p[0] - m) / total)));
  const Tensor ly = log_softmax(Variable(x)).value();
  BOOST_TEST(relative(ly.flat(0), p[0] - lse));
}

BOOST_AUTO_TEST_SUITE_END()
