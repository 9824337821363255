// SPDX-License-Identifier: MIT
// slope-test-labels: optim unit
// Exact resume: an optimizer's state() and the parameters after N epochs, loaded into a fresh
// optimizer and fresh parameters, continue with fit(initial_epoch = N) bit for bit as the
// uninterrupted run; load_state refuses a state that does not fit, naming the entry.
#define BOOST_TEST_MODULE optim_resume
#include <functional>
#include <memory>

#include "support/checks.hpp"
#include "support/optim_problems.hpp"

using namespace slope;
using test::mentions;

namespace {

// Stops a run after `epochs` epochs, as an interruption would (the run is planned longer).
struct StopAfter : Callback {
  explicit StopAfter(std::size_t e) : epochs(e) {}
  std::size_t epochs;
  bool on_epoch_end(const TrainState& s, Metrics& /*log*/) override {
    return s.epoch + 1 >= epochs;
  }
};

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>()>;

FitOptions run_options(std::size_t epochs) {
  FitOptions o;
  o.epochs = epochs;
  o.batch_size = 8;  // 60 examples: 8 batches, the last one short
  o.seed = 5;
  return o;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && a.to_vector() == b.to_vector();
}

// Trains n + m epochs in one go, and n epochs then m more from the exported state in a fresh
// optimizer with fresh parameters; the step losses and the final parameters must be identical.
void check_resume(const MakeOptimizer& make, std::size_t n, std::size_t m) {
  test::Blobs whole;
  test::StepLosses whole_losses;
  auto a = make();
  fit(*a, whole.objective, run_options(n + m), whole_losses);

  test::Blobs first;
  test::StepLosses first_losses;
  StopAfter stop(n);
  auto b = make();
  fit(*b, first.objective, run_options(n + m), first_losses, stop);
  const OptimizerState saved = b->state();
  const std::vector<Tensor> params = snapshot(first.objective.params);
  BOOST_TEST(!saved.empty());

  test::Blobs resumed;
  restore(resumed.objective.params, params);
  auto c = make();
  c->load_state(saved);
  BOOST_TEST(c->state().size() == saved.size());  // what was loaded, until begin()
  FitOptions o = run_options(n + m);
  o.initial_epoch = n;
  test::StepLosses rest_losses;
  const FitResult r = fit(*c, resumed.objective, o, rest_losses);
  BOOST_TEST(r.epochs == n + m);
  BOOST_TEST(r.steps == whole_losses.losses.size());

  std::vector<double> joined = first_losses.losses;
  joined.insert(joined.end(), rest_losses.losses.begin(), rest_losses.losses.end());
  BOOST_TEST(joined.size() == whole_losses.losses.size());
  BOOST_TEST((joined == whole_losses.losses));  // bitwise: == on doubles
  BOOST_TEST(same_bits(resumed.w.value(), whole.w.value()));
  BOOST_TEST(same_bits(resumed.b.value(), whole.b.value()));
  // And the state the two runs end with is the same too.
  const OptimizerState end_a = a->state(), end_c = c->state();
  BOOST_TEST_REQUIRE(end_a.size() == end_c.size());
  for (std::size_t i = 0; i < end_a.size(); ++i) {
    BOOST_TEST(end_a[i].first == end_c[i].first);
    BOOST_TEST(same_bits(end_a[i].second, end_c[i].second), end_a[i].first);
  }
}

std::unique_ptr<Optimizer> momentum_sgd() {
  SgdOptions o;
  o.step_size = 0.05;
  o.momentum = 0.9;
  o.schedule = Schedule::step_decay(0.5, 2);  // the schedule must continue from epoch n
  return std::make_unique<Sgd>(o);
}

}  // namespace

BOOST_AUTO_TEST_CASE(sgd_with_momentum_resumes_bit_for_bit) { check_resume(momentum_sgd, 2, 3); }

BOOST_AUTO_TEST_CASE(nesterov_resumes_bit_for_bit) {
  check_resume(
      [] {
        SgdOptions o;
        o.step_size = 0.05;
        o.momentum = 0.8;
        o.nesterov = true;
        return std::make_unique<Sgd>(o);
      },
      1, 2);
}

BOOST_AUTO_TEST_CASE(adam_resumes_bit_for_bit) {
  check_resume(
      [] {
        AdamOptions o;
        o.step_size = 0.02;
        o.weight_decay = 0.01;
        o.schedule = Schedule::cosine();
        return std::make_unique<Adam>(o);
      },
      3, 2);
}

BOOST_AUTO_TEST_CASE(adagrad_and_rmsprop_resume_bit_for_bit) {
  check_resume([] { return std::make_unique<AdaGrad>(); }, 2, 2);
  check_resume([] { return std::make_unique<RMSProp>(); }, 2, 2);
}

BOOST_AUTO_TEST_CASE(lbfgs_resumes_bit_for_bit) {
  check_resume([] { return std::make_unique<Lbfgs>(); }, 3, 4);
}

