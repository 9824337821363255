// SPDX-License-Identifier: MIT
// slope-test-labels: optim unit
// Update rules against hand-computed steps, convergence on a quadratic and on Rosenbrock, random
// search, L-BFGS, user-written optimizers, and the errors for bad options.
#define BOOST_TEST_MODULE optim
#include "support/checks.hpp"
#include "support/optim_problems.hpp"

using namespace slope;
using test::mentions;

namespace {
// `steps` steps of a problem whose objective has one example (one step per epoch).
FitResult run(Optimizer& opt, Objective& f, std::size_t steps) {
  FitOptions o;
  o.epochs = steps;
  o.batch_size = 1;
  return fit(opt, f, o);
}

// Two steps on the tiny quadratic (w0 = (1, -2), a = (1, 3), g = a w), returning w after each.
std::vector<std::vector<double>> two_steps(Optimizer& opt, Dtype dtype = Dtype::float64) {
  test::Quadratic q(dtype);
  opt.begin(q.objective);
  std::vector<std::vector<double>> out;
  for (std::size_t t = 0; t < 2; ++t) {
    StepInfo info;
    info.iteration = t;
    opt.step(q.objective, whole_batch(1), info);
    out.push_back(q.w.value().to_vector());
  }
  return out;
}

void check_steps(Optimizer& opt, const std::vector<double>& w1, const std::vector<double>& w2,
                 double tol = 1e-12, double tol32 = 1e-5) {
  const auto w = two_steps(opt);
  BOOST_TEST(test::close(Tensor::from_vector(w[0], {2}), w1, tol));
  BOOST_TEST(test::close(Tensor::from_vector(w[1], {2}), w2, tol));
  // float32 parameters take the same steps (to float precision).
  const auto wf = two_steps(opt, Dtype::float32);
  BOOST_TEST(test::close(Tensor::from_vector(wf[1], {2}), w2, tol32));
}
}  // namespace

BOOST_AUTO_TEST_SUITE(update_rules)

// g0 = (1, -6): w1 = w0 - 0.1 g0 = (0.9, -1.4); g1 = (0.9, -4.2): w2 = (0.81, -0.98).
BOOST_AUTO_TEST_CASE(sgd_two_hand_computed_steps) {
  SgdOptions o;
  o.step_size = 0.1;
  Sgd opt(o);
  check_steps(opt, {0.9, -1.4}, {0.81, -0.98});
}

// v1 = g0 = (1, -6): w1 = (0.9, -1.4); v2 = 0.9 v1 + g1 = (1.8, -9.6): w2 = (0.72, -0.44).
BOOST_AUTO_TEST_CASE(momentum_two_hand_computed_steps) {
  SgdOptions o;
  o.step_size = 0.1;
  o.momentum = 0.9;
  Sgd opt(o);
  check_steps(opt, {0.9, -1.4}, {0.72, -0.44});
}

// v1 = (1, -6), d1 = g0 + 0.9 v1 = (1.9, -11.4): w1 = (0.81, -0.86); g1 = (0.81, -2.58),
// v2 = (1.71, -7.98), d2 = g1 + 0.9 v2 = (2.349, -9.762): w2 = (0.5751, 0.1162).
BOOST_AUTO_TEST_CASE(nesterov_two_hand_computed_steps) {
  SgdOptions o;
  o.step_size = 0.1;
  o.momentum = 0.9;
  o.nesterov = true;
  Sgd opt(o);
  check_steps(opt, {0.81, -0.86}, {0.5751, 0.1162});
}

// G1 = g0^2 = (1, 36): w1 = w0 - 0.1 g0 / (sqrt(G1) + 1e-8) = (0.900000001, -1.9000000001667);
// g1 = (0.900000001, -5.7000000005), G2 = G1 + g1^2: w2 = (0.83310352829, -1.83112505406).
BOOST_AUTO_TEST_CASE(adagrad_two_hand_computed_steps) {
  AdaGradOptions o;
  o.step_size = 0.1;
  AdaGrad opt(o);
  check_steps(opt, {0.900000001, -1.9000000001666666}, {0.8331035282939266, -1.8311250540552455});
}

