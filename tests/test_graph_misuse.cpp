// SPDX-License-Identifier: MIT
// slope-test-labels: unit
// Graph misuse that used to give silently wrong gradients: a value changed in place between
// forward and backward, a sweep that throws half-way, fit under NoGradGuard, backward on nothing,
// a custom op's wrong-shaped gradient, and EarlyStopping on a NaN metric.
#define BOOST_TEST_MODULE graph_misuse
#include <memory>
#include <utility>

#include "support/checks.hpp"

using namespace slope;
using test::close;
using test::mentions;
using test::param;

namespace {
// A custom op: the identity, whose backward throws while *fail is true, and passes g on otherwise.
Variable flaky(const Variable& x, std::shared_ptr<bool> fail) {
  return make_node("flaky", x.value(), {x}, [fail](const Tensor& g, Inputs& in) {
    if (*fail) throw ValueError("flaky: the backward failed on purpose");
    in[0].add_grad(g);
  });
}
}  // namespace

BOOST_AUTO_TEST_SUITE(versions)

BOOST_AUTO_TEST_CASE(a_parameter_changed_between_forward_and_backward_is_refused) {
  Variable w = param({2}, {1});
  Variable y = sum(w * w);
  w.value().set_flat(0, 10);  // today: backward then gives 20 instead of 4
  BOOST_CHECK_EXCEPTION(
      y.backward(), GraphError,
      mentions("backward:", "modified in place after it was used by 'mul'", "input 0 of 'mul'"));
  BOOST_TEST(!w.has_grad());
}

BOOST_AUTO_TEST_CASE(data_changed_in_place_is_refused_too) {
  Variable w = param({1, 2}, {2});
  Variable x = test::constant({3, 4}, {2});
  Variable y = sum(w * x);
  x.value().set_flat(1, 0);
  BOOST_CHECK_EXCEPTION(y.backward(), GraphError,
                        mentions("input 1 of 'mul'", "modified in place"));
}

BOOST_AUTO_TEST_CASE(a_training_loop_never_trips_the_check) {
  Variable w = param({2, -1}, {2});
  for (int step = 0; step < 3; ++step) {
    Variable y = sum(w * w);
    y.backward();
    Tensor& v = w.value();  // the update, in place, after backward
    for (std::size_t i = 0; i < v.size(); ++i) v.set_flat(i, v.flat(i) - 0.25 * w.grad().flat(i));
    w.zero_grad();
  }
  BOOST_TEST(close(w.value(), {0.25, -0.125}));
  // Reading through a const handle between forward and backward is no modification.
  Variable y = sum(w * w);
  BOOST_TEST(std::as_const(w).value().flat(0) == 0.25);
  BOOST_CHECK_NO_THROW(y.backward());
  BOOST_TEST(close(w.grad(), {0.5, -0.25}));
}

