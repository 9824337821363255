// SPDX-License-Identifier: MIT
// Bad input against every registered op (walked from op_registry(), never a hand-kept list):
// mixed element types must throw TypeError naming the op, and an empty (0-row) input must
// either work, backward included, or throw a slope exception naming the op. Never a crash.
// Its own main registers one test case per op: test_bad_input --run_test=empty_inputs/gather
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "support/checks.hpp"

using namespace slope;

namespace {
Inputs as_params(const std::vector<Tensor>& tensors) {
  Inputs vars;
  for (const auto& t : tensors) vars.emplace_back(t, true);
  return vars;
}

// The same tensor with 0 rows (axis 0 emptied); a 0-D tensor has no rows to drop.
Tensor without_rows(const Tensor& t) {
  Shape s = t.shape();
  s[0] = 0;
  return Tensor::zeros(s, t.dtype());
}

// What happened when an op met one kind of bad input.
struct Outcome {
  bool ok = true;
  std::string what;
};

// Runs the op (and a backward through it when it works); a slope exception must name the op.
Outcome run_empty(const OpInfo& op, const OpCase& c, const std::vector<Tensor>& inputs) {
  auto names_op = [&](const std::exception& e, const char* kind) {
    const std::string msg = e.what();
    if (msg.find(op.name) != std::string::npos) return Outcome{};
    return Outcome{false, fmt::format("{} does not name '{}': {}", kind, op.name, msg)};
  };
  try {
    Inputs vars = as_params(inputs);
    Variable out = c.apply(vars);
    if (out.requires_grad()) out.backward(Tensor::full(out.shape(), 1.0, out.dtype()));
    for (std::size_t i = 0; i < vars.size(); ++i)
      if (vars[i].has_grad() && vars[i].grad().shape() != vars[i].shape())
        return {false, fmt::format("input {} got a gradient of shape {} for shape {}", i,
                                   shape_str(vars[i].grad().shape()), shape_str(vars[i].shape()))};
    return {};
  } catch (const ShapeError& e) {
    return names_op(e, "ShapeError");
  } catch (const ValueError& e) {
    return names_op(e, "ValueError");
  } catch (const TypeError& e) {
    return names_op(e, "TypeError");
  } catch (const GraphError& e) {
    return names_op(e, "GraphError");
  } catch (const std::exception& e) {
    return {false, fmt::format("threw a non-slope exception: {}", e.what())};
  }
}

void check_mixed_types(const OpInfo& op) {
  for (const auto& c : op.cases(42)) {
    if (c.inputs.size() < 2) continue;
    for (std::size_t i = 0; i < c.inputs.size(); ++i) {
      BOOST_TEST_CONTEXT(op.name << "/" << c.label << ": input " << i << " in float32") {
        std::vector<Tensor> inputs = c.inputs;
        inputs[i] = inputs[i].to(Dtype::float32);
        BOOST_CHECK_EXCEPTION(c.apply(as_params(inputs)), TypeError, test::mentions(op.name));
      }
    }
  }
}

void check_empty_inputs(const OpInfo& op) {
  for (const auto& c : op.cases(42)) {
    std::vector<Tensor> all = c.inputs;
    bool any = false;
    for (std::size_t i = 0; i < c.inputs.size(); ++i) {
      if (c.inputs[i].dim() == 0) continue;
      std::vector<Tensor> inputs = c.inputs;
      inputs[i] = without_rows(inputs[i]);
      all[i] = inputs[i];
      any = true;
      const Outcome r = run_empty(op, c, inputs);
      BOOST_TEST(r.ok, op.name << "/" << c.label << " with input " << i << " of shape "
                               << shape_str(inputs[i].shape()) << ": " << r.what);
    }
    if (any && c.inputs.size() > 1) {
      const Outcome r = run_empty(op, c, all);
      BOOST_TEST(r.ok, op.name << "/" << c.label << " with every input emptied: " << r.what);
    }
  }
}

bool init_bad_input_suites() {
  auto* mixed = BOOST_TEST_SUITE("mixed_types");
  auto* empty = BOOST_TEST_SUITE("empty_inputs");
  for (const OpInfo* op : op_registry().all()) {
    const auto cases = op->cases(42);
    const bool multi = std::any_of(cases.begin(), cases.end(),
                                   [](const OpCase& c) { return c.inputs.size() >= 2; });
    if (multi)
      mixed->add(boost::unit_test::make_test_case([op] { check_mixed_types(*op); }, op->name,
                                                  __FILE__, __LINE__));
    empty->add(boost::unit_test::make_test_case([op] { check_empty_inputs(*op); }, op->name,
                                                __FILE__, __LINE__));
  }
  boost::unit_test::framework::master_test_suite().add(mixed);
  boost::unit_test::framework::master_test_suite().add(empty);
  return true;
}
}  // namespace

