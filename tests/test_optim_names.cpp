// SPDX-License-Identifier: MIT
// slope-test-labels: optim unit
// Parameter names: an Objective's names reach every message that names a parameter (the
// optimizers', fit()'s, load_state's) and gradcheck_model's rows, its per-node rows included.
#define BOOST_TEST_MODULE optim_names
#include "support/checks.hpp"
#include "support/optim_problems.hpp"

using namespace slope;
using test::mentions;

namespace {

// sum(sqrt(square(w))) + sum(b * b): a finite loss whose gradient is NaN at w_0 = 0 (0 * inf).
struct Kinked {
  Variable w{Tensor::from_vector({0, 1}, {2}), true};
  Variable b{Tensor::from_vector({1}, {1}), true};
  Objective f = Objective::from_named(
      {{"fc1.weight", w}, {"fc1.bias", b}},
      [this](const Batch&) { return sum(sqrt(square(w))) + sum(b * b); }, 1);
};

}  // namespace

BOOST_AUTO_TEST_CASE(from_named_keeps_the_order_of_names_and_parameters) {
  Kinked k;
  BOOST_TEST(k.f.params.size() == 2u);
  BOOST_TEST(k.f.names == (std::vector<std::string>{"fc1.weight", "fc1.bias"}));
  BOOST_TEST(k.f.params[1].node() == k.b.node());
  BOOST_TEST(k.f.examples == 1u);
  BOOST_TEST(param_name(k.f.names, 1) == "fc1.bias");
  BOOST_TEST(param_name({}, 1) == "parameter 1");
}

BOOST_AUTO_TEST_CASE(check_objective_refuses_names_that_do_not_fit) {
  Kinked k;
  k.f.names = {"only_one"};
  BOOST_CHECK_EXCEPTION(check_objective("Sgd", k.f, true), ValueError,
                        mentions("Sgd", "1 names for 2 parameters"));
  k.f.names = {"w", ""};
  BOOST_CHECK_EXCEPTION(check_objective("Sgd", k.f, true), ValueError,
                        mentions("Sgd", "name of parameter 1 is empty"));
  k.f.names = {"w", "w"};
  BOOST_CHECK_EXCEPTION(check_objective("Sgd", k.f, true), ValueError,
                        mentions("Sgd", "\"w\" is given to two parameters"));
  k.f.names = {"fc1.weight", "fc1.bias"};
  k.b.set_requires_grad(false);
  BOOST_CHECK_EXCEPTION(check_objective("Adam", k.f, true), ValueError,
                        mentions("Adam", "fc1.bias (shape (1)) does not require a gradient"));
}

BOOST_AUTO_TEST_CASE(non_finite_gradients_are_named_by_every_optimizer_and_fit) {
  {
    Kinked k;
    Sgd sgd;
    BOOST_CHECK_EXCEPTION(sgd.step(k.f, whole_batch(1), StepInfo{}), NonFiniteError,
                          mentions("Sgd: the gradient of fc1.weight (shape (2))"));
  }
  {
    Kinked k;
    Lbfgs lbfgs;
    BOOST_CHECK_EXCEPTION(lbfgs.step(k.f, whole_batch(1), StepInfo{}), NonFiniteError,
                          mentions("Lbfgs: the gradient of fc1.weight"));
  }
  {
    Kinked k;
    Adam adam;
    FitOptions o;
    o.epochs = 2;
    o.batch_size = 1;
    BOOST_CHECK_EXCEPTION(fit(adam, k.f, o), NonFiniteError,
                          mentions("fit", "epoch 1 of 2", "Adam", "fc1.weight"));
  }
}

BOOST_AUTO_TEST_CASE(a_replaced_parameter_and_a_bad_loaded_state_are_named) {
  test::Quadratic q;
  q.objective.names = {"theta"};
  Sgd sgd;
  sgd.begin(q.objective);
  q.w.value() = Tensor::zeros({3}, Dtype::float64);
  q.a.value() = Tensor::zeros({3}, Dtype::float64);
  BOOST_CHECK_EXCEPTION(sgd.step(q.objective, whole_batch(1), StepInfo{}), ShapeError,
                        mentions("Sgd: theta is now shape (3)", "made for shape (2)"));

  test::Quadratic r;
  r.objective.names = {"theta"};
  SgdOptions so;
  so.momentum = 0.5;
  Sgd with_momentum(so);
  OptimizerState s{{"t", Tensor::from_vector({1}, {1})},
                   {"velocity.0", Tensor::zeros({5}, Dtype::float64)}};
  with_momentum.load_state(s);
  BOOST_CHECK_EXCEPTION(with_momentum.begin(r.objective), ShapeError,
                        mentions("Sgd", "\"velocity.0\"", "(5)", "theta is shape (2)"));
}

BOOST_AUTO_TEST_CASE(gradcheck_model_shows_the_names_in_parameter_and_node_rows) {
  Variable w1(randn({3, 4}, 1), true);
  Variable b1(randn({4}, 2), true);
  const Variable x(randn({5, 3}, 3));
  auto loss = [&] { return sum(tanh(linear(x, w1, b1))); };
  GradcheckOptions o;
  o.per_node = true;
  const GradcheckResult r = gradcheck_model(loss, {{"W1", w1}, {"b1", b1}}, o, "net");
  BOOST_TEST(r.ok, r.report());
  std::vector<std::string> rows;
  for (const auto& row : r.inputs) rows.push_back(row.name);
  BOOST_TEST(rows ==
             (std::vector<std::string>{"W1", "b1", "#0 linear: W1 (in 1)", "#0 linear: b1 (in 2)",
                                       "#1 tanh: in 0", "#2 sum: in 0"}));
  BOOST_TEST(r.table().find("#0 linear: W1 (in 1)") != std::string::npos, r.table());

  BOOST_CHECK_EXCEPTION(gradcheck_model(loss, {w1, b1}, {}, "net", {"W1"}), ValueError,
                        mentions("gradcheck_model", "1 names for 2 parameters"));
  const Variable made = w1 * 2.0;
  BOOST_CHECK_EXCEPTION(gradcheck_model(loss, {{"W1", w1}, {"twice", made}}), ValueError,
                        mentions("gradcheck_model", "twice is not a leaf", "'mul'"));
}
