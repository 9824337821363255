// SPDX-License-Identifier: MIT
// Values against hand-computed numbers, and error text, for the reductions (mean, max,
// logsumexp), the shape ops (transpose, reshape, slice_rows, concatenate), gather, one_hot,
// softmax and log_softmax.
#define BOOST_TEST_MODULE ops_reduce_shape
#include "support/checks.hpp"

using namespace slope;
using test::close;
using test::mentions;
using test::param;
using test::values;

namespace {
// softmax([1, 2, 3]) and log(sum(exp([1, 2, 3]))), from Python's math module.
const std::vector<double> kSoft123{0.09003057317038046, 0.24472847105479764, 0.6652409557748218};
constexpr double kLse123 = 3.4076059644443806;
}  // namespace

BOOST_AUTO_TEST_SUITE(reduce)

BOOST_AUTO_TEST_CASE(mean_of_all_and_its_gradient) {
  Variable x = param({1, 2, 3, 4, 5, 6}, {2, 3});
  Variable y = mean(x);
  BOOST_TEST(shape_str(y.shape()) == "()");
  BOOST_TEST(close(y.value(), {3.5}));
  y.backward();
  BOOST_TEST(close(x.grad(), std::vector<double>(6, 1.0 / 6)));
}

BOOST_AUTO_TEST_CASE(mean_over_axes_with_and_without_keepdims) {
  Variable x = param({1, 2, 3, 4, 5, 6}, {2, 3});
  BOOST_TEST(close(mean(x, {0}).value(), {2.5, 3.5, 4.5}));
  Variable rows = mean(x, {-1}, true);
  BOOST_TEST(shape_str(rows.shape()) == "(2, 1)");
  BOOST_TEST(close(rows.value(), {2, 5}));
  BOOST_TEST(close(mean(x, {1, 0}).value(), {3.5}));
  // seed (10, 20) over the rows: each element gets its row's seed / 3
  rows.backward(values({10, 20}, {2, 1}));
  BOOST_TEST(close(x.grad(), {10. / 3, 10. / 3, 10. / 3, 20. / 3, 20. / 3, 20. / 3}, 1e-12));
}

BOOST_AUTO_TEST_CASE(mean_over_a_middle_axis_of_3d) {
  // x[i, j, k] = 100 i + 10 j + k, shape (2, 3, 2); mean over j = 100 i + 10 + k
  std::vector<double> v;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 2; ++k) v.push_back(100 * i + 10 * j + k);
  Variable x = param(v, {2, 3, 2});
  Variable y = mean(x, {1});
  BOOST_TEST(shape_str(y.shape()) == "(2, 2)");
  BOOST_TEST(close(y.value(), {10, 11, 110, 111}));
}

BOOST_AUTO_TEST_CASE(mean_errors_name_op_axes_and_shape) {
  Variable x = param({1, 2, 3, 4, 5, 6}, {2, 3});
  BOOST_CHECK_EXCEPTION(mean(x, {2}), ShapeError, mentions("mean", "axis 2", "(2, 3)"));
  BOOST_CHECK_EXCEPTION(mean(x, {1, -1}), ShapeError, mentions("mean", "repeated", "(2, 3)"));
  Variable empty(Tensor::zeros({0, 3}, Dtype::float64), true);
  BOOST_CHECK_EXCEPTION(mean(empty), ValueError, mentions("mean", "no elements", "(0, 3)"));
  BOOST_CHECK_EXCEPTION(mean(empty, {0}), ValueError, mentions("mean", "(0, 3)"));
  // reducing a non-empty axis of an empty tensor is fine: no rows, no means
  BOOST_TEST(shape_str(mean(empty, {1}).shape()) == "(0)");
}

BOOST_AUTO_TEST_CASE(max_of_all_sends_the_gradient_to_the_winner) {
  Variable x = param({1, 5, 5, 7, -2, 0}, {2, 3});
  Variable y = max(x);
  BOOST_TEST(close(y.value(), {7}));
  y.backward();
  BOOST_TEST(close(x.grad(), {0, 0, 0, 1, 0, 0}));
}

BOOST_AUTO_TEST_CASE(max_over_axes_gives_ties_to_the_first) {
  Variable x = param({1, 5, 5, 7, -2, 0}, {2, 3});
  Variable rows = max(x, {1});
  BOOST_TEST(close(rows.value(), {5, 7}));
  rows.backward(values({10, 20}, {2}));
  // row 0 ties at columns 1 and 2: the first one takes the whole gradient
  BOOST_TEST(close(x.grad(), {0, 10, 0, 20, 0, 0}));
  Variable cols = max(x, {0}, true);
  BOOST_TEST(shape_str(cols.shape()) == "(1, 3)");
  BOOST_TEST(close(cols.value(), {7, 5, 5}));
}

