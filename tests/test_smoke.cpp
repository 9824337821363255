// SPDX-License-Identifier: MIT
#define BOOST_TEST_MODULE smoke
#include "support/checks.hpp"

using namespace slope;

BOOST_AUTO_TEST_SUITE(smoke)

BOOST_AUTO_TEST_CASE(linear_classifier_gradient_flows) {
  Variable x(Tensor::from_vector({1, 2, 3, 4}, {2, 2}));
  Variable w(Tensor::from_vector({0.5, -1, 2, 0.25}, {2, 2}), true);
  Variable b(Tensor::from_vector({0.1, 0.2}, {2}), true);
  Variable loss = sum(relu(linear(x, w, b)));
  loss.backward();
  // rows: x W + b = (1*0.5 + 2*2 + 0.1, 1*-1 + 2*0.25 + 0.2) = (4.6, -0.3); (3*0.5+4*2+0.1,
  // -3+1+0.2)
  BOOST_TEST(test::close(loss.value(), {4.6 + 9.6}, 1e-12));
  BOOST_TEST(w.has_grad());
  BOOST_TEST(b.has_grad());
}

BOOST_AUTO_TEST_CASE(registry_has_the_seed_ops) {
  for (const char* name : {"add", "mul", "relu", "sum", "matmul", "linear"})
    BOOST_TEST(op_registry().find(name) != nullptr, name);
}

BOOST_AUTO_TEST_SUITE_END()
