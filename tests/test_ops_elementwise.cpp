// SPDX-License-Identifier: MIT
// Elementwise ops against hand-computed values and gradients, and the text of their errors.
#define BOOST_TEST_MODULE ops_elementwise
#include <cmath>
#include <functional>
#include <limits>
#include <ostream>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include "support/checks.hpp"

using namespace slope;
using test::close;
using test::mentions;

namespace {
Tensor t(const std::vector<double>& v, const Shape& s, Dtype d = Dtype::float64) {
  return Tensor::from_vector(v, s, d);
}
Variable leaf(const std::vector<double>& v, const Shape& s, Dtype d = Dtype::float64) {
  return Variable(t(v, s, d), /*requires_grad=*/true);
}
// Seeds y's backward with `seed` (same shape as y), so a misplaced gradient element shows.
void backward_with(Variable& y, const std::vector<double>& seed) {
  y.backward(t(seed, y.shape(), y.dtype()));
}
const double kE = std::exp(1.0);
const double kNaN = std::numeric_limits<double>::quiet_NaN();
// The unary ops that share one shape of test: values of y = f(x), then x's gradient for a seed.
struct UnaryRow {
  const char* name;
  std::function<Variable(const Variable&)> f;
  std::vector<double> x, y, seed, grad;
  double tol;
};
std::ostream& operator<<(std::ostream& os, const UnaryRow& r) { return os << r.name; }

const std::vector<UnaryRow> kUnaryRows{
    {"relu_zeroes_the_kink",
     [](const Variable& v) { return relu(v); },
     {-1, 0, 2},
     {0, 0, 2},
     {5, 6, 7},
     {0, 0, 7},
     1e-9},
    {"exp",
     [](const Variable& v) { return exp(v); },
     {0, 1, -1},
     {1, kE, 1 / kE},
     {1, 2, 3},
     {1, 2 * kE, 3 / kE},
     1e-12},
    {"log",
     [](const Variable& v) { return log(v); },
     {1, kE, 0.5},
     {0, 1, -0.69314718055994531},
     {1, 1, 3},
     {1, 1 / kE, 6},
     1e-12},
    {"sqrt",
     [](const Variable& v) { return sqrt(v); },
     {4, 9, 0.25},
     {2, 3, 0.5},
     {1, 1, 1},
     {0.25, 1.0 / 6, 1},
     1e-12},
    {"pow_integer_power_takes_negative_bases",
     [](const Variable& v) { return pow(v, 3.0); },
     {2, -3, 0.5},
     {8, -27, 0.125},
     {1, 1, 2},
     {12, 27, 1.5},
     1e-12},  // 3 x^2 g
    {"abs_takes_the_zero_subgradient_at_the_kink",
     [](const Variable& v) { return abs(v); },
     {-2, 0, 3},
     {2, 0, 3},
     {5, 6, 7},
     {-5, 0, 7},
     1e-9},
    {"square",
     [](const Variable& v) { return square(v); },
     {-3, 0.5},
     {9, 0.25},
     {1, 2},
     {-6, 2},
     1e-9},
    {"sigmoid",
     [](const Variable& v) { return sigmoid(v); },
     {0, std::log(3.0)},
     {0.5, 0.75},
     {1, 2},
     {0.25, 2 * 3.0 / 16},
     1e-12},  // y (1 - y) g
    {"tanh",
     [](const Variable& v) { return tanh(v); },
     {0, std::log(2.0)},
     {0, 0.6},
     {1, 2},
     {1, 2 * 0.64},
     1e-12},  // (2 - 1/2) / (2 + 1/2)
    {"clamp_passes_the_gradient_inside_and_on_the_bounds",
     [](const Variable& v) { return clamp(v, -1, 1); },
     {-2, -1, 0, 1, 2},
     {-1, -1, 0, 1, 1},
     {1, 2, 3, 4, 5},
     {0, 2, 3, 4, 0},
     1e-9},
};
}  // namespace

BOOST_AUTO_TEST_SUITE(values)

BOOST_DATA_TEST_CASE(unary_values_and_gradients, boost::unit_test::data::make(kUnaryRows), row) {
  Variable x = leaf(row.x, {row.x.size()});
  Variable y = row.f(x);
  BOOST_TEST(close(y.value(), row.y, row.tol));
  backward_with(y, row.seed);
  BOOST_TEST(close(x.grad(), row.grad, row.tol));
}

