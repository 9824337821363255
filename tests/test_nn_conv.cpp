// SPDX-License-Identifier: MIT
// Convolution and pooling layers (nn/conv2d.hpp, nn/pool.hpp): named parameters, PyTorch's
// initialisation, forward passes equal to the functional ops, and errors naming the layer.
#define BOOST_TEST_MODULE nn_conv
#include <algorithm>
#include <cmath>

#include "support/checks.hpp"

using namespace slope;
using test::mentions;

BOOST_AUTO_TEST_SUITE(nn_conv)

BOOST_AUTO_TEST_CASE(conv2d_forward_is_the_functional_conv2d) {
  nn::Conv2dOptions o;
  o.stride = {2, 1};
  o.padding = 1;
  o.seed = 7;
  o.dtype = Dtype::float64;
  nn::Conv2d conv(3, 4, {3, 2}, o);
  Variable x(randn({2, 3, 6, 5}, 3));
  const Tensor want = conv2d(x, conv.weight(), conv.bias(), {2, 1}, 1).value();
  BOOST_TEST(test::close(conv(x).value(), want.to_vector(), 0.0));
  BOOST_TEST((conv.weight().shape() == Shape{4, 3, 3, 2}));
  BOOST_TEST((conv.bias().shape() == Shape{4}));
  const auto named = conv.named_parameters();
  BOOST_TEST_REQUIRE(named.size() == 2u);
  BOOST_TEST(named[0].first == "weight");
  BOOST_TEST(named[1].first == "bias");
  BOOST_TEST(conv.describe() == "Conv2d(3, 4, kernel (3, 2), stride (2, 1), padding (1, 1))");
}

BOOST_AUTO_TEST_CASE(conv2d_without_bias_has_one_parameter) {
  nn::Conv2d conv(2, 3, 3, 1, 1, /*bias=*/false);
  BOOST_TEST(conv.parameters().size() == 1u);
  BOOST_TEST(!conv.bias().defined());
  BOOST_TEST((conv(Variable(randn({1, 2, 4, 4}, 1, Dtype::float32))).shape() == Shape{1, 3, 4, 4}));
  BOOST_TEST(conv.describe() ==
             "Conv2d(2, 3, kernel (3, 3), stride (1, 1), padding (1, 1), bias=false)");
}

BOOST_AUTO_TEST_CASE(conv2d_default_init_is_pytorchs_bound_and_float32) {
  nn::Conv2d conv(4, 50, 5);  // fan_in = 4 * 5 * 5 = 100
  BOOST_TEST((conv.weight().dtype() == Dtype::float32));
  const double bound = 1.0 / std::sqrt(100.0);
  const std::vector<double> w = conv.weight().value().to_vector();
  const auto [lo, hi] = std::minmax_element(w.begin(), w.end());
  BOOST_TEST(*lo >= -bound);
  BOOST_TEST(*hi <= bound);
  BOOST_TEST(*hi - *lo > 1.9 * bound);  // 5000 draws fill the interval
  for (double v : conv.bias().value().to_vector()) BOOST_TEST(std::abs(v) <= bound);
}

BOOST_AUTO_TEST_CASE(conv2d_errors_name_the_layer) {
  nn::Conv2d conv(3, 4, 3);
  BOOST_CHECK_EXCEPTION(conv(Variable(randn({2, 2, 5, 5}, 1, Dtype::float32))), ShapeError,
                        mentions("Conv2d(3, 4, kernel (3, 3)", "(N, 3, H, W)", "(2, 2, 5, 5)"));
  BOOST_CHECK_EXCEPTION(conv(Variable(randn({2, 3, 2, 5}, 1, Dtype::float32))), ShapeError,
                        mentions("conv2d: the kernel (3, 3) is larger", "x shape (2, 3, 2, 5)"));
  BOOST_CHECK_EXCEPTION(nn::Conv2d(0, 4, 3), ValueError, mentions("Conv2d", "in_channels (0)"));
  BOOST_CHECK_EXCEPTION(nn::Conv2d(3, 4, {3, 0}), ValueError, mentions("Conv2d", "(3, 0)"));
}

BOOST_AUTO_TEST_CASE(pools_are_the_functional_pools) {
  Variable x(randn({2, 3, 6, 5}, 4));
  nn::MaxPool2d max2(2);
  nn::AvgPool2d avg3(3, 2, 1);
  BOOST_TEST(test::close(max2(x).value(), max_pool2d(x, 2).value().to_vector(), 0.0));
  BOOST_TEST(test::close(avg3(x).value(), avg_pool2d(x, 3, 2, 1).value().to_vector(), 0.0));
  BOOST_TEST(max2.parameters().empty());
  BOOST_TEST(max2.describe() == "MaxPool2d(kernel (2, 2), stride (2, 2), padding (0, 0))");
  BOOST_TEST(avg3.describe() == "AvgPool2d(kernel (3, 3), stride (2, 2), padding (1, 1))");
  BOOST_CHECK_EXCEPTION(nn::MaxPool2d(7)(x), ShapeError, mentions("max_pool2d", "(2, 3, 6, 5)"));
}

