// SPDX-License-Identifier: MIT
// slope-test-labels: optim unit
// A non-finite value never destroys a run unseen: no optimizer writes a non-finite update (through
// fit or called directly), fit throws naming epoch, step and optimizer with the parameters at
// their last finite values (or skips and counts the step), and the callbacks still end the run.
#define BOOST_TEST_MODULE nonfinite
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "support/checks.hpp"
#include "support/temp_dir.hpp"

using namespace slope;
using test::close;
using test::mentions;
using test::param;

namespace {
// sum(sqrt(square(w))): finite loss 1 at w = (0, 1), NaN gradient at w_0 = 0 (0 * inf).
struct NanGradient {
  Variable w = param({0, 1}, {2});
  Objective f;
  NanGradient() {
    f.params = {w};
    f.loss = [this](const Batch&) { return sum(sqrt(square(w))); };
    f.examples = 1;
  }
};

// 0.5 |w|^2 from (1, -2) whose loss is multiplied by NaN on the chosen calls (1-based).
struct NanAt {
  Variable w = param({1, -2}, {2});
  Objective f;
  std::shared_ptr<int> calls = std::make_shared<int>(0);
  explicit NanAt(std::function<bool(int)> bad, std::size_t examples = 4) {
    f.params = {w};
    f.loss = [this, bad](const Batch&) {
      Variable l = sum(w * w) * 0.5;
      return bad(++*calls) ? l * std::nan("") : l;
    };
    f.examples = examples;
  }
};

FitOptions batches_of_one(std::size_t epochs) {
  FitOptions o;
  o.epochs = epochs;
  o.batch_size = 1;
  o.shuffle = false;
  return o;
}

Sgd sgd(double lr = 0.1) {
  SgdOptions o;
  o.step_size = lr;
  return Sgd(o);
}

// Records the parameters after every step and what on_end saw.
struct Recorder : Callback {
  std::vector<std::vector<double>> after_step;
  std::size_t ends = 0;
  std::string error;
  bool on_step(const TrainState& s) override {
    after_step.push_back(s.objective.params[0].value().to_vector());
    return false;
  }
  void on_end(const TrainState& s) override {
    ++ends;
    error = s.error;
  }
};
}  // namespace

BOOST_AUTO_TEST_SUITE(optimizers_called_directly)

BOOST_AUTO_TEST_CASE(sgd_refuses_a_nan_gradient_and_leaves_the_weights) {
  NanGradient p;
  Sgd opt = sgd();
  BOOST_CHECK_EXCEPTION(opt.step(p.f, whole_batch(1), StepInfo{}), NonFiniteError,
                        mentions("Sgd: the gradient of parameter 0 (shape (2)) has 1 NaN of 2",
                                 "the loss 1 is finite", "not applied"));
  BOOST_TEST(close(p.w.value(), {0, 1}));  // today: (nan, 0.9)
}

BOOST_AUTO_TEST_CASE(adam_with_momentum_state_refuses_it_too) {
  NanGradient p;
  Adam opt;
  BOOST_CHECK_THROW(opt.step(p.f, whole_batch(1), StepInfo{}), NonFiniteError);
  BOOST_TEST(close(p.w.value(), {0, 1}));
}

BOOST_AUTO_TEST_CASE(a_nan_loss_is_refused_before_any_update) {
  NanAt p([](int) { return true; });
  Sgd opt = sgd();
  BOOST_CHECK_EXCEPTION(opt.step(p.f, whole_batch(4), StepInfo{}), NonFiniteError,
                        mentions("Sgd: the loss is nan"));
  BOOST_TEST(close(p.w.value(), {1, -2}));
}

BOOST_AUTO_TEST_CASE(lbfgs_refuses_a_nan_gradient_and_leaves_every_weight) {
  NanGradient p;
  Lbfgs opt;
  BOOST_CHECK_EXCEPTION(opt.step(p.f, whole_batch(1), StepInfo{}), NonFiniteError,
                        mentions("Lbfgs: the gradient of parameter 0", "not applied"));
  BOOST_TEST(close(p.w.value(), {0, 1}));  // today: (nan, nan)
}