BOOST_AUTO_TEST_CASE(max_records_branches_and_ties) {
  Variable x = param({1, 5, 5, 7, -2, 0}, {2, 3});
  BranchRecordingGuard record;
  Variable rows = max(x, {1});
  BOOST_TEST(rows.node()->branches.at_kink == 1u);  // row 0's tie
  Variable moved = max(param({1, 5, 4, 7, -2, 0}, {2, 3}), {1});
  BOOST_TEST(moved.node()->branches.at_kink == 0u);
  Variable other = max(param({6, 5, 4, 7, -2, 0}, {2, 3}), {1});
  BOOST_TEST(other.node()->branches.hash != moved.node()->branches.hash);  // row 0's winner moved
}

BOOST_AUTO_TEST_CASE(max_errors) {
  Variable empty(Tensor::zeros({0, 3}, Dtype::float64), true);
  BOOST_CHECK_EXCEPTION(max(empty), ValueError, mentions("max", "no elements", "(0, 3)"));
  BOOST_CHECK_EXCEPTION(max(param({1, 2}, {2}), {1}), ShapeError, mentions("max", "axis 1", "(2)"));
}

BOOST_AUTO_TEST_CASE(logsumexp_values_and_gradient) {
  Variable x = param({1, 2, 3, 1e4, 1e4, -1e4}, {2, 3});
  Variable y = logsumexp(x);
  BOOST_TEST(close(y.value(), {kLse123, 1e4 + std::log(2.0)}, 1e-9));
  y.backward(values({1, 2}, {2}));
  BOOST_TEST(close(x.grad(), {kSoft123[0], kSoft123[1], kSoft123[2], 1, 1, 0}, 1e-12));
}

BOOST_AUTO_TEST_CASE(logsumexp_is_finite_at_plus_and_minus_1e4_in_float32) {
  Variable x = param({1e4, 1e4, -1e4, -1e4}, {2, 2}, Dtype::float32);
  Variable y = logsumexp(x, 1, true);
  BOOST_TEST((y.dtype() == Dtype::float32));
  BOOST_TEST(shape_str(y.shape()) == "(2, 1)");
  BOOST_TEST(close(y.value(), {1e4 + std::log(2.0), -1e4 + std::log(2.0)}, 2e-3));
  y.backward(values({1, 1}, {2, 1}, Dtype::float32));
  BOOST_TEST(close(x.grad(), {0.5, 0.5, 0.5, 0.5}, 1e-6));
}

BOOST_AUTO_TEST_CASE(logsumexp_over_axis0) {
  Variable x = param({1, 0, 2, 0, 3, 0}, {3, 2});
  BOOST_TEST(close(logsumexp(x, 0).value(), {kLse123, std::log(3.0)}, 1e-12));
}

