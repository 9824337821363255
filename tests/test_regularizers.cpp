// SPDX-License-Identifier: MIT
// The regularizer nodes, each checked three ways: against the same penalty composed from
// primitive ops, against central finite differences (slope::gradcheck, float64), and against
// hand-computed values. Then conventions, parameter lists, kinks and bad input.
#define BOOST_TEST_MODULE regularizers
#include <cmath>
#include <limits>

#include "support/checks.hpp"

using namespace slope;

namespace {

// W = [[1, -2], [3, 0]]: sum W^2 = 14, sum |W| = 6, sign W = [1, -1, 1, 0].
Tensor small_w(Dtype dtype = Dtype::float64) {
  return Tensor::from_vector({1, -2, 3, 0}, {2, 2}, dtype);
}

// Value and gradients of fused and composed agree (every input).
void check_against_twin(const OpFn& fused, const OpFn& composed,
                        const std::vector<Tensor>& params) {
  Inputs a, b;
  for (const auto& p : params) {
    a.emplace_back(p, true);
    b.emplace_back(p, true);
  }
  Variable fa = fused(a), fb = composed(b);
  BOOST_TEST(test::close(fa.value(), {fb.item()}, 1e-12));
  fa.backward();
  fb.backward();
  for (std::size_t k = 0; k < params.size(); ++k)
    BOOST_TEST(test::close(a[k].grad(), b[k].grad().to_vector(), 1e-12), "param " << k);
}

void check_gradcheck(const OpFn& f, const std::vector<Tensor>& params, const std::string& label) {
  const auto r = gradcheck(f, params, {}, label);
  BOOST_TEST(r.ok, r.summary());
}

// Values in [0.2, 2] with alternating signs: away from the kink of |w| at 0.
Tensor nonzero(const Shape& shape, std::uint64_t seed) {
  Tensor t = uniform(shape, 0.2, 2.0, seed);
  for (std::size_t i = 0; i < t.size(); i += 2) t.set_flat(i, -t.flat(i));
  return t;
}

std::vector<double> scaled(std::vector<double> v, double s) {
  for (double& x : v) x *= s;
  return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(regularizers)

// ---- by hand ----

BOOST_AUTO_TEST_CASE(l2_is_lambda_sum_of_squares_with_gradient_2_lambda_w) {
  Variable w(small_w(), true);
  Variable r = l2(w);
  BOOST_TEST(std::string(r.op()) == "l2");
  BOOST_TEST((r.shape() == Shape{}));
  BOOST_TEST(test::close(r.value(), {14.0}, 1e-12));
  r.backward();
  BOOST_TEST(test::close(w.grad(), {2, -4, 6, 0}, 1e-12));
  w.zero_grad();
  Variable r3 = l2(w, 0.3);
  BOOST_TEST(test::close(r3.value(), {0.3 * 14}, 1e-12));
  r3.backward();
  BOOST_TEST(test::close(w.grad(), {0.6, -1.2, 1.8, 0}, 1e-12));
}

BOOST_AUTO_TEST_CASE(the_half_lambda_convention_is_l2_of_half_lambda) {
  // 0.5 * lambda * sum W^2 has gradient lambda W.
  const double lambda = 0.8;
  Variable w(small_w(), true);
  Variable r = l2(w, 0.5 * lambda);
  BOOST_TEST(test::close(r.value(), {0.5 * lambda * 14}, 1e-12));
  r.backward();
  BOOST_TEST(test::close(w.grad(), scaled({1, -2, 3, 0}, lambda), 1e-12));
  // ... and `lambda * l2(W)` (one more node) is the same as l2(W, lambda).
  Variable v(small_w(), true);
  Variable r2 = (0.5 * lambda) * l2(v);
  BOOST_TEST(test::close(r2.value(), {r.item()}, 1e-12));
  r2.backward();
  BOOST_TEST(test::close(v.grad(), w.grad().to_vector(), 1e-12));
}

BOOST_AUTO_TEST_CASE(l1_is_lambda_sum_of_abs_with_subgradient_zero_at_zero) {
  Variable w(small_w(), true);
  Variable r = l1(w, 2.0);
  BOOST_TEST(std::string(r.op()) == "l1");
  BOOST_TEST(test::close(r.value(), {12.0}, 1e-12));
  r.backward();
  BOOST_TEST(test::close(w.grad(), {2, -2, 2, 0}, 1e-12));  // 0 at the kink w = 0
}

BOOST_AUTO_TEST_CASE(elastic_net_is_beta_l2_plus_l1) {
  Variable w(small_w(), true);
  Variable r = elastic_net(w, 0.5);
  BOOST_TEST(std::string(r.op()) == "elastic_net");
  BOOST_TEST(test::close(r.value(), {0.5 * 14 + 6}, 1e-12));
  r.backward();
  // 2 beta w + sign(w) = w + sign(w).
  BOOST_TEST(test::close(w.grad(), {2, -3, 4, 0}, 1e-12));
  w.zero_grad();
  Variable r2 = elastic_net(w, 0.5, 0.1);
  BOOST_TEST(test::close(r2.value(), {0.1 * 13}, 1e-12));
  r2.backward();
  BOOST_TEST(test::close(w.grad(), {0.2, -0.3, 0.4, 0}, 1e-12));
  // beta = 0 is plain l1.
  BOOST_TEST(elastic_net(Variable(small_w()), 0.0).item() == l1(Variable(small_w())).item());
}

// ---- against the composed twins ----

BOOST_AUTO_TEST_CASE(each_matches_its_composed_twin) {
  const std::vector<Tensor> one{randn({3, 4}, 5)};
  check_against_twin([](const Inputs& in) { return l2(in[0], 0.7); },
                     [](const Inputs& in) { return 0.7 * sum(square(in[0])); }, one);
  check_against_twin([](const Inputs& in) { return l1(in[0], 0.7); },
                     [](const Inputs& in) { return 0.7 * sum(abs(in[0])); }, one);
  check_against_twin(
      [](const Inputs& in) { return elastic_net(in[0], 0.3, 0.7); },
      [](const Inputs& in) { return 0.7 * (0.3 * sum(square(in[0])) + sum(abs(in[0]))); }, one);
  // At the kink both give the subgradient 0.
  check_against_twin([](const Inputs& in) { return l1(in[0]); },
                     [](const Inputs& in) { return sum(abs(in[0])); }, {small_w()});
}

BOOST_AUTO_TEST_CASE(a_list_is_the_sum_over_its_parameters) {
  const std::vector<Tensor> params{randn({3, 4}, 7), randn({4}, 8), randn({2, 2, 2}, 9)};
  check_against_twin([](const Inputs& in) { return l2(in, 0.5); },
                     [](const Inputs& in) {
                       return 0.5 * (sum(square(in[0])) + sum(square(in[1])) + sum(square(in[2])));
                     },
                     params);
  check_against_twin(
      [](const Inputs& in) { return l1(in); },
      [](const Inputs& in) { return sum(abs(in[0])) + sum(abs(in[1])) + sum(abs(in[2])); }, params);
  check_against_twin([](const Inputs& in) { return elastic_net(in, 2.0); },
                     [](const Inputs& in) {
                       Variable total = sum(abs(in[0])) + 2.0 * sum(square(in[0]));
                       for (std::size_t k = 1; k < 3; ++k)
                         total = total + sum(abs(in[k])) + 2.0 * sum(square(in[k]));
                       return total;
                     },
                     params);
}

// ---- finite differences ----

BOOST_AUTO_TEST_CASE(each_passes_finite_differences) {
  // Inputs kept away from the kink of |w| at 0.
  const std::vector<Tensor> params{nonzero({3, 4}, 11), nonzero({5}, 12)};
  check_gradcheck([](const Inputs& in) { return l2(in, 0.3); }, params, "l2");
  check_gradcheck([](const Inputs& in) { return l1(in, 0.3); }, params, "l1");
  check_gradcheck([](const Inputs& in) { return elastic_net(in, 0.7, 0.3); }, params,
                  "elastic_net");
  check_gradcheck([](const Inputs& in) { return l2(in[0]); }, {params[0]}, "l2 single");
}

// ---- use in a model ----

BOOST_AUTO_TEST_CASE(biases_are_left_out_by_leaving_them_off_the_list) {
  Variable w(randn({3, 2}, 13), true), b(randn({2}, 14), true);
  Variable x(randn({4, 3}, 15));
  Variable loss = softmax_cross_entropy(linear(x, w, b), {0, 1, 1, 0}) + l2(w, 0.1);
  loss.backward();
  // b's gradient is the data term's alone: the column sums of (P - Y) / N.
  Variable b2(b.value(), true);
  softmax_cross_entropy(linear(x, Variable(w.value()), b2), {0, 1, 1, 0}).backward();
  BOOST_TEST(test::close(b.grad(), b2.grad().to_vector(), 1e-15));
  // ... and a list that names both regularizes both.
  Variable both = l2({w, b}, 0.1);
  BOOST_TEST(test::close(both.value(), {l2(w, 0.1).item() + l2(b, 0.1).item()}, 1e-12));
}

BOOST_AUTO_TEST_CASE(a_parameter_listed_twice_counts_twice) {
  Variable w(small_w(), true);
  Variable r = l2({w, w});
  BOOST_TEST(test::close(r.value(), {28.0}, 1e-12));
  r.backward();
  BOOST_TEST(test::close(w.grad(), {4, -8, 12, 0}, 1e-12));
}

BOOST_AUTO_TEST_CASE(gradients_accumulate_and_constants_get_none) {
  Variable w(small_w(), true), frozen(small_w());
  Variable r = l1({w, frozen});
  r.backward(BackwardOptions{true});
  r.backward();
  BOOST_TEST(test::close(w.grad(), {2, -2, 2, 0}, 1e-12));
  BOOST_TEST(!frozen.has_grad());
}

BOOST_AUTO_TEST_CASE(float32_parameters_give_a_float32_penalty) {
  Variable w(small_w(Dtype::float32), true);
  Variable r = elastic_net(w, 0.5);
  BOOST_TEST((r.dtype() == Dtype::float32));
  BOOST_TEST(test::close(r.value(), {13.0}, 1e-6));
  r.backward();
  BOOST_TEST((w.grad().dtype() == Dtype::float32));
  BOOST_TEST(test::close(w.grad(), {2, -3, 4, 0}, 1e-6));
}

BOOST_AUTO_TEST_CASE(kinks_are_recorded_for_l1_and_elastic_net_only) {
  BranchRecordingGuard recording;
  Variable w(small_w(), true);
  BOOST_TEST(l1(w).node()->branches.at_kink == 1u);
  BOOST_TEST(elastic_net(w, 1.0).node()->branches.at_kink == 1u);
  BOOST_TEST(l2(w).node()->branches.hash == 0u);
  Variable moved(Tensor::from_vector({1, -2, 3, 0.1}, {2, 2}), true);
  BOOST_TEST(l1(moved).node()->branches.hash != l1(w).node()->branches.hash);
}

BOOST_AUTO_TEST_CASE(replay_keeps_lambda_and_beta) {
  Variable w(small_w(), true);
  Variable r = elastic_net(w, 0.25, 3.0);
  BOOST_TEST(test::close(r.node()->replay({w}).value(), {r.item()}, 0.0));
}

// ---- bad input ----

BOOST_AUTO_TEST_CASE(a_negative_or_nan_coefficient_is_refused) {
  Variable w(small_w());
  BOOST_CHECK_EXCEPTION(l2(w, -0.5), ValueError, test::mentions("l2", "lambda", "-0.5"));
  BOOST_CHECK_EXCEPTION(l1(w, std::nan("")), ValueError, test::mentions("l1", "lambda", "nan"));
  BOOST_CHECK_EXCEPTION(elastic_net(w, -1.0), ValueError,
                        test::mentions("elastic_net", "beta", "-1"));
  BOOST_CHECK_EXCEPTION(elastic_net(w, std::nan("")), ValueError,
                        test::mentions("elastic_net", "beta", "nan"));
  BOOST_CHECK_EXCEPTION(elastic_net(w, 1.0, -2.0), ValueError,
                        test::mentions("elastic_net", "lambda", "-2"));
  BOOST_CHECK_EXCEPTION(l2(w, std::numeric_limits<double>::infinity()), ValueError,
                        test::mentions("l2", "lambda", "inf"));
  BOOST_TEST(l2(w, 0.0).item() == 0.0);  // lambda 0 switches it off
}

BOOST_AUTO_TEST_CASE(an_empty_list_or_mixed_types_are_refused) {
  BOOST_CHECK_EXCEPTION(l2(std::vector<Variable>{}), ValueError,
                        test::mentions("l2", "no parameters"));
  BOOST_CHECK_EXCEPTION(l1({Variable(small_w()), Variable(small_w(Dtype::float32))}), TypeError,
                        test::mentions("l1", "params[0] float64", "params[1] float32"));
}

BOOST_AUTO_TEST_SUITE_END()