// s1 = 0.01 g0^2 = (0.01, 0.36): w1 = w0 - 0.01 g0 / (sqrt(s1) + 1e-8) = (0.90000001,
// -1.9000000017); s2 = 0.99 s1 + 0.01 g1^2: w2 = (0.83291797527, -1.83094332787).
BOOST_AUTO_TEST_CASE(rmsprop_two_hand_computed_steps) {
  RMSPropOptions o;
  o.step_size = 0.01;
  RMSProp opt(o);
  check_steps(opt, {0.9000000099999991, -1.9000000016666667},
              {0.8329179752650593, -1.8309433278740568});
}

// t = 1: m_hat = g0, v_hat = g0^2, so w1 = w0 - 0.1 g0 / (|g0| + 1e-8) = (0.900000001,
// -1.90000000017); t = 2: m = 0.9 m1 + 0.1 g1, v = 0.999 v1 + 0.001 g1^2, bias-corrected: w2 =
// (0.80041222971, -1.80016648595).
BOOST_AUTO_TEST_CASE(adam_two_hand_computed_steps) {
  AdamOptions o;
  o.step_size = 0.1;
  Adam opt(o);
  check_steps(opt, {0.900000001, -1.9000000001666666}, {0.8004122297123382, -1.800166485947237});
}

// Decoupled weight decay 0.5 with step 0.1: w1 = w0 (1 - 0.05) - 0.1 g0 = (0.85, -1.3).
BOOST_AUTO_TEST_CASE(weight_decay_is_decoupled) {
  SgdOptions o;
  o.step_size = 0.1;
  o.weight_decay = 0.5;
  Sgd opt(o);
  const auto w = two_steps(opt);
  BOOST_TEST(test::close(Tensor::from_vector(w[0], {2}), {0.85, -1.3}, 1e-12));
}

// g0 = (1, -6) has norm sqrt(37); clipped to norm 1 it is g0 / sqrt(37).
BOOST_AUTO_TEST_CASE(clipping_scales_the_global_norm) {
  SgdOptions o;
  o.step_size = 0.1;
  o.clip_norm = 1;
  Sgd opt(o);
  const auto w = two_steps(opt);
  const double s = 0.1 / std::sqrt(37.0);
  BOOST_TEST(test::close(Tensor::from_vector(w[0], {2}), {1 - s, -2 + 6 * s}, 1e-12));
}

BOOST_AUTO_TEST_CASE(clip_grad_norm_leaves_small_gradients_alone) {
  test::Quadratic q(Dtype::float64, {0.3, 0.0});
  loss_and_grad(q.objective, whole_batch(1));  // g = (0.3, 0), norm 0.3
  BOOST_TEST(detail::clip_grad_norm(q.objective.params, 1.0) == 0.3);
  BOOST_TEST(test::close(q.w.grad(), {0.3, 0.0}, 0));
  BOOST_TEST(detail::clip_grad_norm(q.objective.params, 0.1) == 0.3);
  BOOST_TEST(test::close(q.w.grad(), {0.1, 0.0}, 1e-15));
}

