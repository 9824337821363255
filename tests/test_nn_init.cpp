// SPDX-License-Identifier: MIT
// Initialisers: fans, gains, and the spread each rule promises, at a size where it shows.
#define BOOST_TEST_MODULE nn_init
#include <cmath>

#include "support/checks.hpp"

using namespace slope;
using test::mentions;

namespace {
double stddev(const Tensor& t) {
  double s = 0, s2 = 0;
  const auto v = t.to_vector();
  for (double x : v) {
    s += x;
    s2 += x * x;
  }
  const double m = s / double(v.size());
  return std::sqrt(s2 / double(v.size()) - m * m);
}
double max_abs(const Tensor& t) {
  double m = 0;
  for (double x : t.to_vector()) m = std::max(m, std::abs(x));
  return m;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(nn_init)

BOOST_AUTO_TEST_CASE(fans_follow_slopes_layouts) {
  BOOST_TEST(nn::init::fans({784, 10}).in == 784);  // linear: [in, out]
  BOOST_TEST(nn::init::fans({784, 10}).out == 10);
  BOOST_TEST(nn::init::fans({32, 3, 5, 5}).in == 75);  // conv: [out, in, kh, kw]
  BOOST_TEST(nn::init::fans({32, 3, 5, 5}).out == 800);
  BOOST_TEST(nn::init::fans({7}).in == 7);
  BOOST_CHECK_EXCEPTION(nn::init::fans({}), ShapeError, mentions("scalar"));
}

BOOST_AUTO_TEST_CASE(gains_are_pytorchs) {
  using nn::init::Nonlinearity;
  BOOST_TEST(nn::init::gain(Nonlinearity::linear) == 1.0);
  BOOST_TEST(nn::init::gain(Nonlinearity::relu) == std::sqrt(2.0));
  BOOST_TEST(nn::init::gain(Nonlinearity::tanh) == 5.0 / 3.0);
  BOOST_TEST(nn::init::gain(Nonlinearity::leaky_relu, std::sqrt(5.0)) == std::sqrt(1.0 / 3.0),
             boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(each_rule_has_its_spread) {
  const Shape s{400, 300};  // fan_in 400, fan_out 300
  const auto tol = boost::test_tools::tolerance(0.03);
  BOOST_TEST(stddev(nn::init::kaiming_normal(s, 1)) == std::sqrt(2.0 / 400), tol);
  BOOST_TEST(stddev(nn::init::kaiming_uniform(s, 1)) == std::sqrt(2.0 / 400), tol);
  BOOST_TEST(max_abs(nn::init::kaiming_uniform(s, 1)) <= std::sqrt(6.0 / 400));
  BOOST_TEST(
      stddev(nn::init::kaiming_normal(s, 1, nn::init::FanMode::fan_out)) == std::sqrt(2.0 / 300),
      tol);
  BOOST_TEST(stddev(nn::init::xavier_normal(s, 2)) == std::sqrt(2.0 / 700), tol);
  BOOST_TEST(max_abs(nn::init::xavier_uniform(s, 2)) <= std::sqrt(6.0 / 700));
  BOOST_TEST(stddev(nn::init::lecun_normal(s, 3)) == std::sqrt(1.0 / 400), tol);
  BOOST_TEST(max_abs(nn::init::lecun_uniform(s, 3)) <= std::sqrt(3.0 / 400));
  BOOST_TEST(stddev(nn::init::normal(s, 0.5, 0.1, 4)) == 0.1, tol);
  BOOST_TEST(nn::init::constant({2, 2}, 3.0).to_vector() == std::vector<double>(4, 3.0));
  BOOST_TEST(nn::init::zeros({3}).to_vector() == std::vector<double>(3, 0.0));
}

BOOST_AUTO_TEST_CASE(seeded_float32_by_default_float64_on_request) {
  BOOST_TEST((nn::init::kaiming_normal({3, 3}, 5).dtype() == Dtype::float32));
  BOOST_TEST((nn::init::xavier_uniform({3, 3}, 5, 1.0, Dtype::float64).dtype() == Dtype::float64));
  BOOST_TEST(nn::init::kaiming_normal({3, 3}, 5).to_vector() ==
             nn::init::kaiming_normal({3, 3}, 5).to_vector());
  BOOST_TEST(nn::init::kaiming_normal({3, 3}, 5).to_vector() !=
             nn::init::kaiming_normal({3, 3}, 6).to_vector());
}

BOOST_AUTO_TEST_CASE(bad_parameters_are_refused) {
  BOOST_CHECK_EXCEPTION(nn::init::normal({2}, 0, -1, 1), ValueError, mentions("normal", "-1"));
  BOOST_CHECK_EXCEPTION(nn::init::uniform({2}, 1, 0, 1), ValueError, mentions("uniform", "[1, 0]"));
  BOOST_CHECK_THROW(nn::init::normal({2}, 0, std::nan(""), 1), ValueError);
}

BOOST_AUTO_TEST_SUITE_END()