// Conv2d, ReLU, MaxPool2d in a row run as one op: the values and gradients of the three layers.
BOOST_AUTO_TEST_CASE(sequential_runs_conv_relu_pool_as_one_op_with_the_same_results) {
  nn::manual_seed(5);
  auto conv = std::make_shared<nn::Conv2d>(3, 16, 3, 1, 1);
  nn::Sequential net{conv, std::make_shared<nn::ReLU>(), std::make_shared<nn::MaxPool2d>(2)};
  nn::Sequential apart{std::make_shared<nn::ReLU>(), std::make_shared<nn::MaxPool2d>(2)};
  const Tensor x = randn({2, 3, 8, 6}, 6, Dtype::float32),
               g = randn({2, 16, 4, 3}, 7, Dtype::float32);
  Variable fused = net(Variable(x));
#if SLOPE_TEST_WITH_DNNL
  BOOST_TEST(std::string(fused.op()) == "conv2d_relu_max_pool2d");
#endif
  fused.backward(g);
  const Tensor dw = conv->weight().grad(), db = conv->bias().grad();
  net.zero_grad();
  Variable three = apart(conv->forward(Variable(x)));
  BOOST_TEST(std::string(three.op()) == "max_pool2d");
  three.backward(g);
  BOOST_TEST(test::close(fused.value(), three.value().to_vector(), 0.0));
  BOOST_TEST(test::close(dw, conv->weight().grad().to_vector(), 0.0));
  BOOST_TEST(test::close(db, conv->bias().grad().to_vector(), 0.0));
}

// Consecutive blocks run as one node, with the layers' values and gradients; a block whose
// channels do not follow on from the last one's is its own layer's to name.
BOOST_AUTO_TEST_CASE(sequential_runs_consecutive_blocks_as_one_node) {
  nn::manual_seed(8);
  auto c1 = std::make_shared<nn::Conv2d>(3, 16, 3, 1, 1);
  auto c2 = std::make_shared<nn::Conv2d>(16, 8, 3, 1, 1);
  const auto relu = std::make_shared<nn::ReLU>();
  const auto pool = std::make_shared<nn::MaxPool2d>(2);
  nn::Sequential net{c1, relu, pool, c2, relu, pool};
  const Tensor x = randn({2, 3, 12, 12}, 9, Dtype::float32),
               g = randn({2, 8, 3, 3}, 10, Dtype::float32);
  Variable fused = net(Variable(x));
#if SLOPE_TEST_WITH_DNNL
  BOOST_TEST(std::string(fused.op()) == "conv2d_relu_max_pool2d");
  BOOST_TEST(fused.node()->inputs.size() == 5u);  // x and both layers' weights and biases
#endif
  fused.backward(g);
  std::vector<Tensor> grads;
  for (const Variable& p : net.parameters()) grads.push_back(p.grad());
  net.zero_grad();
  Variable apart = (*pool)((*relu)(c2->forward((*pool)((*relu)(c1->forward(Variable(x)))))));
  apart.backward(g);
  BOOST_TEST(test::close(fused.value(), apart.value().to_vector(), 0.0));
  const std::vector<Variable> params = net.parameters();
  BOOST_TEST_REQUIRE(params.size() == grads.size());
  for (std::size_t i = 0; i < params.size(); ++i)
    BOOST_TEST(test::close(grads[i], params[i].grad().to_vector(), 0.0));
  nn::Sequential mismatched{c1,   relu, pool, std::make_shared<nn::Conv2d>(8, 4, 3, 1, 1),
                            relu, pool};
  BOOST_CHECK_EXCEPTION(
      mismatched(Variable(x)), ShapeError,
      mentions("Conv2d(8, 4, kernel (3, 3)", "expected x of shape (N, 8, H, W)", "(2, 16, 6, 6)"));
}

BOOST_AUTO_TEST_CASE(a_small_cnn_names_its_parameters_and_trains) {
  nn::manual_seed(3);
  nn::Sequential net{std::make_shared<nn::Conv2d>(1, 4, 3, 1, 1), std::make_shared<nn::ReLU>(),
                     std::make_shared<nn::MaxPool2d>(2), std::make_shared<nn::Flatten>(),
                     std::make_shared<nn::Linear>(4 * 3 * 3, 2)};
  std::vector<std::string> names;
  for (const auto& [name, p] : net.named_parameters()) names.push_back(name);
  BOOST_TEST(names == (std::vector<std::string>{"0.weight", "0.bias", "4.weight", "4.bias"}));
  // Two images told apart by their left or right half: a few SGD steps lower the loss.
  Tensor x = Tensor::zeros({2, 1, 6, 6}, Dtype::float32);
  for (std::size_t r = 0; r < 6; ++r)
    for (std::size_t c = 0; c < 3; ++c) {
      x.set_flat(r * 6 + c, 1.0);
      x.set_flat(36 + r * 6 + c + 3, 1.0);
    }
  const Labels y{0, 1};
  auto loss = [&] { return softmax_cross_entropy(net(Variable(x)), y); };
  const double first = loss().item();
  for (int step = 0; step < 20; ++step) {
    net.zero_grad();
    Variable l = loss();
    l.backward();
    for (Variable& p : net.parameters()) {
      Tensor& v = p.value();
      for (std::size_t i = 0; i < v.size(); ++i) v.set_flat(i, v.flat(i) - 0.5 * p.grad().flat(i));
    }
  }
  BOOST_TEST(loss().item() < 0.5 * first);
}

BOOST_AUTO_TEST_SUITE_END()