// Finite gradients whose squares overflow double: the norm and the scaled gradients are still
// right (a naive sum of squares gives inf, and c / inf would zero the step).
BOOST_AUTO_TEST_CASE(clip_grad_norm_survives_an_overflowing_sum_of_squares) {
  std::vector<Variable> params{Variable(Tensor::zeros({2}, Dtype::float64), true),
                               Variable(Tensor::zeros({1}, Dtype::float32), true)};
  params[0].grad() = Tensor::from_vector({3e200, 0}, {2}, Dtype::float64);
  params[1].grad() = Tensor::from_vector({0}, {1}, Dtype::float32);
  BOOST_TEST(detail::clip_grad_norm(params, 1.0) == 3e200, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(test::close(params[0].grad(), {1.0, 0.0}, 1e-15));
  params[0].grad() = Tensor::from_vector({3e200, -4e200}, {2}, Dtype::float64);
  BOOST_TEST(detail::clip_grad_norm(params, 2.0) == 5e200, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(test::close(params[0].grad(), {1.2, -1.6}, 1e-15));
  // A norm beyond double's range is reported as inf, but the step still has norm c.
  params[0].grad() = Tensor::from_vector({1.5e308, 1.5e308}, {2}, Dtype::float64);
  params[1].grad() = Tensor::from_vector({0}, {1}, Dtype::float32);
  BOOST_TEST(std::isinf(detail::clip_grad_norm(params, 1.0)));
  BOOST_TEST(test::close(params[0].grad(), {std::sqrt(0.5), std::sqrt(0.5)}, 1e-15));
}

// c / norm = 1e-50 is below float32's range, the scaled gradient 1e-20 is not.
BOOST_AUTO_TEST_CASE(clip_grad_norm_scales_float32_in_double) {
  std::vector<Variable> params{Variable(Tensor::zeros({1}, Dtype::float32), true)};
  params[0].grad() = Tensor::from_vector({1e30}, {1}, Dtype::float32);
  BOOST_TEST(detail::clip_grad_norm(params, 1e-20) == 1e30, boost::test_tools::tolerance(1e-6));
  BOOST_TEST(params[0].grad().item() == 1e-20, boost::test_tools::tolerance(1e-6));
}

// eta(e) = 0.1 * 0.5^floor(e): the schedule's step size reaches the rule.
BOOST_AUTO_TEST_CASE(schedule_sets_the_step_size) {
  SgdOptions o;
  o.step_size = 0.1;
  o.schedule = Schedule::step_decay(0.5, 1);
  Sgd opt(o);
  test::Quadratic q;
  opt.begin(q.objective);
  StepInfo info;
  info.epochs = 3;
  info.epoch = 2;
  opt.step(q.objective, whole_batch(1), info);
  BOOST_TEST(opt.current_step_size() == 0.025);
  BOOST_TEST(test::close(q.w.value(), {1 - 0.025, -2 + 6 * 0.025}, 1e-12));
}

BOOST_AUTO_TEST_CASE(a_parameter_without_gradient_is_skipped) {
  test::Quadratic q;
  Variable unused(Tensor::from_vector({5.0}, {1}), true);
  q.objective.params.push_back(unused);
  Adam opt;
  run(opt, q.objective, 3);
  BOOST_TEST(unused.value().flat(0) == 5.0);
  BOOST_TEST(q.w.value().flat(0) < 1.0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(convergence)

BOOST_AUTO_TEST_CASE(every_gradient_method_solves_the_quadratic) {
  auto check = [](Optimizer& opt, std::size_t steps, double tol) {
    test::Quadratic q;
    const FitResult r = run(opt, q.objective, steps);
    BOOST_TEST(r.steps == steps);
    BOOST_TEST(std::abs(q.w.value().flat(0)) < tol, opt.name() << " w0 " << q.w.value().flat(0));
    BOOST_TEST(std::abs(q.w.value().flat(1)) < tol, opt.name() << " w1 " << q.w.value().flat(1));
  };
  SgdOptions sgd;
  sgd.step_size = 0.3;
  Sgd plain(sgd);
  check(plain, 100, 1e-6);
  GradientDescent gd(sgd);
  check(gd, 100, 1e-6);
  sgd.momentum = 0.5;
  Sgd heavy(sgd);
  check(heavy, 100, 1e-6);
  sgd.nesterov = true;
  Sgd nesterov(sgd);
  check(nesterov, 100, 1e-6);
  AdaGradOptions ada;
  ada.step_size = 0.5;
  AdaGrad adagrad(ada);
  check(adagrad, 300, 1e-4);
  RMSPropOptions rms;
  rms.step_size = 0.1;
  rms.schedule = Schedule::exponential(0.98);
  RMSProp rmsprop(rms);
  check(rmsprop, 600, 1e-3);
  AdamOptions adam;
  adam.step_size = 0.05;
  adam.schedule = Schedule::cosine();
  Adam adam_opt(adam);
  check(adam_opt, 500, 1e-3);
  Lbfgs lbfgs;
  check(lbfgs, 10, 1e-8);
}

BOOST_AUTO_TEST_CASE(rosenbrock_from_the_standard_start) {
  auto check = [](Optimizer& opt, std::size_t steps, double tol, Dtype dtype = Dtype::float64) {
    test::Rosenbrock r(dtype);
    const FitResult res = run(opt, r.objective, steps);
    BOOST_TEST(r.distance_to_minimum() < tol, opt.name()
                                                  << " ends at (" << r.x.value().flat(0) << ", "
                                                  << r.y.value().flat(0) << "), loss " << res.loss);
  };
  Lbfgs lbfgs;
  check(lbfgs, 100, 1e-6);
  AdamOptions adam;
  adam.step_size = 0.02;
  Adam adam_opt(adam);
  check(adam_opt, 4000, 1e-2);
  SgdOptions mom;
  mom.step_size = 1e-3;
  mom.momentum = 0.9;
  mom.clip_norm = 10;
  Sgd momentum(mom);
  check(momentum, 4000, 1e-2);
  check(momentum, 4000, 1e-2, Dtype::float32);
}

BOOST_AUTO_TEST_CASE(random_search_best_never_increases) {
  test::Quadratic q;
  RandomSearchOptions o;
  o.scale = 1.0;
  o.seed = 3;
  RandomSearch rs(o);
  test::StepLosses record;
  FitOptions fo;
  fo.epochs = 200;
  fit(rs, q.objective, fo, record);
  BOOST_REQUIRE_EQUAL(record.losses.size(), 200u);
  for (std::size_t i = 1; i < record.losses.size(); ++i)
    BOOST_TEST(record.losses[i] <= record.losses[i - 1], "step " << i);
  // The parameters are left at the best draw, and the best is far below a typical draw's (~2).
  BOOST_TEST(loss_value(q.objective, whole_batch(1)) == rs.best_loss());
  BOOST_TEST(rs.best_loss() < 0.1);
}

BOOST_AUTO_TEST_CASE(random_local_search_descends_and_keeps_its_best) {
  test::Quadratic q;
  RandomLocalSearchOptions o;
  o.step_size = 0.2;
  o.seed = 5;
  RandomLocalSearch rls(o);
  test::StepLosses record;
  FitOptions fo;
  fo.epochs = 300;
  fit(rls, q.objective, fo, record);
  BOOST_TEST(record.losses.front() <= 6.5);  // f(w0) = 0.5 (1 + 12) = 6.5
  for (std::size_t i = 1; i < record.losses.size(); ++i)
    BOOST_TEST(record.losses[i] <= record.losses[i - 1], "step " << i);
  BOOST_TEST(rls.best_loss() < 1e-2);
  BOOST_TEST(loss_value(q.objective, whole_batch(1)) == rls.best_loss());
}

BOOST_AUTO_TEST_CASE(random_search_uses_no_graph) {
  test::Quadratic q;
  RandomSearch rs;
  run(rs, q.objective, 3);
  BOOST_TEST(!q.w.has_grad());
}

BOOST_AUTO_TEST_SUITE_END()

// ---- user-written optimizers, as docs/optimizers.md shows them ----

namespace {
// signSGD as an update rule: GradientMethod supplies the schedule, clipping and weight decay.
struct SignRule {
  struct Options : GradientOptions {};
  static constexpr const char* kName = "SignSgd";
  Options options;
  struct State {
    explicit State(const Tensor&) {}
  };
  template <class T>
  void update(T* w, const T* g, std::size_t n, double lr, std::size_t, State&) const {
    for (std::size_t i = 0; i < n; ++i) w[i] -= static_cast<T>(lr) * T((g[i] > 0) - (g[i] < 0));
  }
};
using SignSgd = GradientMethod<SignRule>;

// The lecture's numeric gradient: central differences of the loss alone, then a descent step.
class NumericGradientDescent : public Optimizer {
 public:
  explicit NumericGradientDescent(double step_size, double h = 1e-5) : lr_(step_size), h_(h) {
    if (!(step_size > 0))
      throw ValueError(
          fmt::format("NumericGradientDescent: step_size must be "
                      "positive (step_size {})",
                      step_size));
  }
  const char* name() const override { return "NumericGradientDescent"; }
  double step(Objective& f, const Batch& batch, const StepInfo&) override {
    const double loss = loss_value(f, batch);
    for (auto& p : f.params) {
      std::vector<double> grad(p.size());
      for (std::size_t i = 0; i < p.size(); ++i) {
        const double w = p.value().flat(i);
        p.value().set_flat(i, w + h_);
        const double up = loss_value(f, batch);
        p.value().set_flat(i, w - h_);
        grad[i] = (up - loss_value(f, batch)) / (2 * h_);
        p.value().set_flat(i, w);
      }
      for (std::size_t i = 0; i < p.size(); ++i)
        p.value().set_flat(i, p.value().flat(i) - lr_ * grad[i]);
    }
    return loss;
  }

 private:
  double lr_, h_;
};
}  // namespace

BOOST_AUTO_TEST_SUITE(custom_optimizers)

// sign(g0) = (1, -1): w1 = w0 - 0.1 (1, -1) = (0.9, -1.9).
BOOST_AUTO_TEST_CASE(an_update_rule_of_ten_lines) {
  SignSgd::Options o;
  o.step_size = 0.1;
  SignSgd opt(o);
  BOOST_TEST(std::string(opt.name()) == "SignSgd");
  check_steps(opt, {0.9, -1.9}, {0.8, -1.8});
  BOOST_CHECK_EXCEPTION(SignSgd(SignSgd::Options{{-1.0, {}, 0.0, 0.0}}), ValueError,
                        mentions("SignSgd", "step_size", "-1"));
}

BOOST_AUTO_TEST_CASE(a_gradient_free_optimizer_from_scratch) {
  NumericGradientDescent numeric(0.1);
  // The same steps as Sgd, up to the differences' error (large in float32: h = 1e-5).
  check_steps(numeric, {0.9, -1.4}, {0.81, -0.98}, 1e-8, 2e-3);
  test::Quadratic q;
  NumericGradientDescent faster(0.3);
  run(faster, q.objective, 60);
  BOOST_TEST(std::abs(q.w.value().flat(0)) < 1e-6);
  // It plugs into fit() with callbacks like any built-in optimizer.
  test::StepLosses record;
  record.stop_after = 4;
  test::Quadratic q2;
  FitOptions fo;
  fo.epochs = 100;
  fo.batch_size = 1;
  const FitResult r = fit(numeric, q2.objective, fo, record);
  BOOST_TEST(r.steps == 4u);
  BOOST_TEST(r.stop_reason == "StepLosses: enough steps");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(bad_input)

BOOST_AUTO_TEST_CASE(step_size_must_be_positive_and_finite) {
  for (double bad : {0.0, -0.5, std::nan(""), std::numeric_limits<double>::infinity()}) {
    SgdOptions s;
    s.step_size = bad;
    BOOST_CHECK_EXCEPTION(Sgd{s}, ValueError,
                          mentions("Sgd: step_size must be positive", "step_size"));
    BOOST_CHECK_EXCEPTION(GradientDescent{s}, ValueError, mentions("GradientDescent", "step_size"));
    AdamOptions a;
    a.step_size = bad;
    BOOST_CHECK_EXCEPTION(Adam{a}, ValueError, mentions("Adam", "step_size"));
    AdaGradOptions g;
    g.step_size = bad;
    BOOST_CHECK_EXCEPTION(AdaGrad{g}, ValueError, mentions("AdaGrad", "step_size"));
    RMSPropOptions r;
    r.step_size = bad;
    BOOST_CHECK_EXCEPTION(RMSProp{r}, ValueError, mentions("RMSProp", "step_size"));
    RandomLocalSearchOptions l;
    l.step_size = bad;
    BOOST_CHECK_EXCEPTION(RandomLocalSearch{l}, ValueError,
                          mentions("RandomLocalSearch", "step_size"));
    LbfgsOptions b;
    b.step_size = bad;
    BOOST_CHECK_EXCEPTION(Lbfgs{b}, ValueError, mentions("Lbfgs", "step_size"));
  }
  SgdOptions s;
  s.step_size = -0.5;
  BOOST_CHECK_EXCEPTION(Sgd{s}, ValueError, mentions("(step_size -0.5)"));
  s.step_size = std::nan("");
  BOOST_CHECK_EXCEPTION(Sgd{s}, ValueError, mentions("(step_size nan)"));
}

BOOST_AUTO_TEST_CASE(other_options_are_checked) {
  SgdOptions s;
  s.momentum = 1.0;
  BOOST_CHECK_EXCEPTION(Sgd{s}, ValueError,
                        mentions("Sgd: momentum must be in [0, 1)", "(momentum 1)"));
  s.momentum = 0;
  s.nesterov = true;
  BOOST_CHECK_EXCEPTION(Sgd{s}, ValueError, mentions("Sgd: nesterov needs a momentum > 0"));
  s.nesterov = false;
  s.weight_decay = -1;
  BOOST_CHECK_EXCEPTION(Sgd{s}, ValueError, mentions("weight_decay", "-1"));
  s.weight_decay = 0;
  s.clip_norm = std::nan("");
  BOOST_CHECK_EXCEPTION(Sgd{s}, ValueError, mentions("clip_norm", "nan"));
  AdamOptions a;
  a.beta2 = 1.5;
  BOOST_CHECK_EXCEPTION(Adam{a}, ValueError, mentions("Adam: beta2", "(beta2 1.5)"));
  a.beta2 = 0.999;
  a.epsilon = 0;
  BOOST_CHECK_EXCEPTION(Adam{a}, ValueError, mentions("Adam: epsilon must be positive"));
  RMSPropOptions r;
  r.decay = -0.1;
  BOOST_CHECK_EXCEPTION(RMSProp{r}, ValueError, mentions("RMSProp: decay", "(decay -0.1)"));
  RandomSearchOptions rs;
  rs.scale = 0;
  BOOST_CHECK_EXCEPTION(RandomSearch{rs}, ValueError,
                        mentions("RandomSearch: scale must be positive (scale 0)"));
  LbfgsOptions l;
  l.memory = 0;
  BOOST_CHECK_EXCEPTION(Lbfgs{l}, ValueError,
                        mentions("Lbfgs: memory must be at least 1 (memory 0)"));
}

BOOST_AUTO_TEST_CASE(bad_objectives_name_the_optimizer) {
  Objective empty;
  empty.loss = [](const Batch&) { return Variable(Tensor::scalar(0, Dtype::float64)); };
  empty.examples = 1;
  Adam adam;
  BOOST_CHECK_EXCEPTION(adam.begin(empty), ValueError,
                        mentions("Adam: the parameter list is empty"));
  RandomSearch rs;
  BOOST_CHECK_EXCEPTION(run(rs, empty, 1), ValueError,
                        mentions("RandomSearch: the parameter list is empty"));

  test::Quadratic q;
  q.w.set_requires_grad(false);
  BOOST_CHECK_EXCEPTION(adam.begin(q.objective), ValueError,
                        mentions("Adam: parameter 0 (shape (2)) does not require a gradient"));
  q.w.set_requires_grad(true);
  q.objective.examples = 0;
  BOOST_CHECK_EXCEPTION(adam.begin(q.objective), ValueError,
                        mentions("Adam: the objective has 0 examples"));
  q.objective.examples = 1;
  q.objective.loss = nullptr;
  BOOST_CHECK_EXCEPTION(adam.begin(q.objective), ValueError,
                        mentions("Adam: the objective has no loss function"));
  q.objective.loss = [&q](const Batch&) { return q.w * 2.0; };  // shape (2): not a loss
  BOOST_CHECK_EXCEPTION(run(adam, q.objective, 1), ValueError,
                        mentions("the loss must be a single value", "(2)"));
}

BOOST_AUTO_TEST_SUITE_END()
