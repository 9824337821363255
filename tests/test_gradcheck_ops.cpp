// SPDX-License-Identifier: MIT
// slope-test-labels: gradcheck
// One test case per registered op (built-ins register themselves), each checking every case of
// the op in float64 through slope's own gradient checker: a new op cannot slip in untested.
// Run one op: test_gradcheck_ops --run_test=gradcheck/matmul
#include <boost/test/unit_test.hpp>
#include <fmt/format.h>

#include <slope/slope.hpp>

namespace {

void check_op(const slope::OpInfo* op) {
  const auto cases = op->cases(/*seed=*/42);
  BOOST_TEST_REQUIRE(!cases.empty(), op->name << " registers no cases");
  for (const auto& c : cases) {
    const auto r = slope::gradcheck(c.apply, c.inputs, {}, op->name + "/" + c.label);
    BOOST_TEST(r.ok, r.summary() << "\n" << r.report());
    BOOST_TEST(r.checked() > 0u, op->name << "/" << c.label << " checked no coordinate");
    // Registry cases are kept away from kinks: a kink here means the generator is wrong.
    BOOST_TEST(r.kinks_crossed() + r.kinks_at() == 0u, op->name << "/" << c.label
                                                                << " sits on or crosses a kink:\n"
                                                                << r.report());
  }
}

bool init_gradcheck_suite() {
  auto* suite = BOOST_TEST_SUITE("gradcheck");
  for (const slope::OpInfo* op : slope::op_registry().all())
    suite->add(
        boost::unit_test::make_test_case([op] { check_op(op); }, op->name, __FILE__, __LINE__));
  boost::unit_test::framework::master_test_suite().add(suite);
  return true;
}

}  // namespace

int main(int argc, char* argv[]) {
  return boost::unit_test::unit_test_main(&init_gradcheck_suite, argc, argv);
}