BOOST_AUTO_TEST_CASE(lbfgs_after_a_failed_line_search_is_back_at_its_point_exactly) {
  // Finite at the start only: every trial point's loss is NaN, so the line search fails.
  Variable w = param({0.3, -0.7}, {2});
  const std::vector<double> w0 = w.value().to_vector();
  Objective f;
  f.params = {w};
  f.loss = [w, w0](const Batch&) {
    Variable l = sum(w * w);
    return std::as_const(w).value().to_vector() == w0 ? l : l * std::nan("");
  };
  f.examples = 1;
  LbfgsOptions o;
  o.max_trials = 3;
  Lbfgs opt(o);
  const double loss = opt.step(f, whole_batch(1), StepInfo{});
  BOOST_TEST(loss == 0.3 * 0.3 + 0.7 * 0.7, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(std::as_const(w).value().to_vector() == w0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fit_raise)

BOOST_AUTO_TEST_CASE(a_nan_at_step_3_leaves_the_values_of_step_2_and_names_where) {
  NanAt p([](int call) { return call == 3; });
  Sgd opt = sgd();
  Recorder rec;
  BOOST_CHECK_EXCEPTION(
      fit(opt, p.f, batches_of_one(2), rec), NonFiniteError,
      mentions("fit: the loss became nan at epoch 1 of 2, step 3 of 4 (Sgd, step size 0.1)",
               "the parameters hold their last finite values"));
  BOOST_TEST_REQUIRE(rec.after_step.size() == 2u);
  BOOST_TEST(p.w.value().to_vector() == rec.after_step[1]);  // today: NaN everywhere
  BOOST_TEST(rec.ends == 1u);                                // on_end ran
  BOOST_TEST(rec.error.find("loss became nan") != std::string::npos, rec.error);
}

BOOST_AUTO_TEST_CASE(a_nan_gradient_in_fit_names_the_parameter) {
  NanGradient p;
  Sgd opt = sgd();
  BOOST_CHECK_EXCEPTION(fit(opt, p.f, batches_of_one(1)), NonFiniteError,
                        mentions("fit: the gradient became non-finite at epoch 1 of 1, step 1 of 1",
                                 "Sgd: the gradient of parameter 0"));
  BOOST_TEST(close(p.w.value(), {0, 1}));
}

BOOST_AUTO_TEST_CASE(keep_best_restores_its_copy_when_fit_throws) {
  NanAt p([](int call) { return call == 6; });  // epoch 2, step 2
  Sgd opt = sgd();
  FitOptions o = batches_of_one(3);
  auto epoch = std::make_shared<int>(0);
  o.evaluate = [epoch] { return Metrics{{"val_loss", 1.0 / ++*epoch}}; };
  KeepBest best;
  Recorder rec;
  BOOST_CHECK_THROW(fit(opt, p.f, o, best, rec), NonFiniteError);
  BOOST_TEST(best.best_epoch() == 1u);
  BOOST_TEST(p.w.value().to_vector() == rec.after_step[3]);  // the end of epoch 1
}

BOOST_AUTO_TEST_CASE(the_csv_keeps_a_row_when_the_first_epoch_fails) {
  test::TempDir dir("slope_nonfinite");
  const std::string path = dir.path("log.csv");
  NanAt p([](int call) { return call == 3; });
  Sgd opt = sgd();
  CsvLogger csv(path);
  BOOST_CHECK_THROW(fit(opt, p.f, batches_of_one(2), csv), NonFiniteError);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  BOOST_TEST(text.str().rfind("epoch,loss,step_size,seconds\n1,", 0) == 0u, text.str());
}

BOOST_AUTO_TEST_CASE(the_callbacks_see_the_state_of_the_last_finite_step) {
  NanAt p([](int call) { return call >= 2; });
  Sgd opt = sgd();
  Recorder rec;
  BOOST_CHECK_THROW(fit(opt, p.f, batches_of_one(1), rec), NonFiniteError);
  BOOST_TEST(rec.after_step.size() == 1u);
  BOOST_TEST(rec.ends == 1u);
}

BOOST_AUTO_TEST_CASE(an_on_end_that_throws_does_not_hide_the_non_finite_error) {
  struct Throws : Callback {
    void on_end(const TrainState&) override { throw ValueError("Throws: on_end failed"); }
  } throws;
  NanAt p([](int call) { return call == 2; });
  Sgd opt = sgd();
  Recorder rec;
  BOOST_CHECK_EXCEPTION(fit(opt, p.f, batches_of_one(1), throws, rec), NonFiniteError,
                        mentions("fit: the loss became nan at epoch 1 of 1, step 2 of 4"));
  BOOST_TEST(rec.ends == 1u);  // the callbacks after it still end
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fit_skip)

BOOST_AUTO_TEST_CASE(a_skipped_step_is_counted_and_the_run_goes_on) {
  NanAt p([](int call) { return call == 3; });
  Sgd opt = sgd();
  FitOptions o = batches_of_one(2);
  o.on_non_finite = NonFinitePolicy::skip;
  const FitResult r = fit(opt, p.f, o);
  BOOST_TEST(r.skipped_steps == 1u);
  BOOST_TEST(r.steps == 7u);
  BOOST_TEST(r.epochs == 2u);
  // 7 updates w <- 0.9 w.
  BOOST_TEST(close(p.w.value(), {std::pow(0.9, 7), -2 * std::pow(0.9, 7)}, 1e-12));
}

BOOST_AUTO_TEST_CASE(too_many_skips_in_a_row_throw) {
  NanAt p([](int call) { return call >= 2; });
  Sgd opt = sgd();
  FitOptions o = batches_of_one(5);
  o.on_non_finite = NonFinitePolicy::skip;
  o.max_consecutive_skips = 3;
  Recorder rec;
  BOOST_CHECK_EXCEPTION(fit(opt, p.f, o, rec), NonFiniteError,
                        mentions("after 3 skipped steps in a row (max_consecutive_skips 3)"));
  BOOST_TEST(*p.calls == 5);  // 1 good step, 3 skipped, the 4th refusal throws
  BOOST_TEST(close(p.w.value(), {0.9, -1.8}, 1e-12));
  BOOST_TEST(rec.ends == 1u);
}

BOOST_AUTO_TEST_CASE(skip_needs_a_positive_limit) {
  NanAt p([](int) { return false; });
  Sgd opt = sgd();
  FitOptions o = batches_of_one(1);
  o.on_non_finite = NonFinitePolicy::skip;
  o.max_consecutive_skips = 0;
  BOOST_CHECK_EXCEPTION(fit(opt, p.f, o), ValueError, mentions("max_consecutive_skips 0"));
}

BOOST_AUTO_TEST_SUITE_END()
