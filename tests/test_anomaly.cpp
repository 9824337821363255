// SPDX-License-Identifier: MIT
// slope-test-labels: unit
// Anomaly mode: inside an AnomalyGuard the first op whose forward or backward creates a NaN or an
// infinity throws AnomalyError naming it (not the ops that pass the value on), its input shapes,
// the count, the direction and the line of this file that called it. Off by default.
#define BOOST_TEST_MODULE anomaly
#include <cmath>
#include <limits>
#include <memory>

#include "support/checks.hpp"

using namespace slope;
using test::close;
using test::mentions;
using test::param;

namespace {
std::string here(int line) { return fmt::format("test_anomaly.cpp:{}", line); }
}  // namespace

BOOST_AUTO_TEST_SUITE(anomaly)

BOOST_AUTO_TEST_CASE(off_by_default_and_nan_passes_silently) {
  BOOST_TEST(!anomaly_mode());
  Variable w = param({1000, 1}, {2});
  Variable y = exp(w);
  BOOST_TEST(std::isinf(y.value().flat(0)));
}

BOOST_AUTO_TEST_CASE(the_guard_nests_and_restores) {
  {
    AnomalyGuard on;
    BOOST_TEST(anomaly_mode());
    {
      AnomalyGuard off(false);
      BOOST_TEST(!anomaly_mode());
    }
    BOOST_TEST(anomaly_mode());
  }
  BOOST_TEST(!anomaly_mode());
}

BOOST_AUTO_TEST_CASE(a_forward_overflow_names_the_op_the_shapes_the_count_and_the_line) {
  Variable w = param({1000, 1, 2000}, {3});
  AnomalyGuard guard;
  int line = 0;
  auto run = [&] {
    line = __LINE__ + 1;
    Variable y = exp(w);
    return y;
  };
  BOOST_CHECK_EXCEPTION(run(), AnomalyError, [&](const AnomalyError& e) {
    return mentions(
        "anomaly (forward): 'exp' created 2 inf of 3 elements in its output of shape "
        "(3) from finite inputs of shapes ((3))",
        here(line))(e);
  });
}

BOOST_AUTO_TEST_CASE(the_creator_is_named_not_the_ops_after_it) {
  Variable w = param({1e200, 1}, {2});
  AnomalyGuard guard;
  BOOST_CHECK_EXCEPTION(sum(exp(w * w)), AnomalyError, mentions("'mul' created 1 inf"));
}

BOOST_AUTO_TEST_CASE(a_value_made_outside_the_guard_is_reported_as_received) {
  Variable w = param({1000, 1}, {2});
  Variable e = exp(w);  // inf, made before the guard
  AnomalyGuard guard;
  BOOST_CHECK_EXCEPTION(e * 2.0, AnomalyError,
                        mentions("'mul' received a non-finite input 0 (1 inf of shape (2), made "
                                 "by 'exp'"));
}

BOOST_AUTO_TEST_CASE(a_backward_nan_names_sqrt_and_its_call_site) {
  // sum(sqrt(square(w))) at w = (0, 1): finite forward; sqrt's backward makes 1 / (2 sqrt(0)) =
  // inf, and square's would turn it into NaN (0 * inf): sqrt is the creator.
  Variable w = param({0, 1}, {2});
  AnomalyGuard guard;
  const int line = __LINE__ + 1;
  Variable y = sum(sqrt(square(w)));
  BOOST_CHECK_EXCEPTION(y.backward(), AnomalyError, [&](const AnomalyError& e) {
    return mentions(
        "anomaly (backward): the backward of 'sqrt' created 1 inf of 2 elements in "
        "the gradient of its input 0 (shape (2), made by 'square')",
        "its inputs have shapes ((2))", here(line))(e);
  });
  BOOST_TEST(!w.has_grad());  // the failed sweep wrote no leaf gradient
}

BOOST_AUTO_TEST_CASE(a_non_finite_seed_is_caught) {
  Variable w = param({1, 2}, {2});
  AnomalyGuard guard;
  Variable y = w * w;
  BOOST_CHECK_EXCEPTION(y.backward(test::values({1, std::nan("")}, {2})), AnomalyError,
                        mentions("the seed gradient of 'mul' (shape (2)) has 1 NaN"));
}

BOOST_AUTO_TEST_CASE(finite_graphs_run_unchanged_in_anomaly_mode) {
  Variable w = param({1, -2, 3}, {3});
  Tensor plain, checked;
  {
    Variable y = sum(exp(w) * w);
    y.backward();
    plain = w.grad();
    w.zero_grad();
  }
  {
    AnomalyGuard guard;
    Variable y = sum(exp(w) * w);
    y.backward();
    checked = w.grad();
  }
  BOOST_TEST(plain.to_vector() == checked.to_vector());
}

BOOST_AUTO_TEST_CASE(fit_detect_anomaly_names_the_op_and_keeps_the_weights) {
  Variable w = param({0, 1}, {2});
  Objective f;
  f.params = {w};
  f.loss = [w](const Batch&) { return sum(sqrt(square(w))); };
  f.examples = 1;
  Sgd sgd;
  FitOptions o;
  o.epochs = 1;
  o.batch_size = 1;
  o.detect_anomaly = true;
  BOOST_CHECK_EXCEPTION(fit(sgd, f, o), AnomalyError,
                        mentions("fit: at epoch 1 of 1, step 1 of 1 (Sgd", "backward of 'sqrt'"));
  BOOST_TEST(close(w.value(), {0, 1}));
  BOOST_TEST(!anomaly_mode());  // fit's guard is gone
}

BOOST_AUTO_TEST_SUITE_END()
