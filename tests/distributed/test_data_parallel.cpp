// SPDX-License-Identifier: MIT
// slope-test-labels: mpi unit
// data_parallel on the one-process path (no MPI needed): the sharded mean equals the plain mean
// for every shard size, gradients come back through backward() with its seed, the caller's
// gradients are kept, evaluation without a graph, a float32 model (single shards go through the
// exchange as floats), a parameter no shard uses keeps an empty gradient, and the errors for bad
// input.
#define BOOST_TEST_MODULE distributed
#include "support/checks.hpp"
#include <slope/distributed/distributed.hpp>

using namespace slope;
using test::mentions;
namespace dist = slope::distributed;

namespace {

// Least squares on 10 examples of 3 features (float64): loss_i = (x_i w - t_i)^2.
struct Problem {
  Variable w{randn({3, 1}, 1), true};
  Variable x{randn({10, 3}, 2)};
  Tensor t = randn({10, 1}, 3);

  Variable rows_loss(const Batch& b, Reduction r) {
    std::vector<double> xs, ts;
    for (std::size_t i : b)
      for (std::size_t j = 0; j < 3; ++j) xs.push_back(x.value().flat(i * 3 + j));
    for (std::size_t i : b) ts.push_back(t.flat(i));
    const Variable d =
        matmul(test::constant(xs, {b.size(), 3}), w) - test::constant(ts, {b.size(), 1});
    const Variable s = sum(d * d);
    return r == Reduction::sum ? s : s / static_cast<double>(b.size());
  }
  Objective sharded(std::size_t shard) {
    return dist::data_parallel({w}, [this](const Batch& b) { return rows_loss(b, Reduction::sum); },
                               10, dist::Communicator::local(), {shard});
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(the_sharded_mean_is_the_plain_mean_for_every_shard_size) {
  Problem p;
  Objective plain{{p.w}, [&](const Batch& b) { return p.rows_loss(b, Reduction::mean); }, 10};
  const Batch all = whole_batch(10);
  const double l0 = loss_and_grad(plain, all);
  const std::vector<double> g0 = p.w.grad().to_vector();
  for (std::size_t shard : {1, 3, 4, 10, 64}) {
    Objective f = p.sharded(shard);
    BOOST_TEST(loss_and_grad(f, all) == l0, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(test::close(p.w.grad(), g0, 1e-12));
  }
}

BOOST_AUTO_TEST_CASE(a_float32_model_gets_the_plain_mean_whether_shards_are_single_or_summed) {
  Variable w{randn({3, 1}, 1, Dtype::float32), true};
  const Variable x{randn({10, 3}, 2, Dtype::float32)};
  const Tensor t = randn({10, 1}, 3, Dtype::float32);
  const Labels labels(10, 0);
  RowGather rows(x, labels);
  auto loss = [&](const Batch& b, double scale) {
    std::vector<double> ts;
    for (std::size_t i : b) ts.push_back(t.flat(i));
    const Variable d = matmul(rows.x(b.indices), w) -
                       Variable(Tensor::from_vector(ts, {b.size(), 1}, Dtype::float32));
    return sum(d * d) * scale;
  };
  Objective plain{{w}, [&](const Batch& b) { return loss(b, 1.0 / b.size()); }, 10};
  const Batch all = whole_batch(10);
  const double l0 = loss_and_grad(plain, all);
  const std::vector<double> g0 = w.grad().to_vector();
  // 64: the whole batch is one shard, sent as floats; 4: three shards summed in double.
  for (std::size_t shard : {64, 4}) {
    Objective f = dist::data_parallel({w}, [&](const Batch& b) { return loss(b, 1.0); }, 10,
                                      dist::Communicator::local(), {shard});
    BOOST_TEST(loss_and_grad(f, all) == l0, boost::test_tools::tolerance(1e-5));
    BOOST_TEST((w.grad().dtype() == Dtype::float32));
    BOOST_TEST(test::close(w.grad(), g0, 1e-5));
  }
}

BOOST_AUTO_TEST_CASE(backward_scales_by_its_seed_and_adds_to_kept_gradients) {
  Problem p;
  Objective f = p.sharded(3);
  const Batch all = whole_batch(10);
  loss_and_grad(f, all);
  const std::vector<double> g = p.w.grad().to_vector();
  // The loss keeps the gradient the parameter had; backward with seed 2 adds twice the gradient.
  Variable loss = f.loss(all);
  BOOST_TEST(test::close(p.w.grad(), g, 0));
  loss.backward(Tensor::scalar(2.0, Dtype::float64));
  std::vector<double> three(g.size());
  for (std::size_t i = 0; i < g.size(); ++i) three[i] = 3 * g[i];
  BOOST_TEST(test::close(p.w.grad(), three, 1e-12));
}

BOOST_AUTO_TEST_CASE(evaluation_without_a_graph_exchanges_losses_only) {
  Problem p;
  Objective f = p.sharded(4);
  const Batch all = whole_batch(10);
  const double with_grad = loss_and_grad(f, all);
  p.w.zero_grad();
  BOOST_TEST(loss_value(f, all) == with_grad);
  BOOST_TEST(!p.w.has_grad());
}

BOOST_AUTO_TEST_CASE(a_parameter_no_shard_uses_keeps_an_empty_gradient_as_with_a_plain_mean) {
  Problem p;
  Variable unused{randn({2}, 4), true};
  Variable rare{randn({1}, 5), true};  // used by the shard holding example 9 only
  auto loss = [&](const Batch& b, Reduction r) {
    Variable l = p.rows_loss(b, r);
    for (std::size_t i : b)
      if (i == 9) return l + sum(rare * rare) * (r == Reduction::sum ? 1.0 : 1.0 / b.size());
    return l;
  };
  const std::vector<Variable> params{p.w, unused, rare};
  Objective plain{params, [&](const Batch& b) { return loss(b, Reduction::mean); }, 10};
  Objective sharded =
      dist::data_parallel(params, [&](const Batch& b) { return loss(b, Reduction::sum); }, 10,
                          dist::Communicator::local(), {3});
  const Batch all = whole_batch(10);
  for (Objective* f : {&plain, &sharded}) {
    loss_and_grad(*f, all);
    BOOST_TEST(p.w.has_grad());
    BOOST_TEST(!unused.has_grad());
    BOOST_TEST(rare.has_grad());
    BOOST_TEST(rare.grad().flat(0) == 2 * rare.value().flat(0) / 10,
               boost::test_tools::tolerance(1e-12));
  }
  // So a step with weight decay leaves the unused parameter alone (the optimizer skips it).
  const std::vector<double> before = unused.value().to_vector();
  const double rare_before = rare.value().flat(0);
  SgdOptions o;
  o.step_size = 0.1;
  o.weight_decay = 0.5;
  Sgd sgd(o);
  sgd.step(sharded, all, {});
  BOOST_TEST(test::close(unused.value(), before, 0));
  BOOST_TEST(rare.value().flat(0) != rare_before);
}

BOOST_AUTO_TEST_CASE(bad_input_is_refused_naming_the_value) {
  Problem p;
  auto shard_loss = [&](const Batch& b) { return p.rows_loss(b, Reduction::sum); };
  const auto local = dist::Communicator::local();
  BOOST_CHECK_EXCEPTION(dist::data_parallel({p.w}, shard_loss, 10, local, {0}), ValueError,
                        mentions("data_parallel", "shard_size", "0"));
  BOOST_CHECK_EXCEPTION(dist::data_parallel({p.w}, nullptr, 10, local), ValueError,
                        mentions("data_parallel", "shard loss"));
  BOOST_CHECK_EXCEPTION(dist::data_parallel({}, shard_loss, 10, local), ValueError,
                        mentions("data_parallel", "parameter"));
  Objective f = p.sharded(4);
  BOOST_CHECK_EXCEPTION(f.loss(Batch{}), ValueError, mentions("data_parallel", "empty"));
  Objective vector_loss = dist::data_parallel(
      {p.w}, [&](const Batch&) { return p.w * 1.0; }, 10, local);
  BOOST_CHECK_EXCEPTION(vector_loss.loss(whole_batch(10)), ValueError,
                        mentions("data_parallel", "single value", "(3, 1)"));
  // A shard's own error reaches the caller as it was thrown (one process alone), and the
  // gradient the parameter had is kept.
  Objective failing = dist::data_parallel(
      {p.w}, [](const Batch&) -> Variable { throw ShapeError("a shard's own error"); }, 10, local);
  loss_and_grad(f, whole_batch(10));
  const std::vector<double> g = p.w.grad().to_vector();
  BOOST_CHECK_EXCEPTION(failing.loss(whole_batch(10)), ShapeError, mentions("a shard's own error"));
  BOOST_TEST(test::close(p.w.grad(), g, 0));
}

BOOST_AUTO_TEST_CASE(the_world_needs_mpi_initialised) {
  BOOST_CHECK_EXCEPTION(dist::Communicator::world(), dist::DistributedError,
                        mentions("Communicator::world", "not initialised", "run"));
  const auto local = dist::Communicator::local();
  BOOST_TEST(local.rank() == 0);
  BOOST_TEST(local.size() == 1);
  BOOST_TEST(local.prints());
}