BOOST_AUTO_TEST_CASE(add_broadcasts_and_sums_the_row_gradient) {
  Variable a = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  Variable b = leaf({10, 20, 30}, {3});
  Variable y = add(a, b);
  BOOST_TEST(close(y.value(), {11, 22, 33, 14, 25, 36}));
  backward_with(y, {1, 2, 3, 4, 5, 6});
  BOOST_TEST(close(a.grad(), {1, 2, 3, 4, 5, 6}));
  BOOST_TEST(close(b.grad(), {5, 7, 9}));
}

BOOST_AUTO_TEST_CASE(mul_gives_each_side_the_other) {
  Variable a = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  Variable b = leaf({2, -1, 0.5}, {3});
  Variable y = mul(a, b);
  BOOST_TEST(close(y.value(), {2, -2, 1.5, 8, -5, 3}));
  y.backward(Tensor::full({2, 3}, 1.0, Dtype::float64));
  BOOST_TEST(close(a.grad(), {2, -1, 0.5, 2, -1, 0.5}));
  BOOST_TEST(close(b.grad(), {5, 7, 9}));
}

BOOST_AUTO_TEST_CASE(sub_negates_the_rhs_gradient) {
  Variable a = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  Variable b = leaf({10, 20, 30}, {3});
  Variable y = sub(a, b);
  BOOST_TEST(close(y.value(), {-9, -18, -27, -6, -15, -24}));
  backward_with(y, {1, 2, 3, 4, 5, 6});
  BOOST_TEST(close(a.grad(), {1, 2, 3, 4, 5, 6}));
  BOOST_TEST(close(b.grad(), {-5, -7, -9}));
}

BOOST_AUTO_TEST_CASE(div_broadcasts_both_ways) {
  Variable a = leaf({1, 2, 3}, {3});
  Variable b = leaf({2, 4}, {2, 1});
  Variable y = div(a, b);  // (3) / (2, 1) -> (2, 3)
  BOOST_TEST(close(y.value(), {0.5, 1, 1.5, 0.25, 0.5, 0.75}));
  y.backward(Tensor::full({2, 3}, 1.0, Dtype::float64));
  BOOST_TEST(close(a.grad(), {0.75, 0.75, 0.75}));  // 1/2 + 1/4
  BOOST_TEST(close(b.grad(), {-1.5, -0.375}));      // -(1+2+3)/b^2
}

BOOST_AUTO_TEST_CASE(maximum_gives_ties_to_the_first_input) {
  Variable a = leaf({1, 5, 3, 2}, {4});
  Variable b = leaf({4, 5, 1, 2}, {4});
  Variable y = maximum(a, b);
  BOOST_TEST(close(y.value(), {4, 5, 3, 2}));
  backward_with(y, {1, 2, 3, 4});
  BOOST_TEST(close(a.grad(), {0, 2, 3, 4}));
  BOOST_TEST(close(b.grad(), {1, 0, 0, 0}));
}

BOOST_AUTO_TEST_CASE(minimum_gives_ties_to_the_first_input) {
  Variable a = leaf({1, 5, 3, 2}, {4});
  Variable b = leaf({4, 5, 1, 2}, {4});
  Variable y = minimum(a, b);
  BOOST_TEST(close(y.value(), {1, 5, 1, 2}));
  backward_with(y, {1, 2, 3, 4});
  BOOST_TEST(close(a.grad(), {1, 2, 0, 4}));
  BOOST_TEST(close(b.grad(), {0, 0, 3, 0}));
}

BOOST_AUTO_TEST_CASE(maximum_broadcasts_and_sums_back) {
  Variable a = leaf({0, 3}, {2, 1});
  Variable b = leaf({1, 2, 4}, {3});
  Variable y = maximum(a, b);  // (2, 1) with (3) -> (2, 3)
  BOOST_TEST(close(y.value(), {1, 2, 4, 3, 3, 4}));
  y.backward(Tensor::full({2, 3}, 1.0, Dtype::float64));
  BOOST_TEST(close(a.grad(), {0, 2}));
  BOOST_TEST(close(b.grad(), {1, 1, 2}));
}

