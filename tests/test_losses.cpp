// SPDX-License-Identifier: MIT
// The fused loss nodes, each checked three ways: against the same loss composed from primitive
// ops, against central finite differences (slope::gradcheck, float64), and against hand-computed
// values (the lecture's worked examples). Then sanity checks, reductions and bad input.
#define BOOST_TEST_MODULE losses
#include <cmath>
#include <limits>

#include "support/checks.hpp"

using namespace slope;

namespace {

// The lecture's three images (rows) scored on cat, car, frog (columns); correct classes cat, car,
// frog.
Tensor lecture_scores(Dtype dtype = Dtype::float64) {
  return Tensor::from_vector({3.2, 5.1, -1.7, 1.3, 4.9, 2.0, 2.2, 2.5, -3.1}, {3, 3}, dtype);
}
const Labels kLectureLabels{0, 1, 2};

Variable reduce(const Variable& per_example, Reduction r) {
  if (r == Reduction::mean) return mean(per_example);
  if (r == Reduction::sum) return sum(per_example);
  return per_example;
}

// The composed twins: the same losses from primitive ops (no fused node).
Variable svm_composed(const Variable& s, const Labels& y, double delta, Reduction r,
                      bool squared = false) {
  const std::size_t n = s.shape()[0], c = s.shape()[1];
  Variable correct = reshape(gather(s, y), {n, 1});  // [N] -> [N, 1]: s_iy_i
  Variable margins = relu(s - correct + delta);      // [N, C]
  if (squared) margins = square(margins);
  Variable others = 1.0 - one_hot(y, c, s.dtype());  // [N, C]: 0 at each row's label
  return reduce(sum(margins * others, {1}), r);      // [N]
}

Variable softmax_composed(const Variable& s, const Labels& y, Reduction r) {
  return reduce(logsumexp(s, 1) - gather(s, y), r);
}

using LossFn = std::function<Variable(const Variable&)>;

// Value and gradient (for a random upstream gradient) of fused and composed agree.
void check_against_twin(const LossFn& fused, const LossFn& composed, const Tensor& scores,
                        double tol = 1e-12) {
  Variable a(scores, true), b(scores, true);
  Variable fa = fused(a), fb = composed(b);
  BOOST_TEST_REQUIRE((fa.shape() == fb.shape()));
  BOOST_TEST(std::string(fa.op()) != std::string(fb.op()));  // really two different graphs
  BOOST_TEST(test::close(fa.value(), fb.value().to_vector(), tol));
  const Tensor seed = randn(fa.shape(), 99, fa.dtype());
  fa.backward(seed);
  fb.backward(seed);
  BOOST_TEST(test::close(a.grad(), b.grad().to_vector(), tol));
}

void check_gradcheck(const LossFn& f, const Tensor& scores, const std::string& label) {
  const auto r = gradcheck([&f](const Inputs& in) { return f(in[0]); }, {scores}, {}, label);
  BOOST_TEST(r.ok, r.summary());
}

// Random scores [N, C] whose hinge margins stay at least 0.3 from the kink (see the registry).
Tensor kink_free_scores(std::size_t n, std::size_t c, const Labels& y, double delta,
                        std::uint64_t seed) {
  Tensor s = randn({n, c}, seed);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < c; ++j) {
      const double m = s.flat(i * c + j) - s.flat(i * c + static_cast<std::size_t>(y[i])) + delta;
      if (j != static_cast<std::size_t>(y[i]) && std::abs(m) < 0.3)
        s.set_flat(i * c + j, s.flat(i * c + j) + 0.6);
    }
  return s;
}

