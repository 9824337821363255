// SPDX-License-Identifier: MIT
// The public API refuses what would overflow memory: shapes whose element count wraps around,
// flat indices past the end, optimizer state that no longer fits its parameter, one_hot with a
// class count no memory holds. Each is an error naming the culprit, before anything is allocated.
#define BOOST_TEST_MODULE memory_safety
#include <memory>

#include "support/checks.hpp"

using namespace slope;
using test::mentions;

namespace {
constexpr std::size_t k2p32 = std::size_t{1} << 32;
constexpr std::size_t k2p62 = std::size_t{1} << 62;
constexpr std::size_t k2p63 = std::size_t{1} << 63;
// 274177 * 67280421310721 = 2^64 + 1: the count wraps around to 1.
const Shape kWrapsToOne{274177, 67280421310721};
}  // namespace

BOOST_AUTO_TEST_SUITE(shapes)

BOOST_AUTO_TEST_CASE(zeros_of_2_to_62_floats) {
  // 2^62 elements fit a size_t, but not their 2^64 bytes.
  BOOST_CHECK_EXCEPTION(Tensor::zeros({k2p62}, Dtype::float32), ShapeError,
                        mentions("zeros", "(4611686018427387904)", "too many elements"));
}

BOOST_AUTO_TEST_CASE(count_that_wraps_to_zero) {
  BOOST_CHECK_EXCEPTION(Tensor::zeros({k2p32, k2p32}, Dtype::float64), ShapeError,
                        mentions("zeros", "(4294967296, 4294967296)"));
  BOOST_CHECK_EXCEPTION(shape_size({k2p32, k2p32}), ShapeError,
                        mentions("(4294967296, 4294967296)"));
}

BOOST_AUTO_TEST_CASE(every_constructor_checks) {
  const Shape big{k2p32, k2p32};
  BOOST_CHECK_EXCEPTION(Tensor::full(big, 1.0, Dtype::float32), ShapeError, mentions("full"));
  BOOST_CHECK_EXCEPTION(Tensor::from_vector({1.0}, kWrapsToOne), ShapeError,
                        mentions("from_vector", "(274177, 67280421310721)"));
  BOOST_CHECK_EXCEPTION(randn(big, 1), ShapeError, mentions("randn"));
  BOOST_CHECK_EXCEPTION(uniform(big, 0, 1, 1), ShapeError, mentions("uniform"));
  // A zero extent does not excuse an extent no tensor can have.
  BOOST_CHECK_EXCEPTION(Tensor::zeros({0, k2p63}, Dtype::float32), ShapeError,
                        mentions("(0, 9223372036854775808)"));
}

BOOST_AUTO_TEST_CASE(reshape_to_a_count_that_wraps_to_one) {
  const Tensor one = Tensor::scalar(2.0, Dtype::float64);
  BOOST_CHECK_EXCEPTION(one.reshaped(kWrapsToOne), ShapeError,
                        mentions("reshape", "(274177, 67280421310721)"));
  BOOST_CHECK_EXCEPTION(reshape(Variable(one, true), kWrapsToOne), ShapeError,
                        mentions("reshape", "(274177, 67280421310721)"));
}

BOOST_AUTO_TEST_CASE(losses_never_see_such_shapes) {
  // Today's SIGSEGVs: the scores could not be made in the first place.
  BOOST_CHECK_THROW(multiclass_svm(Variable(Tensor::zeros({2, k2p63}, Dtype::float32)), {0, 1}),
                    ShapeError);
  const Variable x(Tensor::from_vector({0.5}, {1, 1}), true);
  BOOST_CHECK_THROW(softmax_cross_entropy(reshape(x, kWrapsToOne), {0}), ShapeError);
}