BOOST_AUTO_TEST_CASE(logsumexp_errors) {
  Variable x = param({1, 2, 3}, {3});
  BOOST_CHECK_EXCEPTION(logsumexp(x, 1), ShapeError, mentions("logsumexp", "axis 1", "(3)"));
  Variable empty(Tensor::zeros({2, 0}, Dtype::float64), true);
  BOOST_CHECK_EXCEPTION(logsumexp(empty), ValueError, mentions("logsumexp", "empty", "(2, 0)"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(softmax_family)

BOOST_AUTO_TEST_CASE(softmax_values_and_gradient) {
  Variable x = param({1, 2, 3, 0, 0, 0}, {2, 3});
  Variable y = softmax(x);
  BOOST_TEST(
      close(y.value(), {kSoft123[0], kSoft123[1], kSoft123[2], 1. / 3, 1. / 3, 1. / 3}, 1e-12));
  // seed e_0 on row 0: dx = y (e_0 - y_0)
  y.backward(values({1, 0, 0, 0, 0, 0}, {2, 3}));
  BOOST_TEST(close(x.grad(),
                   {0.08192506906499324, -0.022033044520174298, -0.05989202454481893, 0, 0, 0},
                   1e-12));
}

BOOST_AUTO_TEST_CASE(log_softmax_values_and_gradient) {
  Variable x = param({1, 2, 3}, {1, 3});
  Variable y = log_softmax(x);
  BOOST_TEST(close(y.value(), {1 - kLse123, 2 - kLse123, 3 - kLse123}, 1e-12));
  y.backward(values({1, 0, 0}, {1, 3}));
  BOOST_TEST(close(x.grad(), {1 - kSoft123[0], -kSoft123[1], -kSoft123[2]}, 1e-12));
}

BOOST_AUTO_TEST_CASE(softmax_family_is_finite_at_plus_and_minus_1e4) {
  for (Dtype dt : {Dtype::float32, Dtype::float64}) {
    Variable x = param({1e4, 0, -1e4}, {1, 3}, dt);
    BOOST_TEST(close(softmax(x).value(), {1, 0, 0}, 1e-7));
    BOOST_TEST(close(log_softmax(x).value(), {0, -1e4, -2e4}, 1e-7));
    Variable y = log_softmax(x);
    y.backward(Tensor::full({1, 3}, 1.0, dt));
    BOOST_TEST(close(x.grad(), {-2, 1, 1}, 1e-7));  // g - softmax * sum(g) = 1 - 3 p
  }
}

BOOST_AUTO_TEST_CASE(softmax_along_other_axes) {
  Variable x = param({1, 2, 3}, {3, 1});
  BOOST_TEST(close(softmax(x, 0).value(), kSoft123, 1e-12));
  BOOST_TEST(close(log_softmax(x, -2).value(), {1 - kLse123, 2 - kLse123, 3 - kLse123}, 1e-12));
  // (2, 3, 2) along axis 1: every (i, :, k) line is (1, 2, 3) + a constant
  std::vector<double> v;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 2; ++k) v.push_back(j + 1 + 10 * i - 5 * k);
  Variable t = param(v, {2, 3, 2});
  Variable p = softmax(t, 1);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 2; ++k)
        BOOST_TEST(std::abs(p.value().flat(6 * i + 2 * j + k) - kSoft123[j]) < 1e-12);
}

BOOST_AUTO_TEST_CASE(softmax_errors_name_the_op) {
  Variable s(Tensor::scalar(1.0, Dtype::float64), true);
  BOOST_CHECK_EXCEPTION(softmax(s), ShapeError, mentions("softmax", "axis -1", "()"));
  BOOST_CHECK_EXCEPTION(log_softmax(param({1, 2}, {1, 2}), 2), ShapeError,
                        mentions("log_softmax", "axis 2", "(1, 2)"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(shape_ops)

BOOST_AUTO_TEST_CASE(transpose_2d_and_back) {
  Variable x = param({1, 2, 3, 4, 5, 6}, {2, 3});
  Variable y = transpose(x);
  BOOST_TEST(shape_str(y.shape()) == "(3, 2)");
  BOOST_TEST(close(y.value(), {1, 4, 2, 5, 3, 6}));
  y.backward(values({1, 2, 3, 4, 5, 6}, {3, 2}));
  BOOST_TEST(close(x.grad(), {1, 3, 5, 2, 4, 6}));
}

BOOST_AUTO_TEST_CASE(transpose_with_a_permutation) {
  std::vector<double> v(24);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i);
  Variable x = param(v, {2, 3, 4});
  Variable y = transpose(x, {2, 0, 1});  // y[k, i, j] = x[i, j, k]
  BOOST_TEST(shape_str(y.shape()) == "(4, 2, 3)");
  BOOST_TEST(y.value().flat(1 * 6 + 0 * 3 + 2) == 9.0);   // x[0, 2, 1] = 2 * 4 + 1
  BOOST_TEST(y.value().flat(3 * 6 + 1 * 3 + 1) == 19.0);  // x[1, 1, 3] = 12 + 4 + 3
  y.backward(values(v, {4, 2, 3}));
  // dx[i, j, k] = seed[k, i, j] = 6 k + 3 i + j
  BOOST_TEST(x.grad().flat(0 * 12 + 2 * 4 + 1) == 6.0 + 0 + 2);
  BOOST_TEST(x.grad().flat(1 * 12 + 1 * 4 + 3) == 18.0 + 3 + 1);
}

BOOST_AUTO_TEST_CASE(transpose_errors) {
  Variable x = param(std::vector<double>(24, 1.0), {2, 3, 4});
  BOOST_CHECK_EXCEPTION(transpose(x), ShapeError, mentions("transpose", "2-D", "(2, 3, 4)"));
  BOOST_CHECK_EXCEPTION(transpose(x, {0, 1}), ShapeError,
                        mentions("transpose", "(0, 1)", "(2, 3, 4)"));
  BOOST_CHECK_EXCEPTION(transpose(x, {0, 1, 1}), ShapeError,
                        mentions("transpose", "not a permutation", "(0, 1, 1)"));
}

BOOST_AUTO_TEST_CASE(reshape_keeps_row_major_order) {
  Variable x = param({1, 2, 3, 4, 5, 6}, {2, 3});
  Variable y = reshape(x, {3, 2});
  BOOST_TEST(shape_str(y.shape()) == "(3, 2)");
  BOOST_TEST(close(y.value(), {1, 2, 3, 4, 5, 6}));
  y.backward(values({6, 5, 4, 3, 2, 1}, {3, 2}));
  BOOST_TEST(shape_str(x.grad().shape()) == "(2, 3)");
  BOOST_TEST(close(x.grad(), {6, 5, 4, 3, 2, 1}));
}

BOOST_AUTO_TEST_CASE(reshape_error_names_both_shapes) {
  Variable x = param({1, 2, 3, 4, 5, 6}, {2, 3});
  BOOST_CHECK_EXCEPTION(reshape(x, {4, 2}), ShapeError,
                        mentions("reshape", "x shape (2, 3)", "new shape (4, 2)"));
}

BOOST_AUTO_TEST_CASE(slice_rows_values_and_gradient) {
  Variable x = param({0, 1, 2, 3, 4, 5, 6, 7}, {4, 2});
  Variable y = slice_rows(x, 1, 3);
  BOOST_TEST(shape_str(y.shape()) == "(2, 2)");
  BOOST_TEST(close(y.value(), {2, 3, 4, 5}));
  y.backward(values({1, 2, 3, 4}, {2, 2}));
  BOOST_TEST(close(x.grad(), {0, 0, 1, 2, 3, 4, 0, 0}));
  BOOST_TEST(shape_str(slice_rows(x, 2, 2).shape()) == "(0, 2)");
}

BOOST_AUTO_TEST_CASE(slice_rows_errors_name_range_and_shape) {
  Variable x = param({0, 1, 2, 3, 4, 5, 6, 7}, {4, 2});
  BOOST_CHECK_EXCEPTION(slice_rows(x, 3, 5), ShapeError,
                        mentions("slice_rows", "[3, 5)", "4 rows", "(4, 2)"));
  BOOST_CHECK_EXCEPTION(slice_rows(x, 3, 1), ShapeError, mentions("slice_rows", "[3, 1)"));
  Variable s(Tensor::scalar(1.0, Dtype::float64), true);
  BOOST_CHECK_EXCEPTION(slice_rows(s, 0, 1), ShapeError, mentions("slice_rows", "()"));
}

BOOST_AUTO_TEST_CASE(concatenate_rows_and_columns) {
  Variable a = param({1, 2}, {1, 2});
  Variable b = param({3, 4, 5, 6}, {2, 2});
  Variable rows = concatenate({a, b});
  BOOST_TEST(shape_str(rows.shape()) == "(3, 2)");
  BOOST_TEST(close(rows.value(), {1, 2, 3, 4, 5, 6}));
  rows.backward(values({10, 20, 30, 40, 50, 60}, {3, 2}));
  BOOST_TEST(close(a.grad(), {10, 20}));
  BOOST_TEST(close(b.grad(), {30, 40, 50, 60}));

  Variable c = param({1, 2}, {2, 1});
  Variable cols = concatenate({c, b}, -1);
  BOOST_TEST(shape_str(cols.shape()) == "(2, 3)");
  BOOST_TEST(close(cols.value(), {1, 3, 4, 2, 5, 6}));
  cols.backward(values({1, 2, 3, 4, 5, 6}, {2, 3}));
  BOOST_TEST(close(c.grad(), {1, 4}));
  BOOST_TEST(close(b.grad(), {32, 43, 55, 66}));  // accumulated onto the first backward's
}

BOOST_AUTO_TEST_CASE(concatenate_the_same_variable_twice_sums_both_slices) {
  Variable a = param({1, 2}, {2});
  Variable y = concatenate({a, a});
  BOOST_TEST(close(y.value(), {1, 2, 1, 2}));
  y.backward(values({1, 2, 3, 4}, {4}));
  BOOST_TEST(close(a.grad(), {4, 6}));
}

BOOST_AUTO_TEST_CASE(concatenate_errors_name_the_inputs) {
  Variable a = param({1, 2}, {1, 2});
  Variable b = param({1, 2, 3, 4, 5, 6}, {2, 3});
  BOOST_CHECK_EXCEPTION(concatenate({a, b}), ShapeError,
                        mentions("concatenate", "x[0] shape (1, 2)", "x[1] shape (2, 3)"));
  Variable f = param({1, 2}, {1, 2}, Dtype::float32);
  BOOST_CHECK_EXCEPTION(concatenate({a, f}), TypeError,
                        mentions("concatenate", "x[0] float64", "x[1] float32"));
  BOOST_CHECK_EXCEPTION(concatenate({}), ValueError, mentions("concatenate", "empty"));
  BOOST_CHECK_EXCEPTION(concatenate({a, a}, 2), ShapeError, mentions("concatenate", "axis 2"));
  Variable v = param({1, 2}, {2});
  BOOST_CHECK_EXCEPTION(concatenate({a, v}), ShapeError, mentions("concatenate", "x[1] shape (2)"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(index_ops)

BOOST_AUTO_TEST_CASE(gather_picks_each_rows_label) {
  Variable x = param({1, 2, 3, 4, 5, 6}, {2, 3});
  Variable y = gather(x, {2, 0});
  BOOST_TEST(shape_str(y.shape()) == "(2)");
  BOOST_TEST(close(y.value(), {3, 4}));
  y.backward(values({10, 20}, {2}));
  BOOST_TEST(close(x.grad(), {0, 0, 10, 20, 0, 0}));
}

BOOST_AUTO_TEST_CASE(gather_in_float32) {
  Variable x = param({1, 2, 3, 4}, {2, 2}, Dtype::float32);
  Variable y = gather(x, {1, 1});
  BOOST_TEST((y.dtype() == Dtype::float32));
  BOOST_TEST(close(y.value(), {2, 4}));
}

BOOST_AUTO_TEST_CASE(gather_errors_name_the_label) {
  Variable x = param({1, 2, 3, 4, 5, 6}, {2, 3});
  BOOST_CHECK_EXCEPTION(gather(x, {0, 3}), ValueError,
                        mentions("gather", "y[1] = 3", "[0, 3)", "(2, 3)"));
  BOOST_CHECK_EXCEPTION(gather(x, {-1, 0}), ValueError, mentions("gather", "y[0] = -1"));
  BOOST_CHECK_EXCEPTION(gather(x, {0, 1, 2}), ValueError,
                        mentions("gather", "3 labels for 2 rows", "(2, 3)"));
  BOOST_CHECK_EXCEPTION(gather(param({1, 2, 3}, {3}), {0, 1, 2}), ShapeError,
                        mentions("gather", "2-D", "(3)"));
}

BOOST_AUTO_TEST_CASE(one_hot_rows) {
  Variable h = one_hot({2, 0, 1}, 3, Dtype::float32);
  BOOST_TEST((h.dtype() == Dtype::float32));
  BOOST_TEST(shape_str(h.shape()) == "(3, 3)");
  BOOST_TEST(!h.requires_grad());
  BOOST_TEST(close(h.value(), {0, 0, 1, 1, 0, 0, 0, 1, 0}));
  BOOST_TEST(shape_str(one_hot({}, 4).shape()) == "(0, 4)");
  BOOST_TEST(op_registry().find("one_hot") == nullptr);  // a constant, not an op
}

BOOST_AUTO_TEST_CASE(one_hot_errors_name_the_label) {
  BOOST_CHECK_EXCEPTION(one_hot({0, 3}, 3), ValueError, mentions("one_hot", "y[1] = 3", "[0, 3)"));
  BOOST_CHECK_EXCEPTION(one_hot({-2}, 3), ValueError, mentions("one_hot", "y[0] = -2"));
}

BOOST_AUTO_TEST_CASE(gather_of_log_softmax_is_the_cross_entropy) {
  // The lecture's softmax loss, composed: -log p_y for scores (1, 2, 3) and label 0.
  Variable s = param({1, 2, 3}, {1, 3});
  Variable loss = mean(gather(log_softmax(s), {0})) * -1.0;
  BOOST_TEST(close(loss.value(), {kLse123 - 1}, 1e-12));
  loss.backward();
  BOOST_TEST(close(s.grad(), {kSoft123[0] - 1, kSoft123[1], kSoft123[2]}, 1e-12));
}

BOOST_AUTO_TEST_SUITE_END()