const Labels kLabels{2, 0, 3, 3, 1};  // five rows, four classes
constexpr Reduction kReductions[] = {Reduction::mean, Reduction::sum, Reduction::none};
const char* name(Reduction r) {
  return r == Reduction::mean ? "mean" : r == Reduction::sum ? "sum" : "none";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(losses)

// ---- multiclass SVM ----

BOOST_AUTO_TEST_CASE(svm_reproduces_the_lecture_per_example_losses) {
  Variable s(lecture_scores());
  BOOST_TEST(test::close(multiclass_svm(s, kLectureLabels, 1.0, Reduction::none).value(),
                         {2.9, 0.0, 12.9}, 1e-12));
  BOOST_TEST(
      test::close(multiclass_svm(s, kLectureLabels, 1.0, Reduction::sum).value(), {15.8}, 1e-12));
  const Variable mean_loss = multiclass_svm(s, kLectureLabels);  // mean is the default
  BOOST_TEST(test::close(mean_loss.value(), {15.8 / 3}, 1e-12));
  BOOST_TEST(std::abs(mean_loss.item() - 5.27) < 0.005);  // the slide's rounding
  BOOST_TEST((mean_loss.shape() == Shape{}));
}

BOOST_AUTO_TEST_CASE(svm_gradient_by_hand_on_the_lecture_example) {
  // Row cat: only car's margin (2.9) is positive: +1 on car, -1 on cat. Row car: none.
  // Row frog: both margins (6.3, 6.6) positive: +1 on cat and car, -2 on frog. Mean: / 3.
  const std::vector<double> counts{-1, 1, 0, 0, 0, 0, 1, 1, -2};
  for (Reduction r : kReductions) {
    BOOST_TEST_CONTEXT("reduction " << name(r)) {
      Variable s(lecture_scores(), true);
      Variable loss = multiclass_svm(s, kLectureLabels, 1.0, r);
      if (r == Reduction::none)
        loss.backward(Tensor::from_vector({1.0, 10.0, 100.0}, {3}));
      else
        loss.backward();
      std::vector<double> want = counts;
      for (std::size_t k = 0; k < want.size(); ++k)
        want[k] *= r == Reduction::mean ? 1.0 / 3 : r == Reduction::sum ? 1.0 : std::pow(10, k / 3);
      BOOST_TEST(test::close(s.grad(), want, 1e-12));
    }
  }
}

BOOST_AUTO_TEST_CASE(svm_matches_its_composed_twin_for_every_reduction) {
  for (Reduction r : kReductions)
    for (double delta : {1.0, 0.5, 3.0}) {
      BOOST_TEST_CONTEXT("reduction " << name(r) << ", delta " << delta) {
        const Tensor s = kink_free_scores(5, 4, kLabels, delta, 7);
        check_against_twin([&](const Variable& v) { return multiclass_svm(v, kLabels, delta, r); },
                           [&](const Variable& v) { return svm_composed(v, kLabels, delta, r); },
                           s);
      }
    }
}

BOOST_AUTO_TEST_CASE(svm_passes_finite_differences) {
  for (Reduction r : kReductions) {
    const Tensor s = kink_free_scores(5, 4, kLabels, 1.0, 11);
    check_gradcheck([&](const Variable& v) { return multiclass_svm(v, kLabels, 1.0, r); }, s,
                    std::string("multiclass_svm/") + name(r));
  }
}

BOOST_AUTO_TEST_CASE(squared_hinge_by_hand_twin_and_finite_differences) {
  Variable s(lecture_scores(), true);
  Variable loss = squared_hinge(s, kLectureLabels, 1.0, Reduction::none);
  // 2.9^2; 0; 6.3^2 + 6.6^2.
  BOOST_TEST(test::close(loss.value(), {2.9 * 2.9, 0.0, 6.3 * 6.3 + 6.6 * 6.6}, 1e-12));
  loss.backward(Tensor::from_vector({1.0, 1.0, 1.0}, {3}));
  BOOST_TEST(
      test::close(s.grad(), {-5.8, 5.8, 0, 0, 0, 0, 2 * 6.3, 2 * 6.6, -2 * (6.3 + 6.6)}, 1e-12));
  BOOST_TEST(std::string(loss.op()) == "squared_hinge");
  for (Reduction r : kReductions) {
    BOOST_TEST_CONTEXT("reduction " << name(r)) {
      const Tensor sc = kink_free_scores(5, 4, kLabels, 1.0, 13);
      auto fused = [&](const Variable& v) { return squared_hinge(v, kLabels, 1.0, r); };
      check_against_twin(
          fused,
          [&](const Variable& v) { return svm_composed(v, kLabels, 1.0, r, /*squared=*/true); },
          sc);
      check_gradcheck(fused, sc, std::string("squared_hinge/") + name(r));
    }
  }
}

BOOST_AUTO_TEST_CASE(svm_kink_takes_subgradient_zero_and_is_recorded) {
  // Row 0: car's margin is exactly 0 (2 - 3 + 1); frog's is 0.5.
  Variable s(Tensor::from_vector({3.0, 2.0, 2.5}, {1, 3}), true);
  BranchRecordingGuard recording;
  Variable loss = multiclass_svm(s, {0});
  BOOST_TEST(test::close(loss.value(), {0.5}, 1e-12));
  BOOST_TEST(loss.node()->branches.at_kink == 1u);
  loss.backward();
  BOOST_TEST(test::close(s.grad(), {-1, 0, 1}, 1e-12));
  // Crossing the kink changes the recorded branch pattern.
  Variable moved(Tensor::from_vector({3.0, 2.1, 2.5}, {1, 3}), true);
  Variable after = multiclass_svm(moved, {0});
  BOOST_TEST(after.node()->branches.at_kink == 0u);
  BOOST_TEST(after.node()->branches.hash != loss.node()->branches.hash);
}

BOOST_AUTO_TEST_CASE(svm_records_nothing_unless_asked) {
  Variable s(Tensor::from_vector({3.0, 2.0, 2.5}, {1, 3}), true);
  Variable loss = multiclass_svm(s, {0});
  BOOST_TEST(loss.node()->branches.hash == 0u);
}

// ---- softmax cross-entropy ----

BOOST_AUTO_TEST_CASE(softmax_reproduces_the_lecture_cat_example) {
  const Tensor cat = Tensor::from_vector({3.2, 5.1, -1.7}, {1, 3});
  const Tensor p = class_probabilities(cat);
  const double total = std::exp(3.2) + std::exp(5.1) + std::exp(-1.7);
  BOOST_TEST(test::close(p, {std::exp(3.2) / total, std::exp(5.1) / total, std::exp(-1.7) / total},
                         1e-15));
  BOOST_TEST(std::abs(p.flat(0) - 0.13) < 0.005);
  const Variable loss = softmax_cross_entropy(Variable(cat), {0});
  BOOST_TEST(test::close(loss.value(), {std::log(total) - 3.2}, 1e-12));
  BOOST_TEST(std::abs(loss.item() - 2.04) < 0.005);  // natural log
  // The slide's 0.89 is the same quantity in log base 10.
  BOOST_TEST(std::abs(loss.item() / std::log(10.0) - 0.89) < 0.005);
}

BOOST_AUTO_TEST_CASE(softmax_gradient_by_hand_is_p_minus_onehot) {
  for (Reduction r : kReductions) {
    BOOST_TEST_CONTEXT("reduction " << name(r)) {
      Variable s(lecture_scores(), true);
      Variable loss = softmax_cross_entropy(s, kLectureLabels, r);
      if (r == Reduction::none)
        loss.backward(Tensor::from_vector({1.0, 10.0, 100.0}, {3}));
      else
        loss.backward();
      const Tensor p = class_probabilities(lecture_scores());
      std::vector<double> want(9);
      for (std::size_t k = 0; k < 9; ++k) {
        const double d = p.flat(k) - (k % 3 == static_cast<std::size_t>(kLectureLabels[k / 3]));
        want[k] = d * (r == Reduction::mean  ? 1.0 / 3
                       : r == Reduction::sum ? 1.0
                                             : std::pow(10, k / 3));
      }
      BOOST_TEST(test::close(s.grad(), want, 1e-12));
    }
  }
}

BOOST_AUTO_TEST_CASE(softmax_matches_its_composed_twin_for_every_reduction) {
  for (Reduction r : kReductions) {
    BOOST_TEST_CONTEXT("reduction " << name(r)) {
      check_against_twin([&](const Variable& v) { return softmax_cross_entropy(v, kLabels, r); },
                         [&](const Variable& v) { return softmax_composed(v, kLabels, r); },
                         randn({5, 4}, 17, Dtype::float64, 3.0));
    }
  }
}

BOOST_AUTO_TEST_CASE(softmax_passes_finite_differences) {
  for (Reduction r : kReductions)
    check_gradcheck([&](const Variable& v) { return softmax_cross_entropy(v, kLabels, r); },
                    randn({5, 4}, 19), std::string("softmax_cross_entropy/") + name(r));
}

BOOST_AUTO_TEST_CASE(softmax_is_finite_and_exact_at_scores_of_1e4) {
  for (Dtype dtype : {Dtype::float64, Dtype::float32}) {
    BOOST_TEST_CONTEXT(dtype_name(dtype)) {
      Variable s(Tensor::from_vector({1e4, -1e4, 0, -1e4, 1e4, 0}, {2, 3}, dtype), true);
      Variable loss = softmax_cross_entropy(s, {0, 0}, Reduction::none);
      BOOST_TEST(test::close(loss.value(), {0.0, 2e4}, 0.0));  // log(1 + tiny) = 0, exactly
      Variable total = softmax_cross_entropy(s, {0, 0});
      BOOST_TEST(test::close(total.value(), {1e4}, 0.0));
      total.backward();
      BOOST_TEST(test::close(s.grad(), {0, 0, 0, -0.5, 0.5, 0}, 0.0));
      const Tensor p = class_probabilities(s.value());
      BOOST_TEST(test::close(p, {1, 0, 0, 0, 1, 0}, 0.0));
    }
  }
}

BOOST_AUTO_TEST_CASE(svm_is_finite_at_scores_of_1e4) {
  Variable s(Tensor::from_vector({1e4, -1e4, 0}, {1, 3}), true);
  BOOST_TEST(test::close(multiclass_svm(s, {1}).value(), {(2e4 + 1) + (1e4 + 1)}, 0.0));
}

BOOST_AUTO_TEST_CASE(class_probabilities_rows_sum_to_one) {
  const Tensor s = randn({6, 5}, 23, Dtype::float32, 10.0);
  const Tensor p = class_probabilities(s);
  BOOST_TEST((p.dtype() == Dtype::float32));
  for (std::size_t i = 0; i < 6; ++i) {
    double total = 0;
    for (std::size_t j = 0; j < 5; ++j) total += p.flat(i * 5 + j);
    BOOST_TEST(std::abs(total - 1.0) < 1e-6);
  }
}

// ---- the lecture's sanity checks ----

BOOST_AUTO_TEST_CASE(scores_near_zero_give_c_minus_one_and_log_c) {
  const std::size_t n = 8, c = 10;
  Labels y(n);
  for (std::size_t i = 0; i < n; ++i) y[i] = static_cast<std::int64_t>(i % c);
  Variable zeros(Tensor::zeros({n, c}, Dtype::float64));
  BOOST_TEST(test::close(multiclass_svm(zeros, y).value(), {double(c - 1)}, 1e-12));
  BOOST_TEST(test::close(softmax_cross_entropy(zeros, y).value(), {std::log(double(c))}, 1e-12));
  // "About 0": small random weights, as at the first step of training.
  Variable small(randn({n, c}, 29, Dtype::float64, 1e-4));
  BOOST_TEST(std::abs(multiclass_svm(small, y).item() - double(c - 1)) < 1e-2);
  BOOST_TEST(std::abs(softmax_cross_entropy(small, y).item() - std::log(double(c))) < 1e-3);
}

BOOST_AUTO_TEST_CASE(doubling_a_w_with_zero_svm_loss_keeps_it_zero) {
  // x W scores each example's class highest by more than the margin: loss 0. So is 2W's: W is
  // not unique, which is why a regularizer is needed to choose.
  Variable x(
      Tensor::from_vector({1.0, 0.2, 0.1, 0.1, 1.0, 0.3, 0.2, 0.1, 1.0, 0.9, 0.3, 0.2}, {4, 3}));
  const Labels y{0, 1, 2, 0};
  Variable w(Tensor::from_vector({3, 0, 0, 0, 3, 0, 0, 0, 3}, {3, 3}));
  BOOST_TEST(multiclass_svm(matmul(x, w), y).item() == 0.0);
  BOOST_TEST(multiclass_svm(matmul(x, w * 2.0), y).item() == 0.0);
  // ... while the regularizer tells them apart, and the softmax loss still prefers the larger W.
  BOOST_TEST(l2(w * 2.0).item() == 4 * l2(w).item());
  BOOST_TEST(softmax_cross_entropy(matmul(x, w * 2.0), y).item() <
             softmax_cross_entropy(matmul(x, w), y).item());
}

// ---- a whole objective, float32, accumulation ----

BOOST_AUTO_TEST_CASE(objective_gradient_is_xt_p_minus_y_over_n_plus_2_lambda_w) {
  const Tensor xs = randn({6, 4}, 31);
  const Labels y{0, 2, 1, 2, 0, 1};
  const double lambda = 0.1;
  auto objective = [&](const Inputs& in) {
    return softmax_cross_entropy(matmul(Variable(xs), in[0]), y) + l2(in[0], lambda);
  };
  const Tensor w0 = randn({4, 3}, 37);
  const auto r = gradcheck(objective, {w0}, {}, "softmax + l2");
  BOOST_TEST(r.ok, r.summary());
  Variable w(w0, true);
  objective({w}).backward();
  // By hand: dW = x^T (P - Y) / N + 2 lambda W.
  Tensor p = class_probabilities(matmul(Variable(xs), Variable(w0)).value());
  std::vector<double> want(12, 0.0);
  for (std::size_t d = 0; d < 4; ++d)
    for (std::size_t k = 0; k < 3; ++k) {
      for (std::size_t i = 0; i < 6; ++i)
        want[d * 3 + k] +=
            xs.flat(i * 4 + d) * (p.flat(i * 3 + k) - (k == static_cast<std::size_t>(y[i]))) / 6.0;
      want[d * 3 + k] += 2 * lambda * w0.flat(d * 3 + k);
    }
  BOOST_TEST(test::close(w.grad(), want, 1e-12));
}

BOOST_AUTO_TEST_CASE(float32_agrees_with_float64) {
  for (Reduction r : kReductions) {
    const Tensor s64 = kink_free_scores(5, 4, kLabels, 1.0, 41);
    Variable a(s64.to(Dtype::float32), true), b(s64, true);
    for (int which = 0; which < 2; ++which) {
      BOOST_TEST_CONTEXT((which ? "softmax " : "svm ") << name(r)) {
        a.zero_grad();
        b.zero_grad();
        Variable la =
            which ? softmax_cross_entropy(a, kLabels, r) : multiclass_svm(a, kLabels, 1, r);
        Variable lb =
            which ? softmax_cross_entropy(b, kLabels, r) : multiclass_svm(b, kLabels, 1, r);
        BOOST_TEST((la.dtype() == Dtype::float32));
        BOOST_TEST(test::close(la.value(), lb.value().to_vector(), 1e-5));
        const Tensor seed = Tensor::full(lb.shape(), 1.0, Dtype::float64);
        la.backward(seed.to(Dtype::float32));
        lb.backward(seed);
        BOOST_TEST((a.grad().dtype() == Dtype::float32));
        BOOST_TEST(test::close(a.grad(), b.grad().to_vector(), 1e-6));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(gradients_accumulate_into_an_existing_gradient) {
  for (int which = 0; which < 3; ++which) {
    BOOST_TEST_CONTEXT("loss " << which) {
      Variable s(kink_free_scores(5, 4, kLabels, 1.0, 43), true);
      Variable loss = which == 0   ? multiclass_svm(s, kLabels)
                      : which == 1 ? squared_hinge(s, kLabels)
                                   : softmax_cross_entropy(s, kLabels);
      loss.backward(BackwardOptions{true});
      const std::vector<double> once = s.grad().to_vector();
      loss.backward();  // adds to the existing gradient
      std::vector<double> twice = once;
      for (double& v : twice) v *= 2;
      BOOST_TEST(test::close(s.grad(), twice, 1e-12));
    }
  }
}

BOOST_AUTO_TEST_CASE(replay_reruns_with_the_same_labels_and_attributes) {
  Variable s(lecture_scores(), true);
  Variable loss = multiclass_svm(s, kLectureLabels, 2.0, Reduction::sum);
  Variable again = loss.node()->replay({s});
  BOOST_TEST(test::close(again.value(), loss.value().to_vector(), 0.0));
  Variable ce = softmax_cross_entropy(s, kLectureLabels, Reduction::none);
  BOOST_TEST(test::close(ce.node()->replay({s}).value(), ce.value().to_vector(), 0.0));
}

// ---- bad input ----

BOOST_AUTO_TEST_CASE(labels_of_the_wrong_length_are_named) {
  Variable s(lecture_scores());
  BOOST_CHECK_EXCEPTION(multiclass_svm(s, {0, 1}), ValueError,
                        test::mentions("multiclass_svm", "2 labels for 3 rows", "(3, 3)"));
  BOOST_CHECK_EXCEPTION(softmax_cross_entropy(s, {0, 1, 2, 0}), ValueError,
                        test::mentions("softmax_cross_entropy", "labels size 4", "(3, 3)"));
}

BOOST_AUTO_TEST_CASE(labels_out_of_range_name_index_and_value) {
  Variable s(lecture_scores());
  BOOST_CHECK_EXCEPTION(multiclass_svm(s, {0, -1, 2}), ValueError,
                        test::mentions("multiclass_svm", "y[1] = -1", "[0, 3)"));
  BOOST_CHECK_EXCEPTION(squared_hinge(s, {0, 1, 3}), ValueError,
                        test::mentions("squared_hinge", "y[2] = 3", "[0, 3)"));
  BOOST_CHECK_EXCEPTION(softmax_cross_entropy(s, {7, 1, 2}), ValueError,
                        test::mentions("softmax_cross_entropy", "y[0] = 7", "(3, 3)"));
}

BOOST_AUTO_TEST_CASE(scores_must_be_two_dimensional) {
  Variable v(Tensor::from_vector({1, 2, 3}, {3}));
  BOOST_CHECK_EXCEPTION(multiclass_svm(v, {0, 1, 2}), ShapeError,
                        test::mentions("multiclass_svm", "2-D", "(3)"));
  Variable t(Tensor::zeros({2, 3, 4}, Dtype::float64));
  BOOST_CHECK_EXCEPTION(softmax_cross_entropy(t, {0, 1}), ShapeError,
                        test::mentions("softmax_cross_entropy", "2-D", "(2, 3, 4)"));
  BOOST_CHECK_EXCEPTION(class_probabilities(v.value()), ShapeError,
                        test::mentions("class_probabilities", "(3)"));
}

BOOST_AUTO_TEST_CASE(an_empty_batch_is_refused) {
  Variable none(Tensor::zeros({0, 3}, Dtype::float64));
  BOOST_CHECK_EXCEPTION(multiclass_svm(none, {}), ValueError,
                        test::mentions("multiclass_svm", "batch is empty", "(0, 3)"));
  BOOST_CHECK_EXCEPTION(softmax_cross_entropy(none, {}), ValueError,
                        test::mentions("softmax_cross_entropy", "batch is empty", "(0, 3)"));
  Variable no_classes(Tensor::zeros({2, 0}, Dtype::float64));
  BOOST_CHECK_EXCEPTION(softmax_cross_entropy(no_classes, {0, 0}), ValueError,
                        test::mentions("softmax_cross_entropy", "no classes", "(2, 0)"));
  BOOST_CHECK_EXCEPTION(class_probabilities(none.value()), ValueError,
                        test::mentions("class_probabilities", "(0, 3)"));
}

BOOST_AUTO_TEST_CASE(a_negative_or_nan_margin_is_refused) {
  Variable s(lecture_scores());
  BOOST_CHECK_EXCEPTION(multiclass_svm(s, kLectureLabels, -1.0), ValueError,
                        test::mentions("multiclass_svm", "delta", "-1"));
  BOOST_CHECK_EXCEPTION(squared_hinge(s, kLectureLabels, std::nan("")), ValueError,
                        test::mentions("squared_hinge", "delta", "nan"));
  BOOST_CHECK_EXCEPTION(multiclass_svm(s, kLectureLabels, std::numeric_limits<double>::infinity()),
                        ValueError, test::mentions("multiclass_svm", "delta", "inf"));
  BOOST_TEST(multiclass_svm(s, kLectureLabels, 0.0).item() >= 0.0);  // delta 0 is allowed
}

BOOST_AUTO_TEST_SUITE_END()
