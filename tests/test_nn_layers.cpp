// SPDX-License-Identifier: MIT
// Layers: named parameters, modes, initialisation, and forward passes equal to the functional API.
#define BOOST_TEST_MODULE nn_layers
#include <cmath>
#include <limits>

#include "support/checks.hpp"

using namespace slope;
using test::mentions;

namespace {
// A model with named children, as a user writes one.
class TwoLayer : public nn::Module {
 public:
  TwoLayer() {
    fc1_ = std::make_shared<nn::Linear>(4, 3, nn::LinearOptions{true, 1, Dtype::float64});
    fc2_ = std::make_shared<nn::Linear>(3, 2, nn::LinearOptions{true, 2, Dtype::float64});
    register_module("fc1", fc1_);
    register_module("fc2", fc2_);
  }
  Variable forward(const Variable& x) override { return (*fc2_)(relu((*fc1_)(x))); }
  std::string describe() const override { return "TwoLayer"; }

 private:
  std::shared_ptr<nn::Linear> fc1_, fc2_;
};

std::vector<std::string> names(const nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& [name, p] : m.named_parameters()) out.push_back(name);
  return out;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(nn_layers)

BOOST_AUTO_TEST_CASE(sequential_names_parameters_by_position) {
  nn::Sequential net{std::make_shared<nn::Linear>(4, 3), std::make_shared<nn::ReLU>(),
                     std::make_shared<nn::Linear>(3, 2, false)};
  const std::vector<std::string> want{"0.weight", "0.bias", "2.weight"};
  BOOST_TEST(names(net) == want, boost::test_tools::per_element());
  BOOST_TEST(net.parameters().size() == 3u);
  BOOST_TEST(net.describe() == "Sequential(Linear(4, 3), ReLU, Linear(3, 2, bias=false))");
  BOOST_TEST(net[0].describe() == "Linear(4, 3)");
  BOOST_CHECK_EXCEPTION(net[3], ValueError, mentions("index 3", "size 3"));
}

BOOST_AUTO_TEST_CASE(a_user_module_names_parameters_by_path) {
  TwoLayer m;
  const std::vector<std::string> want{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"};
  BOOST_TEST(names(m) == want, boost::test_tools::per_element());
  nn::Sequential outer;
  outer.add(std::make_shared<TwoLayer>());
  BOOST_TEST(names(outer).front() == "0.fc1.weight");
}

BOOST_AUTO_TEST_CASE(linear_forward_is_the_functional_linear) {
  nn::Linear fc(4, 3, nn::LinearOptions{true, 7, Dtype::float64});
  Variable x(randn({5, 4}, 3));
  const Tensor want = linear(x, fc.weight(), fc.bias()).value();
  BOOST_TEST(test::close(fc(x).value(), want.to_vector(), 0.0));
  BOOST_TEST((fc.weight().shape() == Shape{4, 3}));
  BOOST_TEST((fc.bias().shape() == Shape{3}));
  BOOST_TEST(fc.weight().requires_grad());
  BOOST_CHECK_EXCEPTION(fc(Variable(randn({5, 2}, 3))), ShapeError,
                        mentions("Linear(4, 3)", "(N, 4)", "(5, 2)"));
  BOOST_CHECK_EXCEPTION(nn::Linear(0, 3), ValueError, mentions("Linear", "0"));
}

BOOST_AUTO_TEST_CASE(linear_default_init_is_pytorchs_bound_and_float32) {
  nn::Linear fc(100, 50);
  BOOST_TEST((fc.weight().dtype() == Dtype::float32));
  const double bound = 1.0 / std::sqrt(100.0);
  double lo = 1, hi = -1;
  for (double v : fc.weight().value().to_vector()) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  BOOST_TEST(lo >= -bound);
  BOOST_TEST(hi <= bound);
  BOOST_TEST(hi - lo > 1.9 * bound);  // 5000 draws fill the interval
  for (double v : fc.bias().value().to_vector()) BOOST_TEST(std::abs(v) <= bound);
}

BOOST_AUTO_TEST_CASE(manual_seed_reproduces_a_model_and_layers_differ) {
  nn::manual_seed(11);
  nn::Linear a(8, 8), b(8, 8);
  nn::manual_seed(11);
  nn::Linear c(8, 8);
  BOOST_TEST(a.weight().value().to_vector() == c.weight().value().to_vector());
  BOOST_TEST(a.weight().value().to_vector() != b.weight().value().to_vector());
}

BOOST_AUTO_TEST_CASE(train_and_eval_reach_every_child) {
  nn::Sequential net{std::make_shared<nn::Linear>(2, 2), std::make_shared<nn::Dropout>(0.5)};
  net.eval();
  BOOST_TEST(!net.training());
  BOOST_TEST(!net[1].training());
  net.train();
  BOOST_TEST(net[1].training());
}

BOOST_AUTO_TEST_CASE(zero_grad_clears_every_parameter) {
  TwoLayer m;
  sum(m(Variable(randn({2, 4}, 1)))).backward();
  for (const auto& [name, p] : m.named_parameters()) BOOST_TEST(p.has_grad(), name);
  m.zero_grad();
  for (const auto& [name, p] : m.named_parameters()) BOOST_TEST(!p.has_grad(), name);
}

BOOST_AUTO_TEST_CASE(dropout_zeroes_about_p_and_scales_the_rest_in_train_mode_only) {
  nn::Dropout drop(0.25, 5);
  Variable x(Tensor::full({100, 100}, 1.0, Dtype::float64), true);
  const Variable y = drop(x);
  std::size_t zeros = 0;
  for (double v : y.value().to_vector()) {
    if (v == 0)
      ++zeros;
    else
      BOOST_TEST(v == 1.0 / 0.75);
  }
  BOOST_TEST(zeros > 2300u);
  BOOST_TEST(zeros < 2700u);
  sum(y).backward();  // dy/dx is the mask
  BOOST_TEST(x.grad().to_vector() == y.value().to_vector());
  drop.eval();
  BOOST_TEST(drop(x).node() == x.node());
  BOOST_CHECK_EXCEPTION(nn::Dropout(1.0), ValueError, mentions("Dropout", "p = 1"));
}

BOOST_AUTO_TEST_CASE(dropout_rng_state_round_trips) {
  nn::Dropout a(0.5, 9);
  Variable x(Tensor::full({4, 8}, 1.0, Dtype::float32));
  a(x);
  const std::string state = a.rng_state();
  const auto next = a(x).value().to_vector();
  nn::Dropout b(0.5, 1);
  b.set_rng_state(state);
  BOOST_TEST(b(x).value().to_vector() == next);
  BOOST_CHECK_THROW(b.set_rng_state("not a state"), ValueError);
}

BOOST_AUTO_TEST_CASE(flatten_keeps_the_batch_axis) {
  nn::Flatten flat;
  Variable x(randn({2, 3, 4}, 1), true);
  const Variable y = flat(x);
  BOOST_TEST((y.shape() == Shape{2, 12}));
  sum(y).backward();
  BOOST_TEST((x.grad().shape() == Shape{2, 3, 4}));
}

BOOST_AUTO_TEST_CASE(a_sequential_model_passes_the_gradient_check_by_name) {
  nn::Sequential net{std::make_shared<nn::Linear>(3, 4, nn::LinearOptions{true, 1, Dtype::float64}),
                     std::make_shared<nn::Tanh>(),
                     std::make_shared<nn::Linear>(4, 2, nn::LinearOptions{true, 2, Dtype::float64}),
                     std::make_shared<nn::Sigmoid>()};
  Variable x(randn({5, 3}, 4));
  std::vector<std::string> param_names;
  for (const auto& [name, p] : net.named_parameters()) param_names.push_back(name);
  const GradcheckResult r =
      gradcheck_model([&] { return sum(net(x)); }, net.parameters(), {}, "net", param_names);
  BOOST_TEST(r.ok, r.report());
  BOOST_TEST(r.table().find("2.bias") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
