// SPDX-License-Identifier: MIT
// Graph semantics: how gradients flow, accumulate and stop, and how the graph is used up.
#define BOOST_TEST_MODULE graph
#include "support/checks.hpp"

using namespace slope;
using test::close;
using test::constant;
using test::mentions;
using test::param;

BOOST_AUTO_TEST_SUITE(graph)

BOOST_AUTO_TEST_CASE(x_times_x_gives_2x) {
  Variable x = param({1, -2, 3}, {3});
  Variable y = sum(x * x);
  y.backward();
  BOOST_TEST(close(x.grad(), {2, -4, 6}));
}

BOOST_AUTO_TEST_CASE(a_value_used_by_two_ops_gets_both_gradients) {
  // h = a x; loss = sum(h * h) + sum(relu(h)): dloss/dx = a (2 h + [h > 0])
  Variable x = param({1, -2, 3}, {3});
  Variable a = constant({2, 2, -1}, {3});
  Variable h = a * x;  // (2, -4, -3)
  Variable loss = sum(h * h) + sum(relu(h));
  BOOST_TEST(close(loss.value(), {4 + 16 + 9 + 2}));
  loss.backward();
  BOOST_TEST(close(x.grad(), {2 * (4 + 1), 2 * (-8), -1 * (-6)}));
}

BOOST_AUTO_TEST_CASE(broadcast_gradients_are_summed) {
  Variable a = param({1, 2, 3, 4, 5, 6}, {2, 3});
  Variable row = param({10, 20, 30}, {3});
  Variable col = param({1, 2}, {2, 1});
  Variable loss = sum((a + row) * col);
  loss.backward();
  BOOST_TEST(close(row.grad(), {1 + 2, 1 + 2, 1 + 2}));  // sum over rows of col
  BOOST_TEST(close(col.grad(), {6 + 60, 15 + 60}));      // row sums of a + row
  BOOST_TEST(close(a.grad(), {1, 1, 1, 2, 2, 2}));
  BOOST_TEST(shape_str(row.grad().shape()) == "(3)");
  BOOST_TEST(shape_str(col.grad().shape()) == "(2, 1)");
}

BOOST_AUTO_TEST_CASE(an_unused_input_gets_no_gradient_and_reads_as_zeros) {
  Variable used = param({1, 2}, {2});
  Variable unused = param({3, 4}, {2});
  sum(used * used).backward();
  BOOST_TEST(used.has_grad());
  BOOST_TEST(!unused.has_grad());  // documented: a gradient never written stays empty
  BOOST_TEST(unused.grad().empty());
  // the gradient checker reads that as zeros, which is the right answer
  auto r = gradcheck([](const Inputs& in) { return sum(in[0] * in[0]); },
                     {Tensor::from_vector({1, 2}, {2}), Tensor::from_vector({3, 4}, {2})});
  BOOST_TEST(r.ok, r.summary());
}

BOOST_AUTO_TEST_CASE(an_input_on_a_dead_path_gets_zeros) {
  Variable x = param({-1, -2}, {2});
  sum(relu(x)).backward();
  BOOST_TEST(x.has_grad());
  BOOST_TEST(close(x.grad(), {0, 0}));
}

BOOST_AUTO_TEST_CASE(no_grad_guard_records_nothing) {
  Variable x = param({1, 2}, {2});
  {
    NoGradGuard guard;
    BOOST_TEST(!grad_enabled());
    Variable y = sum(x * x);
    BOOST_TEST(!y.requires_grad());
    BOOST_TEST(y.is_leaf());
    BOOST_TEST(y.inputs().empty());
    BOOST_TEST(close(y.value(), {5}));
    BOOST_CHECK_EXCEPTION(y.backward(), GraphError, mentions("backward", "does not require"));
  }
  BOOST_TEST(grad_enabled());
  BOOST_TEST(!x.has_grad());
  BOOST_TEST(sum(x * x).requires_grad());  // recording is back after the guard
}

BOOST_AUTO_TEST_CASE(detach_cuts_the_graph) {
  Variable x = param({1, 2, 3}, {3});
  Variable d = x.detach();
  BOOST_TEST(!d.requires_grad());
  BOOST_TEST(d.is_leaf());
  BOOST_TEST(close(d.value(), {1, 2, 3}));
  sum(d * x).backward();  // only the live path: d/dx (d x) = d = x, not 2x
  BOOST_TEST(close(x.grad(), {1, 2, 3}));
  Variable h = x * x;
  Variable cut = h.detach();
  BOOST_TEST(cut.inputs().empty());
  BOOST_CHECK_EXCEPTION(sum(cut).backward(), GraphError, mentions("does not require"));
}

BOOST_AUTO_TEST_CASE(backward_twice_through_a_freed_graph_throws) {
  Variable x = param({1, 2}, {2});
  Variable h = x * x;
  Variable loss = sum(h);
  loss.backward();
  BOOST_CHECK_EXCEPTION(loss.backward(), GraphError,
                        mentions("backward", "'sum'", "freed", "retain_graph"));
  // a new output built on a freed intermediate is caught too, naming that intermediate
  BOOST_CHECK_EXCEPTION(sum(h).backward(), GraphError, mentions("'mul'", "freed"));
  BOOST_TEST(close(x.grad(), {2, 4}));  // the failed calls added nothing
}

