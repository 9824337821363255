// SPDX-License-Identifier: MIT
// Classification metrics and evaluate(): values by hand, and evaluation in bounded batches.
#define BOOST_TEST_MODULE nn_metrics
#include <cmath>
#include <limits>

#include "support/checks.hpp"

using namespace slope;
using test::mentions;
using test::values;

BOOST_AUTO_TEST_SUITE(nn_metrics)

BOOST_AUTO_TEST_CASE(argmax_takes_the_first_of_ties_and_nan_wins) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor s = values({1, 3, 3, 0, -1, -2, 5, nan, 9}, {3, 3});
  const Labels want{1, 0, 1};
  BOOST_TEST(nn::argmax(s) == want, boost::test_tools::per_element());
  BOOST_CHECK_EXCEPTION(nn::argmax(values({1, 2}, {2})), ShapeError, mentions("argmax"));
}

BOOST_AUTO_TEST_CASE(accuracy_counts_rows_whose_argmax_is_the_label) {
  const Tensor s = values({1, 3, 3, 0, -1, -2, 5, 1, 9}, {3, 3});
  BOOST_TEST(nn::accuracy(s, {1, 0, 0}) == 2.0 / 3.0);
  BOOST_CHECK_EXCEPTION(nn::accuracy(s, {1, 0}), ValueError, mentions("2 labels", "(3, 3)"));
  BOOST_CHECK_EXCEPTION(nn::accuracy(s, {1, 0, 3}), ValueError, mentions("accuracy", "3"));
}

BOOST_AUTO_TEST_CASE(confusion_matrix_counts_truth_by_prediction) {
  const nn::ConfusionMatrix m = nn::confusion_matrix({0, 1, 1, 2, 2, 2}, {0, 1, 2, 2, 2, 1}, 3);
  BOOST_TEST(m.at(0, 0) == 1u);
  BOOST_TEST(m.at(1, 1) == 1u);
  BOOST_TEST(m.at(1, 2) == 1u);
  BOOST_TEST(m.at(2, 1) == 1u);
  BOOST_TEST(m.at(2, 2) == 2u);
  const auto per = nn::per_class_accuracy(m);
  BOOST_TEST(per[0] == 1.0);
  BOOST_TEST(per[1] == 0.5);
  BOOST_TEST(per[2] == 2.0 / 3.0);
  BOOST_TEST(std::isnan(nn::per_class_accuracy(nn::confusion_matrix({0}, {0}, 2))[1]));
  BOOST_CHECK_EXCEPTION(nn::confusion_matrix({0}, {0, 1}, 2), ValueError,
                        mentions("1 predictions", "2 labels"));
}

BOOST_AUTO_TEST_CASE(evaluate_matches_one_pass_in_any_batch_size_and_restores_the_mode) {
  nn::Sequential net{std::make_shared<nn::Linear>(6, 4, nn::LinearOptions{true, 3}),
                     std::make_shared<nn::Dropout>(0.5, 1)};
  Dataset d;
  d.x = randn({50, 6}, 2, Dtype::float32);
  for (std::size_t i = 0; i < 50; ++i) d.y.push_back(std::int64_t(i % 4));
  net.eval();
  const Variable scores = net(Variable(d.x));
  const double want_loss = softmax_cross_entropy(scores, d.y).item();
  const double want_acc = nn::accuracy(scores.value(), d.y);
  net.train();
  for (std::size_t batch : {1u, 7u, 50u, 1000u}) {
    const nn::Evaluation e = nn::evaluate(net, d, batch);
    BOOST_TEST(e.accuracy == want_acc);
    BOOST_TEST(e.loss == want_loss, boost::test_tools::tolerance(1e-5));
    BOOST_TEST(e.examples == 50u);
  }
  BOOST_TEST(net.training());
  BOOST_CHECK_EXCEPTION(nn::evaluate(net, d, 0), ValueError, mentions("batch_size"));
  BOOST_CHECK_EXCEPTION(nn::evaluate(net, Dataset{}, 10), ValueError, mentions("empty"));
}

BOOST_AUTO_TEST_SUITE_END()