BOOST_AUTO_TEST_CASE(an_update_before_a_retained_graph_runs_again_is_refused) {
  Variable w = param({2}, {1});
  Variable y = sum(w * w);
  BackwardOptions o;
  o.retain_graph = true;
  y.backward(o);
  BOOST_TEST(close(w.grad(), {4}));
  w.value().set_flat(0, 3);
  BOOST_CHECK_EXCEPTION(y.backward(o), GraphError, mentions("modified in place", "'mul'"));
  BOOST_TEST(close(w.grad(), {4}));  // untouched by the refused sweep
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(failed_sweeps)

BOOST_AUTO_TEST_CASE(a_sweep_that_throws_can_be_retried_and_gives_the_right_gradient) {
  auto fail = std::make_shared<bool>(true);
  Variable x = param({1}, {1});
  Variable h = x * 5.0;
  Variable y = sum(h) + sum(flaky(h, fail));  // dy/dx = 5 + 5
  BOOST_CHECK_EXCEPTION(y.backward(), ValueError, mentions("flaky: the backward failed"));
  BOOST_TEST(!x.has_grad());  // a leaf is not half-written
  *fail = false;
  y.backward();  // today: 15 (h kept a stale gradient from the failed sweep)
  BOOST_TEST(close(x.grad(), {10}));
}

BOOST_AUTO_TEST_CASE(a_failed_sweep_leaves_an_earlier_gradient_as_it_was) {
  auto fail = std::make_shared<bool>(true);
  Variable x = param({1}, {1});
  sum(x * 3.0).backward();
  BOOST_TEST(close(x.grad(), {3}));
  Variable y = sum(x * 2.0) + sum(flaky(x * 4.0, fail));
  BOOST_CHECK_THROW(y.backward(), ValueError);
  BOOST_TEST(close(x.grad(), {3}));
  *fail = false;
  y.backward();
  BOOST_TEST(close(x.grad(), {3 + 2 + 4}));  // accumulated, once
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(messages)

BOOST_AUTO_TEST_CASE(backward_on_a_null_variable_names_backward) {
  BOOST_CHECK_EXCEPTION(Variable().backward(), GraphError,
                        mentions("backward: the variable is null"));
  BOOST_CHECK_EXCEPTION(Variable().backward(test::values({1}, {1})), GraphError,
                        mentions("backward: the variable is null"));
}

BOOST_AUTO_TEST_CASE(an_empty_seed_names_backward) {
  Variable w = param({1, 2}, {2});
  Variable y = w * w;
  BOOST_CHECK_EXCEPTION(y.backward(Tensor()), ShapeError,
                        mentions("backward: the seed is an empty tensor", "'mul'"));
}

BOOST_AUTO_TEST_CASE(a_custom_op_with_a_wrong_gradient_shape_is_named) {
  Variable w = param({1, 2}, {2});
  Variable y = make_node("my_bad_op", w.value(), {w}, [](const Tensor&, Inputs& in) {
    in[0].add_grad(Tensor::zeros({3}, Dtype::float64));
  });
  BOOST_CHECK_EXCEPTION(sum(y).backward(), GraphError,
                        mentions("the backward of 'my_bad_op'", "its input 0 ('leaf')", "shape (3)",
                                 "that op's backward is wrong"));
}

BOOST_AUTO_TEST_CASE(the_freed_graph_hint_is_cpp17) {
  Variable w = param({2}, {1});
  Variable y = sum(w * w);
  y.backward();
  auto hint = [](const GraphError& e) {
    const std::string what = e.what();
    return what.find("BackwardOptions o; o.retain_graph = true;") != std::string::npos &&
           what.find("{.retain_graph") == std::string::npos;
  };
  BOOST_CHECK_EXCEPTION(y.backward(), GraphError, hint);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fit_misuse)

Objective quadratic(Variable& w) {
  Objective f;
  f.params = {w};
  f.loss = [w](const Batch&) { return sum(w * w); };
  f.examples = 1;
  return f;
}

BOOST_AUTO_TEST_CASE(fit_inside_no_grad_guard_throws) {
  Variable w = param({1, -2}, {2});
  Objective f = quadratic(w);
  Sgd sgd;
  FitOptions o;
  o.epochs = 2;
  NoGradGuard guard;
  BOOST_CHECK_EXCEPTION(fit(sgd, f, o), GraphError, mentions("fit:", "NoGradGuard"));
  // A step called directly is refused too, instead of doing nothing.
  BOOST_CHECK_EXCEPTION(sgd.step(f, whole_batch(1), StepInfo{}), GraphError,
                        mentions("loss_and_grad:", "NoGradGuard"));
  BOOST_TEST(close(w.value(), {1, -2}));
}

// fit for 5 epochs on a quadratic with EarlyStopping(patience 2) watching `evaluate`'s val_loss.
FitResult early_stopped(std::function<Metrics()> evaluate) {
  Variable w = param({1, -2}, {2});
  Objective f = quadratic(w);
  Sgd sgd;
  FitOptions o;
  o.epochs = 5;
  o.batch_size = 1;
  o.evaluate = std::move(evaluate);
  EarlyStopping stop("val_loss", 2);
  return fit(sgd, f, o, stop);
}

BOOST_AUTO_TEST_CASE(early_stopping_on_a_nan_metric_says_so) {
  const FitResult r = early_stopped([] { return Metrics{{"val_loss", std::nan("")}}; });
  BOOST_TEST(r.stopped_early);
  BOOST_TEST(r.stop_reason.find("val_loss was NaN in each of the 2 epochs") != std::string::npos,
             r.stop_reason);
  BOOST_TEST(r.stop_reason.find("best 0 at epoch 0") == std::string::npos, r.stop_reason);
}

BOOST_AUTO_TEST_CASE(early_stopping_after_the_metric_turns_nan_says_so) {
  auto epoch = std::make_shared<int>(0);
  const FitResult r = early_stopped([epoch] {
    return Metrics{{"val_loss", ++*epoch == 1 ? 1.0 : std::nan("")}};
  });
  BOOST_TEST(r.stop_reason.find("best 1 at epoch 1") != std::string::npos, r.stop_reason);
  BOOST_TEST(r.stop_reason.find("was NaN in the last 2 epochs") != std::string::npos,
             r.stop_reason);
}

BOOST_AUTO_TEST_SUITE_END()
