// SPDX-License-Identifier: MIT
// Products (ops/linalg.hpp): matmul and linear against hand-computed values and gradients, and the
// text of their errors.
#define BOOST_TEST_MODULE ops_linalg
#include "support/checks.hpp"

using namespace slope;
using test::close;
using test::param;

namespace {
// a [2, 3], b [3, 2] and the seed g [2, 2] of the hand-computed cases below.
const std::vector<double> kA{1, 2, 3, 4, 5, 6};
const std::vector<double> kB{1, 0, 0, 1, 2, -1};
const std::vector<double> kG{1, 2, 3, 4};
}  // namespace

BOOST_AUTO_TEST_SUITE(values_and_gradients)

BOOST_AUTO_TEST_CASE(matmul_gives_g_bt_and_at_g) {
  Variable a = param(kA, {2, 3});
  Variable b = param(kB, {3, 2});
  Variable y = matmul(a, b);  // [2, 3] x [3, 2] -> [2, 2]
  BOOST_TEST((y.shape() == Shape{2, 2}));
  BOOST_TEST(close(y.value(), {7, -1, 16, -1}));
  y.backward(test::values(kG, {2, 2}));
  BOOST_TEST(close(a.grad(), {1, 2, 0, 3, 4, 2}));        // g b^T
  BOOST_TEST(close(b.grad(), {13, 18, 17, 24, 21, 30}));  // a^T g
}

BOOST_AUTO_TEST_CASE(linear_adds_the_bias_and_sums_its_gradient_over_rows) {
  Variable x = param(kA, {2, 3});
  Variable w = param(kB, {3, 2});
  Variable b = param({10, 20}, {2});
  Variable y = linear(x, w, b);
  BOOST_TEST(close(y.value(), {17, 19, 26, 19}));
  y.backward(test::values(kG, {2, 2}));
  BOOST_TEST(close(x.grad(), {1, 2, 0, 3, 4, 2}));
  BOOST_TEST(close(w.grad(), {13, 18, 17, 24, 21, 30}));
  BOOST_TEST(close(b.grad(), {4, 6}));  // column sums of g
}

BOOST_AUTO_TEST_CASE(linear_equals_matmul_plus_a_broadcast_bias) {
  Variable x = param(kA, {2, 3});
  Variable w = param(kB, {3, 2});
  Variable b = param({10, 20}, {2});
  BOOST_TEST(close(linear(x, w, b).value(), (matmul(x, w) + b).value().to_vector()));
}

BOOST_AUTO_TEST_CASE(product_gradients_accumulate_into_existing_ones) {
  Variable a = param({1, 2, 3, 4}, {2, 2});
  Variable y = matmul(a, a);  // a feeds both sides: d/da = g a^T + a^T g
  y.backward(Tensor::full({2, 2}, 1.0, Dtype::float64));
  BOOST_TEST(close(a.grad(), {3 + 4, 7 + 4, 3 + 6, 7 + 6}));
  Variable w = param({1, 2}, {1, 2});
  Variable b = param({0, 0}, {2});
  linear(Variable(test::values({1, 1}, {2, 1})), w, b)
      .backward(Tensor::full({2, 2}, 1.0, Dtype::float64));
  linear(Variable(test::values({1, 1}, {2, 1})), w, b)
      .backward(Tensor::full({2, 2}, 1.0, Dtype::float64));
  BOOST_TEST(close(b.grad(), {4, 4}));
  BOOST_TEST(close(w.grad(), {4, 4}));
}

BOOST_AUTO_TEST_CASE(float32_stays_float32) {
  Variable a = param(kA, {2, 3}, Dtype::float32);
  Variable b = param(kB, {3, 2}, Dtype::float32);
  Variable bias = param({10, 20}, {2}, Dtype::float32);
  Variable y = linear(a, b, bias);
  BOOST_TEST((matmul(a, b).dtype() == Dtype::float32));
  BOOST_TEST((y.dtype() == Dtype::float32));
  BOOST_TEST(close(y.value(), {17, 19, 26, 19}, 1e-5));
  y.backward(test::values(kG, {2, 2}, Dtype::float32));
  BOOST_TEST((bias.grad().dtype() == Dtype::float32));
  BOOST_TEST(close(bias.grad(), {4, 6}, 1e-6));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(matmul_names_both_shapes) {
  Variable a = param(kA, {2, 3});
  BOOST_CHECK_EXCEPTION(
      matmul(a, a), ShapeError,
      test::mentions("matmul:", "do not multiply", "a shape (2, 3)", "b shape (2, 3)"));
  BOOST_CHECK_EXCEPTION(matmul(a, param({1, 2, 3}, {3})), ShapeError,
                        test::mentions("matmul:", "(2, 3)", "b shape (3)"));
}

BOOST_AUTO_TEST_CASE(matmul_refuses_mixed_element_types) {
  BOOST_CHECK_EXCEPTION(matmul(param(kA, {2, 3}), param(kB, {3, 2}, Dtype::float32)), TypeError,
                        test::mentions("matmul:", "a float64", "b float32"));
}

BOOST_AUTO_TEST_CASE(linear_names_the_bias_and_product_shapes) {
  Variable x = param(kA, {2, 3});
  Variable w = param(kB, {3, 2});
  BOOST_CHECK_EXCEPTION(
      linear(x, w, param({1, 2, 3}, {3})), ShapeError,
      test::mentions("linear:", "bias must have shape (2)", "w shape (3, 2)", "b shape (3)"));
  BOOST_CHECK_EXCEPTION(linear(x, x, param({1, 2}, {2})), ShapeError,
                        test::mentions("linear:", "do not multiply", "(2, 3)"));
  BOOST_CHECK_EXCEPTION(linear(x, w, param({1, 2}, {2}, Dtype::float32)), TypeError,
                        test::mentions("linear:", "w float64", "b float32"));
}

BOOST_AUTO_TEST_SUITE_END()
