// SPDX-License-Identifier: MIT
// slope-test-labels: threads unit
// The threading rule (docs/reliability.md): one graph per thread. Two threads training independent
// models at once get bitwise the results of training each alone (and the tsan preset runs this
// under ThreadSanitizer: no data race in the library's shared state).
#define BOOST_TEST_MODULE threads
#include <thread>
#include <vector>

#include "support/checks.hpp"
#include "support/optim_problems.hpp"

using namespace slope;

namespace {
// Trains a fresh softmax classifier on the blobs of `seed` with Adam on minibatches, then a small
// MLP-like second model (two products, relu) with momentum SGD; returns all final parameters.
std::vector<double> train(std::uint64_t seed) {
  test::Blobs blobs(seed);
  FitOptions o;
  o.epochs = 4;
  o.batch_size = 8;
  o.seed = seed;
  Adam adam;
  fit(adam, blobs.objective, o);
  std::vector<double> out = blobs.w.value().to_vector();
  for (double v : blobs.b.value().to_vector()) out.push_back(v);

  Variable w1(randn({2, 5}, seed + 10, Dtype::float64, 0.5), true);
  Variable w2(randn({5, 3}, seed + 20, Dtype::float64, 0.5), true);
  Objective f;
  f.params = {w1, w2};
  const Variable x(blobs.x.to(Dtype::float64));
  const Labels y = blobs.y;
  f.loss = [w1, w2, x, y](const Batch&) {
    return softmax_cross_entropy(matmul(relu(matmul(x, w1)), w2), y);
  };
  f.examples = 60;
  SgdOptions so;
  so.step_size = 0.05;
  so.momentum = 0.9;
  GradientDescent gd(so);
  FitOptions full;
  full.epochs = 30;
  fit(gd, f, full);
  for (const auto& p : {w1, w2})
    for (double v : p.value().to_vector()) out.push_back(v);
  return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(two_threads_training_independent_models_match_a_single_thread_bitwise) {
  const std::vector<double> alone_a = train(3);
  const std::vector<double> alone_b = train(4);
  BOOST_TEST_REQUIRE(alone_a != alone_b);  // different problems, or the check proves nothing
  std::vector<double> a, b;
  std::thread ta([&a] { a = train(3); });
  std::thread tb([&b] { b = train(4); });
  ta.join();
  tb.join();
  BOOST_TEST(a == alone_a);
  BOOST_TEST(b == alone_b);
}

BOOST_AUTO_TEST_CASE(guards_are_per_thread) {
  NoGradGuard no_grad;
  AnomalyGuard anomaly;
  bool grad = false, anomalous = true;
  std::thread t([&] {
    grad = grad_enabled();
    anomalous = anomaly_mode();
  });
  t.join();
  BOOST_TEST(grad);
  BOOST_TEST(!anomalous);
}
