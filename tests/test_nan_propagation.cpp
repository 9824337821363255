// SPDX-License-Identifier: MIT
// NaN in, NaN out (issue 10): every registered op (walked from op_registry(), never a hand-kept
// list) gets a NaN in one element of one input of each of its cases, in float64 and float32. The
// output must then hold a NaN, or the op must throw a ValueError naming the NaN, unless the op
// never reads that element (where's unselected side, a row slice_rows drops). Ops with a comparison
// (registered with kinks) must also give that element a NaN gradient, never a silent 0 or g.
// Its own main registers one test case per op: test_nan_propagation --run_test=registry/relu
#include <cmath>
#include <limits>
#include <string>

#include "support/checks.hpp"

using namespace slope;
using test::mentions;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();

bool has_nan(const Tensor& t) {
  for (std::size_t i = 0; i < t.size(); ++i)
    if (std::isnan(t.flat(i))) return true;
  return false;
}

Inputs as_params(const std::vector<Tensor>& tensors) {
  Inputs vars;
  for (const auto& t : tensors) vars.emplace_back(t, true);
  return vars;
}

// The op's output on `inputs`, or an empty tensor when it throws.
Tensor output_or_empty(const OpCase& c, const std::vector<Tensor>& inputs) {
  try {
    return c.apply(as_params(inputs)).value();
  } catch (const std::exception&) {
    return Tensor();
  }
}

bool same(const Tensor& a, const Tensor& b) {
  if (a.empty() || b.empty() || a.shape() != b.shape()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a.flat(i) != b.flat(i)) return false;
  return true;
}

// Whether the op reads element k of input j: some finite value there changes the output.
bool reads(const OpCase& c, const std::vector<Tensor>& inputs, std::size_t j, std::size_t k) {
  const Tensor base = output_or_empty(c, inputs);
  for (double v : {7.3, -7.3}) {
    std::vector<Tensor> other = inputs;
    other[j].set_flat(k, v);
    if (!same(base, output_or_empty(c, other))) return true;
  }
  return false;
}

void check_case(const OpInfo& op, const OpCase& c, Dtype dtype) {
  std::vector<Tensor> clean;
  for (const auto& t : c.inputs) clean.push_back(t.to(dtype));
  std::size_t propagated = 0;
  for (std::size_t j = 0; j < clean.size(); ++j)
    for (std::size_t k = 0; k < clean[j].size(); ++k) {
      BOOST_TEST_CONTEXT(op.name << "/" << c.label << " (" << dtype_name(dtype)
                                 << "): NaN at input " << j << ", flat index " << k) {
        std::vector<Tensor> inputs = clean;
        inputs[j].set_flat(k, kNaN);
        Inputs vars = as_params(inputs);
        Variable out;
        try {
          out = c.apply(vars);
        } catch (const ValueError& e) {
          BOOST_TEST(std::string(e.what()).find("nan") != std::string::npos, e.what());
          ++propagated;  // loud: an error naming the NaN
          continue;
        }
        if (!has_nan(out.value())) {
          BOOST_TEST(!reads(c, clean, j, k), "the NaN vanished: the output holds none");
          continue;
        }
        ++propagated;
        if (!op.has_kinks || !out.requires_grad()) continue;
        out.backward(Tensor::full(out.shape(), 1.0, out.dtype()));
        BOOST_TEST_REQUIRE(vars[j].has_grad());
        BOOST_TEST(std::isnan(vars[j].grad().flat(k)),
                   "the NaN element's gradient is " << vars[j].grad().flat(k) << ", not NaN");
      }
    }
  BOOST_TEST(propagated > 0u, op.name << "/" << c.label << ": no NaN reached the output");
}

void check_op(const OpInfo& op) {
  for (const auto& c : op.cases(42))
    for (Dtype d : {Dtype::float64, Dtype::float32}) check_case(op, c, d);
}

bool init_nan_suite() {
  auto* suite = BOOST_TEST_SUITE("registry");
  for (const OpInfo* op : op_registry().all())
    suite->add(
        boost::unit_test::make_test_case([op] { check_op(*op); }, op->name, __FILE__, __LINE__));
  boost::unit_test::framework::master_test_suite().add(suite);
  return true;
}
}  // namespace

// The probes of issue 10, by name.
BOOST_AUTO_TEST_SUITE(probes)