// The check_* helpers of graph/errors.hpp that ops, losses, regularizers (and optimizers) share.
BOOST_AUTO_TEST_SUITE(checks)

BOOST_AUTO_TEST_CASE(value_checks_name_the_op_and_the_value) {
  BOOST_CHECK_EXCEPTION(check_coefficient("l2", "lambda", -1), ValueError,
                        test::mentions("l2: lambda must be finite and >= 0 (lambda -1)"));
  BOOST_CHECK_EXCEPTION(check_positive("Sgd", "step_size", 0), ValueError,
                        test::mentions("Sgd: step_size must be positive (step_size 0)"));
  BOOST_CHECK_EXCEPTION(check_positive("Sgd", "step_size", std::nan("")), ValueError,
                        test::mentions("step_size nan"));
  BOOST_CHECK_EXCEPTION(check_in_range("Adam", "beta1", 1, 0, 1), ValueError,
                        test::mentions("Adam: beta1 must be in [0, 1) (beta1 1)"));
  BOOST_CHECK_NO_THROW(check_in_range("Adam", "beta1", 0.9, 0, 1));
  BOOST_CHECK_NO_THROW(check_positive("Sgd", "step_size", 0.1));
}

BOOST_AUTO_TEST_CASE(the_one_label_check) {
  const Labels y{0, 4, 2};
  BOOST_CHECK_NO_THROW(check_labels("one_hot", y, 5, Shape{}));
  BOOST_CHECK_EXCEPTION(check_labels("one_hot", y, 4, Shape{}), ValueError,
                        test::mentions("one_hot: label y[1] = 4 is out of range [0, 4)"));
  BOOST_CHECK_EXCEPTION(
      check_labels("gather", y, 5, Shape{4, 5}), ValueError,
      test::mentions("gather: 3 labels for 4 rows (x shape (4, 5), labels size 3)"));
  BOOST_CHECK_EXCEPTION(check_labels("loss", Labels{-1}, 5, Shape{1, 5}, "scores"), ValueError,
                        test::mentions("label y[0] = -1", "(scores shape (1, 5))"));
  // A class count above 2^63 is not read as a negative number.
  BOOST_CHECK_NO_THROW(check_labels("one_hot", y, std::size_t{1} << 63, Shape{}));
}

BOOST_AUTO_TEST_CASE(parameter_lists_are_checked_once_for_every_regularizer) {
  BOOST_CHECK_EXCEPTION(check_params("l1", {}, 1.0), ValueError,
                        test::mentions("l1: no parameters given"));
  const Variable a(Tensor::zeros({2}, Dtype::float64)), b(Tensor::zeros({2}, Dtype::float32));
  BOOST_CHECK_EXCEPTION(check_params("l1", {a, b}, 1.0), TypeError,
                        test::mentions("params[0] float64, params[1] float32"));
}

BOOST_AUTO_TEST_SUITE_END()

int main(int argc, char* argv[]) {
  return boost::unit_test::unit_test_main(&init_bad_input_suites, argc, argv);
}