BOOST_AUTO_TEST_CASE(random_searches_resume_bit_for_bit) {
  check_resume([] { return std::make_unique<RandomSearch>(RandomSearchOptions{0.5, 3}); }, 3, 3);
  check_resume(
      [] {
        RandomLocalSearchOptions o;
        o.step_size = 0.2;
        o.seed = 4;
        return std::make_unique<RandomLocalSearch>(o);
      },
      3, 3);
}

BOOST_AUTO_TEST_CASE(state_is_empty_before_begin_and_names_its_entries) {
  Adam adam;
  BOOST_TEST(adam.state().empty());
  test::Blobs p;
  adam.begin(p.objective);
  const OptimizerState s = adam.state();
  BOOST_TEST_REQUIRE(s.size() == 5u);
  BOOST_TEST(s[0].first == "t");
  BOOST_TEST(s[0].second.item() == 0.0);
  BOOST_TEST(s[1].first == "m.0");
  BOOST_TEST(s[2].first == "v.0");
  BOOST_TEST((s[1].second.shape() == p.w.shape()));
  BOOST_TEST((s[1].second.dtype() == p.w.dtype()));
  BOOST_TEST(s[4].first == "v.1");
  // Plain SGD keeps only its step count; with momentum a velocity per parameter.
  Sgd plain;
  plain.begin(p.objective);
  BOOST_TEST(plain.state().size() == 1u);
  auto sgd = momentum_sgd();
  sgd->begin(p.objective);
  BOOST_TEST(sgd->state().size() == 3u);
  BOOST_TEST(sgd->state()[1].first == "velocity.0");
}

BOOST_AUTO_TEST_CASE(rng_state_round_trips_exactly) {
  test::Blobs p;
  RandomSearch rs(RandomSearchOptions{0.5, 99});
  fit(rs, p.objective, run_options(2));
  const OptimizerState s = rs.state();
  const Tensor* rng = nullptr;
  for (const auto& [n, t] : s)
    if (n == "rng") rng = &t;
  BOOST_TEST_REQUIRE(rng != nullptr);
  BOOST_TEST((rng->shape() == Shape{313, 2}));
  RandomSearch other;
  other.load_state(s);
  test::Blobs q;
  other.begin(q.objective);
  const OptimizerState back = other.state();
  BOOST_TEST_REQUIRE(back.size() == s.size());
  for (std::size_t i = 0; i < s.size(); ++i) BOOST_TEST(same_bits(back[i].second, s[i].second));
}

// ---- refusals: named, and nothing changes ----

namespace {
OptimizerState adam_state_after_one_epoch() {
  test::Blobs p;
  Adam adam;
  fit(adam, p.objective, run_options(1));
  return adam.state();
}

Tensor* entry(OptimizerState& s, const std::string& name) {
  for (auto& [n, t] : s)
    if (n == name) return &t;
  BOOST_FAIL("no entry " + name);
  return nullptr;
}
}  // namespace

BOOST_AUTO_TEST_CASE(load_state_refuses_unknown_missing_and_bad_count_entries) {
  const OptimizerState good = adam_state_after_one_epoch();
  Adam adam;
  OptimizerState extra = good;
  extra.emplace_back("velocity.0", Tensor::zeros({2, 3}, Dtype::float32));
  BOOST_CHECK_EXCEPTION(adam.load_state(extra), ValueError,
                        mentions("Adam", "load_state", "unknown entry \"velocity.0\""));
  OptimizerState missing = good;
  missing.erase(missing.begin() + 2);  // v.0
  BOOST_CHECK_EXCEPTION(adam.load_state(missing), ValueError, mentions("Adam", "\"v.0\""));
  OptimizerState bad_t = good;
  *entry(bad_t, "t") = Tensor::from_vector({2.5}, {1});
  BOOST_CHECK_EXCEPTION(adam.load_state(bad_t), ValueError, mentions("Adam", "\"t\"", "2.5"));
  OptimizerState single_t = good;
  *entry(single_t, "t") = Tensor::from_vector({8}, {1}, Dtype::float32);
  BOOST_CHECK_EXCEPTION(adam.load_state(single_t), ShapeError,
                        mentions("Adam", "\"t\"", "float32"));
  // None of these changed anything: the optimizer still has no state.
  BOOST_TEST(adam.state().empty());
}

