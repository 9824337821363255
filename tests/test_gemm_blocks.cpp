// SPDX-License-Identifier: MIT
// slope-test-labels: unit
// ops/gemm.cpp hands skinny products above OpenBLAS's small-kernel limit to BLAS in row blocks;
// the products must not change: every transpose combination against a plain triple loop, at
// shapes that are split (on CPUs with small kernels) and shapes that are not.
#define BOOST_TEST_MODULE gemm_blocks
#include <cmath>
#include <random>

#include "support/checks.hpp"
#include <slope/ops/gemm.hpp>

using namespace slope;

namespace {
// C = alpha op(A) op(B) + beta C with the layouts gemm() documents, one element at a time.
template <class T>
std::vector<T> reference(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, T alpha,
                         const std::vector<T>& a, const std::vector<T>& b, T beta,
                         std::vector<T> c) {
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double s = 0;
      for (std::size_t p = 0; p < k; ++p)
        s += double(ta ? a[p * m + i] : a[i * k + p]) * double(tb ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = static_cast<T>(alpha * s + beta * double(c[i * n + j]));
    }
  return c;
}

template <class T>
std::vector<T> random_values(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<T> v(size);
  for (auto& x : v) x = static_cast<T>(u(rng));
  return v;
}

template <class T>
void check_all_layouts(std::size_t m, std::size_t n, std::size_t k, double tol) {
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (T beta : {T(0), T(1)}) {
        const auto a = random_values<T>(m * k, 1), b = random_values<T>(k * n, 2);
        const auto c0 = random_values<T>(m * n, 3);
        auto c = c0;
        gemm(ta, tb, m, n, k, T(0.5), a.data(), b.data(), beta, c.data());
        const auto want = reference<T>(ta, tb, m, n, k, T(0.5), a, b, beta, c0);
        double worst = 0;
        for (std::size_t i = 0; i < c.size(); ++i)
          worst = std::max(worst, std::abs(double(c[i]) - double(want[i])));
        BOOST_TEST(worst <= tol, "m " << m << " n " << n << " k " << k << " ta " << ta << " tb "
                                      << tb << " beta " << beta << ": max error " << worst);
      }
}
}  // namespace

BOOST_AUTO_TEST_SUITE(gemm_blocks)

BOOST_AUTO_TEST_CASE(blocks_stay_under_the_small_kernel_limit) {
  const std::size_t shapes[][3] = {{128, 10, 784}, {784, 10, 128}, {60000, 10, 784},
                                   {300, 32, 200}, {5, 10, 784},   {1000, 3, 1000}};
  for (const auto& s : shapes) {
    const std::size_t m = s[0], n = s[1], k = s[2];
    const std::size_t rows = detail::gemm_block_rows(false, false, m, n, k);
    BOOST_TEST(rows >= 1u);
    BOOST_TEST(rows <= m);
    if (rows < m) BOOST_TEST(double(rows) * double(n) * double(k) <= 1e6);
    BOOST_TEST(detail::gemm_block_rows(false, true, m, n, k) == m);  // op(B) transposed: whole
  }
  BOOST_TEST(detail::gemm_block_rows(false, false, 128, 64, 784) == 128u);  // too wide to split
  BOOST_TEST(detail::gemm_block_rows(false, false, 64, 10, 784) == 64u);    // under the limit
}

BOOST_AUTO_TEST_CASE(split_products_equal_a_plain_loop_float64) {
  check_all_layouts<double>(128, 10, 784, 1e-11);  // over the limit: split where supported
  check_all_layouts<double>(300, 32, 200, 1e-11);
  check_all_layouts<double>(7, 5, 3, 1e-13);  // small: one call
}

BOOST_AUTO_TEST_CASE(split_products_equal_a_plain_loop_float32) {
  check_all_layouts<float>(784, 10, 128, 2e-4);
  check_all_layouts<float>(130, 9, 800, 2e-4);  // blocks of unequal rows
}

BOOST_AUTO_TEST_SUITE_END()