BOOST_AUTO_TEST_CASE(retain_graph_allows_a_second_backward) {
  Variable x = param({1, 2}, {2});
  Variable loss = sum(x * x);
  loss.backward(BackwardOptions{true});
  loss.backward(BackwardOptions{true});
  BOOST_TEST(close(x.grad(), {4, 8}));  // 2x, twice
  loss.backward();                      // the last one may free it
  BOOST_TEST(close(x.grad(), {6, 12}));
  BOOST_CHECK_EXCEPTION(loss.backward(), GraphError, mentions("freed"));
}

BOOST_AUTO_TEST_CASE(backward_on_a_non_scalar_needs_a_seed) {
  Variable x = param({1, 2, 3, 4}, {2, 2});
  Variable y = x * x;
  BOOST_CHECK_EXCEPTION(y.backward(), GraphError, mentions("backward", "(2, 2)", "seed"));
  y.backward(Tensor::from_vector({1, 0, 2, 0}, {2, 2}));
  BOOST_TEST(close(x.grad(), {2, 0, 12, 0}));
}

BOOST_AUTO_TEST_CASE(a_seed_of_the_wrong_shape_or_type_throws) {
  Variable x = param({1, 2, 3, 4}, {2, 2});
  Variable y = x * x;
  BOOST_CHECK_EXCEPTION(y.backward(Tensor::from_vector({1, 1, 1}, {3})), ShapeError,
                        mentions("backward", "seed", "(3)", "(2, 2)"));
  BOOST_CHECK_EXCEPTION(y.backward(Tensor::full({2, 2}, 1.0, Dtype::float32)), ShapeError,
                        mentions("backward", "float32", "float64"));
  BOOST_TEST(!x.has_grad());
}

BOOST_AUTO_TEST_CASE(zero_grad_forgets_the_gradient) {
  Variable x = param({1, 2}, {2});
  sum(x * x).backward();
  BOOST_TEST(close(x.grad(), {2, 4}));
  x.zero_grad();
  BOOST_TEST(!x.has_grad());
  sum(x * 3.0).backward();
  BOOST_TEST(close(x.grad(), {3, 3}));  // fresh, not 2x + 3
}

BOOST_AUTO_TEST_CASE(gradients_accumulate_across_two_backward_calls) {
  Variable x = param({1, 2}, {2});
  sum(x * constant({10, 20}, {2})).backward();
  sum(x * x).backward();
  BOOST_TEST(close(x.grad(), {10 + 2, 20 + 4}));
}

BOOST_AUTO_TEST_CASE(inner_gradients_are_not_kept) {
  Variable x = param({1, 2}, {2});
  Variable h = x * x;
  sum(h).backward();
  BOOST_TEST(!h.has_grad());  // spent once passed on; leaves keep theirs
  BOOST_TEST(x.has_grad());
}

BOOST_AUTO_TEST_CASE(a_100000_deep_chain_does_not_overflow_the_stack) {
  constexpr int kDepth = 100000;
  Variable x = param({0.5}, {});
  Variable one = constant({1.0}, {});
  {
    Variable y = x;
    for (int i = 0; i < kDepth; ++i) y = add(y, one);
    BOOST_TEST(close(y.value(), {kDepth + 0.5}));
    y.backward();
    BOOST_TEST(close(x.grad(), {1.0}));
  }
  {  // and one that is dropped without a backward: its destruction must not recurse either
    Variable y = x;
    for (int i = 0; i < kDepth; ++i) y = add(y, one);
    BOOST_TEST(y.requires_grad());
  }
}

BOOST_AUTO_TEST_CASE(float32_end_to_end) {
  const Dtype f = Dtype::float32;
  Variable x = constant({1, 2, 3, 4}, {2, 2}, f);
  Variable w = param({0.5, -1, 2, 0.25}, {2, 2}, f);
  Variable b = param({0.1, 0.2}, {2}, f);
  // rows of x W + b: (4.6, -0.3), (9.6, -1.8); relu keeps (4.6, 0), (9.6, 0)
  Variable scores = linear(x, w, b);
  Variable loss = mean(relu(scores)) + sum(log_softmax(scores) * constant({1, 0, 0, 1}, {2, 2}, f));
  BOOST_TEST((loss.dtype() == f));
  loss.backward();
  for (const Variable* v : {&w, &b}) {
    BOOST_TEST((v->grad().dtype() == f));
    BOOST_TEST(v->grad().shape() == v->value().shape());
  }
  // the same computation in float64, for reference
  Variable x64 = constant({1, 2, 3, 4}, {2, 2});
  Variable w64 = param({0.5, -1, 2, 0.25}, {2, 2});
  Variable b64 = param({0.1, 0.2}, {2});
  Variable s64 = linear(x64, w64, b64);
  Variable loss64 = mean(relu(s64)) + sum(log_softmax(s64) * constant({1, 0, 0, 1}, {2, 2}));
  loss64.backward();
  BOOST_TEST(close(loss.value(), loss64.value().to_vector(), 1e-5));
  BOOST_TEST(close(w.grad(), w64.grad().to_vector(), 1e-5));
  BOOST_TEST(close(b.grad(), b64.grad().to_vector(), 1e-5));
}

BOOST_AUTO_TEST_SUITE_END()