BOOST_AUTO_TEST_CASE(begin_refuses_a_state_whose_shapes_or_types_differ_and_changes_nothing) {
  const OptimizerState good = adam_state_after_one_epoch();
  test::Blobs p;
  const std::vector<Tensor> before = snapshot(p.objective.params);

  OptimizerState wrong_shape = good;
  *entry(wrong_shape, "m.1") = Tensor::zeros({4}, Dtype::float32);  // b is (3)
  Adam adam;
  adam.load_state(wrong_shape);
  BOOST_CHECK_EXCEPTION(fit(adam, p.objective, run_options(2)), ShapeError,
                        mentions("Adam", "\"m.1\"", "(4)", "parameter 1", "(3)"));
  OptimizerState wrong_type = good;
  *entry(wrong_type, "v.0") = Tensor::zeros({2, 3}, Dtype::float64);
  Adam adam2;
  adam2.load_state(wrong_type);
  p.objective.names = {"W", "b"};  // a named objective names the parameter
  BOOST_CHECK_EXCEPTION(adam2.begin(p.objective), TypeError,
                        mentions("Adam", "\"v.0\"", "float64", "W", "float32"));
  // The parameters are untouched and the loaded state is still the pending one.
  for (std::size_t i = 0; i < before.size(); ++i)
    BOOST_TEST(same_bits(p.objective.params[i].value(), before[i]));
  BOOST_TEST(adam2.state().size() == wrong_type.size());

  // A state made for more parameters than the objective has.
  test::Quadratic q(Dtype::float32);
  Adam adam3;
  adam3.load_state(good);
  BOOST_CHECK_EXCEPTION(adam3.begin(q.objective), ValueError,
                        mentions("Adam", "2 parameters", "has 1"));
}

BOOST_AUTO_TEST_CASE(lbfgs_and_searches_refuse_bad_states) {
  test::Blobs p;
  Lbfgs lbfgs;
  fit(lbfgs, p.objective, run_options(3));
  OptimizerState s = lbfgs.state();
  BOOST_TEST_REQUIRE(s.size() > 3u);
  OptimizerState short_s = s;
  *entry(short_s, "s.0") = Tensor::zeros({5}, Dtype::float64);
  Lbfgs fresh;
  BOOST_CHECK_EXCEPTION(fresh.load_state(short_s), ShapeError, mentions("Lbfgs", "\"s.0\""));
  Lbfgs small(LbfgsOptions{1, 1});
  if (s.size() > 6u)  // more than one pair
    BOOST_CHECK_EXCEPTION(small.load_state(s), ValueError, mentions("Lbfgs", "memory 1"));
  // Sizes that agree with each other but not with the parameters: refused at begin().
  test::Quadratic q;
  fresh.load_state(s);
  BOOST_CHECK_EXCEPTION(fresh.begin(q.objective), ShapeError,
                        mentions("Lbfgs", "expected shape (2)"));

  RandomSearch rs;
  fit(rs, p.objective, run_options(1));
  OptimizerState r = rs.state();
  entry(r, "rng")->set_flat(0, -1);
  RandomSearch other;
  BOOST_CHECK_EXCEPTION(other.load_state(r), ValueError, mentions("RandomSearch", "\"rng\""));
  BOOST_TEST(other.state().empty());
  // An optimizer without state accepts only an empty one.
  struct Stateless : Optimizer {
    const char* name() const override { return "Stateless"; }
    double step(Objective&, const Batch&, const StepInfo&) override { return 0; }
  } none;
  none.load_state({});
  BOOST_CHECK_EXCEPTION(none.load_state(s), ValueError, mentions("Stateless", "keeps no state"));
}

namespace {
// A rule of one's own: with an empty State it exports only "t"; with a State that holds something
// but no fields() listing it, state() refuses rather than drop it.
struct SignRule {
  struct Options : GradientOptions {};
  static constexpr const char* kName = "SignSgd";
  Options options;
  struct State {
    explicit State(const Tensor& /*param*/) {}
  };
  template <class T>
  void update(T* w, const T* g, std::size_t n, double lr, std::size_t /*t*/, State&) const {
    for (std::size_t i = 0; i < n; ++i) w[i] -= static_cast<T>(lr) * T((g[i] > 0) - (g[i] < 0));
  }
};
struct HiddenRule : SignRule {
  static constexpr const char* kName = "Hidden";
  struct State {
    explicit State(const Tensor& p) : memory(p) {}
    Tensor memory;
  };
  template <class T>
  void update(T* /*w*/, const T* /*g*/, std::size_t /*n*/, double /*lr*/, std::size_t /*t*/,
              State&) const {}
};
}  // namespace

BOOST_AUTO_TEST_CASE(rules_of_ones_own_export_what_they_can) {
  test::Blobs p;
  GradientMethod<SignRule> sign;
  sign.begin(p.objective);
  BOOST_TEST(sign.state().size() == 1u);
  GradientMethod<HiddenRule> hidden;
  hidden.begin(p.objective);
  BOOST_CHECK_EXCEPTION(hidden.state(), ValueError, mentions("Hidden", "fields()"));
}

BOOST_AUTO_TEST_CASE(fit_refuses_an_initial_epoch_past_the_run) {
  test::Blobs p;
  Sgd sgd;
  FitOptions o = run_options(3);
  o.initial_epoch = 3;
  BOOST_CHECK_EXCEPTION(fit(sgd, p.objective, o), ValueError,
                        mentions("fit", "initial_epoch 3", "epochs 3"));
}