BOOST_AUTO_TEST_CASE(ordinary_shapes_still_work) {
  BOOST_TEST(Tensor::zeros({0, 5}, Dtype::float32).size() == 0u);
  BOOST_TEST(Tensor::scalar(1, Dtype::float32).size() == 1u);
  BOOST_TEST(shape_size({1000, 1000, 1000}) == 1000000000u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(flat_index)

BOOST_AUTO_TEST_CASE(flat_and_set_flat_check_bounds) {
  Tensor t = Tensor::zeros({2, 3}, Dtype::float32);
  t.set_flat(5, 4.0);
  BOOST_TEST(t.flat(5) == 4.0);
  BOOST_CHECK_EXCEPTION(t.flat(6), ShapeError, mentions("flat", "index 6", "(2, 3)"));
  BOOST_CHECK_EXCEPTION(t.set_flat(6, 1.0), ShapeError, mentions("set_flat", "index 6", "(2, 3)"));
  BOOST_CHECK_EXCEPTION(Tensor::scalar(1, Dtype::float64).flat(k2p63), ShapeError,
                        mentions("index 9223372036854775808", "()"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(optimizer_state)

namespace {
// loss = sum(w * w) over a parameter of `n` values.
struct Problem {
  Variable w;
  Objective f;
  explicit Problem(std::size_t n, Dtype dtype = Dtype::float64)
      : w(Tensor::full({n}, 1.0, dtype), true) {
    f.params = {w};
    f.examples = 1;
    Variable v = w;
    f.loss = [v](const Batch&) { return sum(mul(v, v)); };
  }
};

void step(Optimizer& opt, Problem& p) { opt.step(p.f, whole_batch(1), StepInfo{}); }

// One step on `p`, then its parameter's value replaced behind the optimizer's back.
void replace_after_a_step(Optimizer& opt, Problem& p, Tensor replacement) {
  opt.begin(p.f);
  step(opt, p);
  p.w.value() = std::move(replacement);
}

std::vector<std::unique_ptr<Optimizer>> stateful_optimizers() {
  std::vector<std::unique_ptr<Optimizer>> out;
  SgdOptions momentum;
  momentum.momentum = 0.9;
  out.push_back(std::make_unique<Sgd>(momentum));
  out.push_back(std::make_unique<Adam>());
  out.push_back(std::make_unique<AdaGrad>());
  out.push_back(std::make_unique<RMSProp>());
  return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_larger_parameter_is_refused) {
  for (auto& opt : stateful_optimizers()) {
    BOOST_TEST_CONTEXT(opt->name()) {
      Problem p(3);
      // Its state still holds 3 values.
      replace_after_a_step(*opt, p, Tensor::full({50}, 1.0, Dtype::float64));
      BOOST_CHECK_EXCEPTION(step(*opt, p), ShapeError,
                            mentions(opt->name(), "parameter 0", "(50)", "(3)"));
      // begin() makes fresh state for the new value.
      opt->begin(p.f);
      BOOST_CHECK_NO_THROW(step(*opt, p));
      BOOST_TEST(p.w.value().flat(49) < 1.0);
    }
  }
}

BOOST_AUTO_TEST_CASE(another_element_type_is_refused) {
  for (auto& opt : stateful_optimizers()) {
    BOOST_TEST_CONTEXT(opt->name()) {
      Problem p(3);
      replace_after_a_step(*opt, p, Tensor::full({3}, 1.0, Dtype::float32));
      BOOST_CHECK_EXCEPTION(step(*opt, p), TypeError,
                            mentions(opt->name(), "parameter 0", "float32", "float64"));
    }
  }
}

BOOST_AUTO_TEST_CASE(plain_sgd_is_checked_too) {
  Sgd sgd;
  Problem p(3);
  replace_after_a_step(sgd, p, Tensor::full({4}, 1.0, Dtype::float64));
  BOOST_CHECK_EXCEPTION(step(sgd, p), ShapeError, mentions("Sgd", "parameter 0"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(one_hot_size)

BOOST_AUTO_TEST_CASE(too_many_classes) {
  BOOST_CHECK_EXCEPTION(one_hot({0, 1}, k2p63), ValueError,
                        mentions("one_hot", "9223372036854775808 classes", "too many for memory"));
  BOOST_CHECK_EXCEPTION(one_hot({0, 1, 2, 3}, k2p62), ValueError, mentions("one_hot", "classes"));
  // Still a label error for a label out of a sane range.
  BOOST_CHECK_EXCEPTION(one_hot({0, 7}, 5), ValueError, mentions("one_hot", "out of range"));
  BOOST_TEST(one_hot({1}, 3).value().flat(1) == 1.0);
}

BOOST_AUTO_TEST_SUITE_END()