BOOST_AUTO_TEST_CASE(neg_and_unary_minus) {
  Variable x = leaf({1, -2}, {2});
  Variable y = neg(x);
  BOOST_TEST(close(y.value(), {-1, 2}));
  backward_with(y, {3, 4});
  BOOST_TEST(close(x.grad(), {-3, -4}));
  BOOST_TEST(close((-x).value(), {-1, 2}));
  BOOST_TEST((-x).op() == std::string("neg"));
}

BOOST_AUTO_TEST_CASE(sqrt_of_zero_is_zero_with_an_infinite_gradient) {
  Variable x = leaf({0}, {1});
  Variable y = sqrt(x);
  BOOST_TEST(close(y.value(), {0}));
  y.backward(t({1}, {1}));
  BOOST_TEST(std::isinf(x.grad().flat(0)));
}

BOOST_AUTO_TEST_CASE(pow_fractional_negative_and_zero_powers) {
  Variable x = leaf({4}, {1});
  Variable y = pow(x, 0.5);
  BOOST_TEST(close(y.value(), {2}));
  y.backward(t({1}, {1}));
  BOOST_TEST(close(x.grad(), {0.25}));

  Variable z = leaf({2, -4}, {2});
  Variable r = pow(z, -1.0);
  BOOST_TEST(close(r.value(), {0.5, -0.25}));
  backward_with(r, {1, 1});
  BOOST_TEST(close(z.grad(), {-0.25, -0.0625}));

  Variable w = leaf({0, 2}, {2});
  Variable one = pow(w, 0.0);  // x^0 = 1 everywhere, 0^0 included, and its gradient is 0
  BOOST_TEST(close(one.value(), {1, 1}));
  backward_with(one, {1, 1});
  BOOST_TEST(close(w.grad(), {0, 0}));
}

BOOST_AUTO_TEST_CASE(sigmoid_saturates_without_nan) {
  for (Dtype d : {Dtype::float32, Dtype::float64}) {
    Variable x = leaf({-1000, 1000}, {2}, d);
    Variable y = sigmoid(x);
    BOOST_TEST(close(y.value(), {0, 1}));
    backward_with(y, {1, 1});
    BOOST_TEST(close(x.grad(), {0, 0}));
  }
}

BOOST_AUTO_TEST_CASE(where_selects_with_a_broadcast_float32_mask) {
  const Tensor mask = t({1, 0, 1, 0, 0, 2}, {2, 3}, Dtype::float32);
  Variable a = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  Variable b = leaf({-1}, {1});
  Variable y = where(mask, a, b);
  BOOST_TEST(close(y.value(), {1, -1, 3, -1, -1, 6}));
  backward_with(y, {1, 2, 3, 4, 5, 6});
  BOOST_TEST(close(a.grad(), {1, 0, 3, 0, 0, 6}));
  BOOST_TEST(close(b.grad(), {2 + 4 + 5}));
}

BOOST_AUTO_TEST_CASE(where_mask_row_broadcasts_over_the_output) {
  const Tensor mask = t({0, 1}, {2, 1});
  Variable a = leaf({1, 2, 3}, {3});
  Variable b = leaf({7, 8, 9}, {3});
  Variable y = where(mask, a, b);  // (2, 1), (3), (3) -> (2, 3)
  BOOST_TEST(close(y.value(), {7, 8, 9, 1, 2, 3}));
  backward_with(y, {1, 2, 3, 4, 5, 6});
  BOOST_TEST(close(a.grad(), {4, 5, 6}));
  BOOST_TEST(close(b.grad(), {1, 2, 3}));
}

BOOST_AUTO_TEST_CASE(operators_with_scalars_on_either_side) {
  Variable a = leaf({1, 2, 4}, {3});
  Variable b = leaf({2, 2, 8}, {3});
  BOOST_TEST(close((a - b).value(), {-1, 0, -4}));
  BOOST_TEST(close((a / b).value(), {0.5, 1, 0.5}));
  BOOST_TEST(close((a - 1.0).value(), {0, 1, 3}));
  BOOST_TEST(close((1.0 - a).value(), {0, -1, -3}));
  BOOST_TEST(close((a / 2.0).value(), {0.5, 1, 2}));
  Variable y = 2.0 / a;
  BOOST_TEST(close(y.value(), {2, 1, 0.5}));
  backward_with(y, {1, 1, 1});
  BOOST_TEST(close(a.grad(), {-2, -0.5, -0.125}));  // -2 / a^2
}