BOOST_AUTO_TEST_CASE(relu_of_nan_is_nan_with_a_nan_gradient) {
  for (Dtype d : {Dtype::float32, Dtype::float64}) {
    Variable x = test::param({kNaN, -1, 2}, {3}, d);
    Variable y = relu(x);
    BOOST_TEST(std::isnan(y.value().flat(0)));
    BOOST_TEST(test::close(slice_rows(y, 1, 3).value(), {0, 2}));
    sum(y).backward();
    BOOST_TEST(std::isnan(x.grad().flat(0)));
    BOOST_TEST(test::close(slice_rows(Variable(x.grad()), 1, 3).value(), {0, 1}));
  }
}

BOOST_AUTO_TEST_CASE(maximum_and_minimum_propagate_a_nan_from_either_side) {
  Variable nan = test::param({kNaN}, {1});
  Variable one = test::param({1}, {1});
  for (const Variable& y :
       {maximum(nan, one), maximum(one, nan), minimum(nan, one), minimum(one, nan)})
    BOOST_TEST(std::isnan(y.item()), y.op());
  Variable y = maximum(one, nan);
  y.backward();
  BOOST_TEST(std::isnan(nan.grad().flat(0)));
  BOOST_TEST(one.grad().flat(0) == 0.0);
}

BOOST_AUTO_TEST_CASE(clamp_abs_and_max_propagate_nan) {
  Variable x = test::param({0.5, kNaN, -3}, {3});
  BOOST_TEST(std::isnan(clamp(x, -1, 1).value().flat(1)));
  BOOST_TEST(std::isnan(abs(x).value().flat(1)));
  BOOST_TEST(std::isnan(max(x).item()));
  Variable y = sum(clamp(x, -1, 1)) + sum(abs(x)) + max(x);
  y.backward();
  BOOST_TEST(std::isnan(x.grad().flat(1)));
  BOOST_TEST(x.grad().flat(0) == 2.0);   // clamp 1 + abs 1 + max 0
  BOOST_TEST(x.grad().flat(2) == -1.0);  // clamp 0 + abs -1 + max 0
}

BOOST_AUTO_TEST_CASE(hinge_losses_of_nan_scores_are_nan_with_nan_gradients) {
  const Labels y{0, 1};
  for (bool squared : {false, true}) {
    Variable s = test::param({kNaN, kNaN, kNaN, kNaN, kNaN, kNaN}, {2, 3});
    Variable loss = squared ? squared_hinge(s, y) : multiclass_svm(s, y);
    BOOST_TEST(std::isnan(loss.item()), loss.op());
    loss.backward();
    for (std::size_t i = 0; i < 6; ++i) BOOST_TEST(std::isnan(s.grad().flat(i)), loss.op());
  }
  // One NaN weight's worth: a single NaN score makes its row's loss NaN.
  Variable s = test::param({0, 5, kNaN, 1, 0, 0}, {2, 3});
  const Tensor per_row = multiclass_svm(s, y, 1.0, Reduction::none).value();
  BOOST_TEST(std::isnan(per_row.flat(0)));
  BOOST_TEST(per_row.flat(1) == 3.0);  // row 1: s = (1, 0, 0), y = 1: margins 2 and 1
}

BOOST_AUTO_TEST_CASE(l1_of_a_nan_weight_has_a_nan_gradient) {
  Variable w = test::param({kNaN, 2}, {2});
  Variable y = l1(w) + elastic_net(w, 0.5);
  BOOST_TEST(std::isnan(y.item()));
  y.backward();
  BOOST_TEST(std::isnan(w.grad().flat(0)));
  BOOST_TEST(w.grad().flat(1) == 1.0 + (2 * 0.5 * 2 + 1));
}

BOOST_AUTO_TEST_CASE(where_refuses_a_nan_mask) {
  Variable a = test::param({1, 2}, {2});
  BOOST_CHECK_EXCEPTION(where(test::values({1, kNaN}, {2}), a, a), ValueError,
                        mentions("where:", "NaN", "flat index 1", "(2)"));
}

BOOST_AUTO_TEST_CASE(pow_with_a_nan_power_is_an_error_and_overflow_is_inf) {
  Variable x = test::param({2, 1e200}, {2});
  BOOST_CHECK_EXCEPTION(pow(x, kNaN), ValueError, mentions("pow:", "NaN"));
  BOOST_TEST(std::isinf(pow(x, 2.0).value().flat(1)));  // overflow, as exp(1000): not an error
  BOOST_TEST(std::isnan(pow(test::param({kNaN}, {1}), 3.0).item()));
}

BOOST_AUTO_TEST_SUITE_END()

int main(int argc, char* argv[]) {
  return boost::unit_test::unit_test_main(&init_nan_suite, argc, argv);
}