BOOST_AUTO_TEST_CASE(float32_stays_float32) {
  Variable x = leaf({0.5, 1, 2}, {3}, Dtype::float32);
  for (const Variable& y : {exp(x), log(x), sqrt(x), pow(x, 1.5), sigmoid(x), tanh(x), abs(x),
                            square(x), clamp(x, 0.6, 1.5), x - 1.0, 1.0 / x, maximum(x, x)})
    BOOST_TEST((y.dtype() == Dtype::float32), y.op());
  BOOST_TEST(close(log(x).value(), {std::log(0.5), 0, std::log(2.0)}, 1e-6));
  BOOST_TEST(close(pow(x, 1.5).value(), {std::pow(0.5, 1.5), 1, std::pow(2.0, 1.5)}, 1e-6));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(graph)

BOOST_AUTO_TEST_CASE(replay_keeps_the_attributes) {
  Variable x = leaf({-2, 0.5, 3}, {3});
  Variable other = leaf({-5, 0.25, 5}, {3});
  Variable c = clamp(x, -1, 1);
  BOOST_TEST(close(c.node()->replay({other}).value(), {-1, 0.25, 1}));
  Variable p = pow(x, 2.0);
  BOOST_TEST(close(p.node()->replay({other}).value(), {25, 0.0625, 25}));
  const Tensor mask = t({1, 0, 1}, {3});
  Variable w = where(mask, x, other);
  BOOST_TEST(close(w.node()->replay({other, x}).value(), {-5, 0.5, 5}));
}

BOOST_AUTO_TEST_CASE(kinked_ops_record_their_branches) {
  BranchRecordingGuard on;
  Variable a = leaf({1, 5, 3, 2}, {4});
  Variable b = leaf({4, 5, 1, 2}, {4});
  BOOST_TEST(maximum(a, b).node()->branches.at_kink == 2U);
  BOOST_TEST(minimum(a, b).node()->branches.at_kink == 2U);
  BOOST_TEST(abs(leaf({-1, 0, 2}, {3})).node()->branches.at_kink == 1U);
  BOOST_TEST(clamp(leaf({-2, -1, 0, 1, 2}, {5}), -1, 1).node()->branches.at_kink == 2U);
  // A different side of a kink gives a different hash.
  BOOST_TEST(abs(leaf({-1, 1}, {2})).node()->branches.hash !=
             abs(leaf({1, 1}, {2})).node()->branches.hash);
}

BOOST_AUTO_TEST_CASE(every_elementwise_op_is_registered) {
  for (const char* name :
       {"add", "sub", "mul", "div", "maximum", "minimum", "relu", "neg", "exp", "log", "sqrt",
        "pow", "abs", "square", "sigmoid", "tanh", "clamp", "where"})
    BOOST_TEST(op_registry().find(name) != nullptr, name);
  for (const char* name : {"maximum", "minimum", "abs", "clamp"})
    BOOST_TEST(op_registry().find(name)->has_kinks, name);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(binary_ops_name_both_shapes) {
  Variable a = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  Variable b = leaf({1, 2, 3, 4}, {4});
  BOOST_CHECK_EXCEPTION(sub(a, b), ShapeError, mentions("sub:", "(2, 3)", "(4)"));
  BOOST_CHECK_EXCEPTION(div(a, b), ShapeError, mentions("div:", "(2, 3)", "(4)"));
  BOOST_CHECK_EXCEPTION(maximum(a, b), ShapeError, mentions("maximum:", "(2, 3)", "(4)"));
  BOOST_CHECK_EXCEPTION(minimum(a, b), ShapeError, mentions("minimum:", "(2, 3)", "(4)"));
  BOOST_CHECK_EXCEPTION(a - b, ShapeError, mentions("sub: shapes do not broadcast"));
}

BOOST_AUTO_TEST_CASE(where_names_all_three_shapes) {
  Variable a = leaf({1, 2, 3}, {3});
  BOOST_CHECK_EXCEPTION(where(t({1, 0}, {2}), a, a), ShapeError,
                        mentions("where:", "mask shape (2)", "a shape (3)", "b shape (3)"));
  BOOST_CHECK_EXCEPTION(where(t({1, 0, 1}, {3}), a, leaf({1, 2}, {2})), ShapeError,
                        mentions("where:", "b shape (2)"));
  BOOST_CHECK_EXCEPTION(where(Tensor(), a, a), ValueError, mentions("where:", "mask"));
}

BOOST_AUTO_TEST_CASE(mixed_float32_and_float64_is_a_type_error) {
  Variable a = leaf({1, 2}, {2}, Dtype::float32);
  Variable b = leaf({1, 2}, {2}, Dtype::float64);
  BOOST_CHECK_EXCEPTION(sub(a, b), TypeError, mentions("sub:", "float32", "float64"));
  BOOST_CHECK_EXCEPTION(div(a, b), TypeError, mentions("div:", "float32", "float64"));
  BOOST_CHECK_EXCEPTION(maximum(a, b), TypeError, mentions("maximum:", "float32", "float64"));
  BOOST_CHECK_EXCEPTION(minimum(b, a), TypeError, mentions("minimum:", "float64", "float32"));
  BOOST_CHECK_EXCEPTION(where(t({1, 0}, {2}), a, b), TypeError,
                        mentions("where:", "a float32", "b float64"));
}

BOOST_AUTO_TEST_CASE(log_names_the_first_non_positive_value) {
  BOOST_CHECK_EXCEPTION(log(leaf({1, 0, -1}, {3})), ValueError,
                        mentions("log:", "x > 0", "x = 0", "flat index 1", "(3)"));
  BOOST_CHECK_EXCEPTION(log(leaf({2, 3, 4, -2.5}, {2, 2})), ValueError,
                        mentions("log:", "x = -2.5", "flat index 3", "(2, 2)"));
  BOOST_CHECK_EXCEPTION(log(leaf({kNaN}, {1})), ValueError, mentions("log:", "x = nan"));
  BOOST_CHECK_EXCEPTION(log(leaf({-1}, {1}, Dtype::float32)), ValueError,
                        mentions("log:", "x = -1"));
}

BOOST_AUTO_TEST_CASE(sqrt_names_the_first_negative_value) {
  BOOST_CHECK_EXCEPTION(sqrt(leaf({4, 0, -1}, {3})), ValueError,
                        mentions("sqrt:", "x >= 0", "x = -1", "flat index 2"));
}

BOOST_AUTO_TEST_CASE(pow_rejects_nan_and_infinite_results) {
  BOOST_CHECK_EXCEPTION(pow(leaf({1, -2}, {2}), 0.5), ValueError,
                        mentions("pow:", "non-integer power 0.5", "x = -2", "flat index 1"));
  BOOST_CHECK_EXCEPTION(pow(leaf({0, 1}, {2}), -1.0), ValueError,
                        mentions("pow:", "negative power -1", "x = 0", "flat index 0"));
}

BOOST_AUTO_TEST_CASE(division_by_zero_names_the_divisor_index) {
  Variable a = leaf({1, 2}, {2});
  BOOST_CHECK_EXCEPTION(div(a, leaf({1, 0}, {2})), ValueError,
                        mentions("div:", "division by zero", "flat index 1", "(2)"));
  BOOST_CHECK_EXCEPTION(1.0 / leaf({0, 0}, {2}), ValueError,
                        mentions("div:", "division by zero", "flat index 0"));
}

BOOST_AUTO_TEST_CASE(clamp_rejects_crossed_or_nan_bounds) {
  Variable x = leaf({1}, {1});
  BOOST_CHECK_EXCEPTION(clamp(x, 2, 1), ValueError, mentions("clamp:", "lo = 2", "hi = 1"));
  BOOST_CHECK_EXCEPTION(clamp(x, kNaN, 1), ValueError, mentions("clamp:", "lo = nan"));
  BOOST_CHECK_EXCEPTION(clamp(x, 0, kNaN), ValueError, mentions("clamp:", "hi = nan"));
}

BOOST_AUTO_TEST_SUITE_END()
