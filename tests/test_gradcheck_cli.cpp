// SPDX-License-Identifier: MIT
// slope-test-labels: gradcheck
// slope-gradcheck checked: its flags, its table and tally, and an op with a deliberately wrong
// backward (registered here, as a user's op would be) that must fail naming op, input and index.
#define BOOST_TEST_MODULE gradcheck_cli
#include <sstream>

#include "gradcheck_cli.hpp"
#include "support/checks.hpp"

using namespace slope;

namespace {

// y = x^2 whose backward is right except at flat index 5, where it sends 0.
Variable broken_square(const Variable& x) {
  Tensor y = map(x.value(), [](const auto& a) { return a * a; });
  return make_node(
      "broken_square", std::move(y), {x},
      [](const Tensor& g, Inputs& in) {
        Tensor dx = g;
        for (std::size_t i = 0; i < dx.size(); ++i)
          dx.set_flat(i, i == 5 ? 0.0 : 2 * g.flat(i) * in[0].value().flat(i));
        in[0].add_grad(std::move(dx));
      },
      [](const Inputs& in) { return broken_square(in[0]); });
}

std::vector<OpCase> broken_square_cases(std::uint64_t seed) {
  return {{"plain", {randn({3, 4}, seed)}, [](const Inputs& in) { return broken_square(in[0]); }}};
}
const OpRegistration kBrokenSquare("broken_square", broken_square_cases);

struct Run {
  int status;
  std::string out;
  std::string err;
};

Run run(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int status = gradcheck_cli(args, out, err);
  return {status, out.str(), err.str()};
}

std::string last_line(const std::string& text) {
  const auto end = text.find_last_not_of('\n');
  const auto start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1, end - start);
}

std::size_t cases_of(const std::string& op) { return op_registry().find(op)->cases(42).size(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(gradcheck_cli_suite)

BOOST_AUTO_TEST_CASE(a_wrong_backward_fails_naming_op_input_and_index) {
  const Run r = run({"--op", "broken_square"});
  BOOST_TEST(r.status == 1);
  BOOST_TEST(last_line(r.out) == "0 passed, 1 failed");
  for (const char* part : {"broken_square/plain: input 0", "FAIL (1)", "[1, 1]",
                           "broken_square/plain: FAILED at input 0 index [1, 1] (flat 5)"})
    BOOST_TEST(r.out.find(part) != std::string::npos, "output lacks '" << part << "':\n" << r.out);
}

BOOST_AUTO_TEST_CASE(every_op_runs_by_default_and_the_broken_one_is_the_only_failure) {
  const Run r = run({});
  BOOST_TEST(r.status == 1);
  std::size_t total = 0;
  for (const OpInfo* op : op_registry().all()) total += op->cases(42).size();
  BOOST_TEST(last_line(r.out) == fmt::format("{} passed, 1 failed", total - 1));
  BOOST_TEST(r.out.find("every registered op") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(selected_ops_pass_and_the_tally_counts_their_cases) {
  const Run r = run({"--op", "add", "--op=mul"});
  BOOST_TEST(r.status == 0, r.out << r.err);
  BOOST_TEST(last_line(r.out) ==
             fmt::format("{} passed, 0 failed", cases_of("add") + cases_of("mul")));
  for (const char* part : {"op/case: tensor", "add/plain: input 0", "mul/reuse: input 0",
                           "h = 6.06e-06 * max(1, |x|) (central differences, float64)",
                           "atol = 1.0e-09, rtol = 1.0e-06", "(seed 42)", "kinks: 0 crossed"})
    BOOST_TEST(r.out.find(part) != std::string::npos, "output lacks '" << part << "':\n" << r.out);
}

BOOST_AUTO_TEST_CASE(flags_reach_the_checker) {
  const Run r = run({"--op", "mul", "--scheme", "forward", "--rtol", "1e-4", "--atol", "1e-7",
                     "--h", "1e-7", "--samples", "3", "--seed", "9"});
  BOOST_TEST(r.status == 0, r.out << r.err);
  for (const char* part :
       {"h = 1e-07 (given) (forward differences, float64)", "atol = 1.0e-07, rtol = 1.0e-04",
        "3 drawn at random", "(seed 9)", "3/12", "cases from seed 9"})
    BOOST_TEST(r.out.find(part) != std::string::npos, "output lacks '" << part << "':\n" << r.out);
}

BOOST_AUTO_TEST_CASE(repeat_draws_the_cases_from_several_seeds) {
  const Run r = run({"--op", "add", "--repeat", "2"});
  BOOST_TEST(r.status == 0, r.out << r.err);
  BOOST_TEST(last_line(r.out) == fmt::format("{} passed, 0 failed", 2 * cases_of("add")));
  BOOST_TEST(r.out.find("add/plain#1: input 0") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(list_and_help) {
  const Run list = run({"--list"});
  BOOST_TEST(list.status == 0);
  BOOST_TEST(list.out.find("broken_square") != std::string::npos);
  BOOST_TEST(list.out.find("relu") != std::string::npos);
  const Run help = run({"--help"});
  BOOST_TEST(help.status == 0);
  for (const char* flag : {"--op NAME", "--seed", "--h", "--rtol", "--atol", "--samples K",
                           "--scheme", "--list", "--help", "N passed, M failed"})
    BOOST_TEST(help.out.find(flag) != std::string::npos, "help lacks '" << flag << "'");
}

BOOST_AUTO_TEST_CASE(bad_usage_exits_2_naming_the_flag) {
  struct Bad {
    std::vector<std::string> args;
    const char* says;
  };
  for (const Bad& b : std::vector<Bad>{{{"--bogus"}, "unknown flag '--bogus'"},
                                       {{"--seed"}, "--seed needs a value"},
                                       {{"--rtol", "abc"}, "--rtol needs a number, got 'abc'"},
                                       {{"--h", "0"}, "--h must be positive"},
                                       {{"--atol", "-1"}, "--atol must not be negative"},
                                       {{"--samples", "-3"}, "--samples needs a non-negative"},
                                       {{"--scheme", "backward"}, "central or forward"},
                                       {{"--op", "nope"}, "no op named 'nope'"}}) {
    const Run r = run(b.args);
    BOOST_TEST(r.status == 2, b.args[0]);
    BOOST_TEST(r.err.find(b.says) != std::string::npos, "'" << r.err << "' lacks '" << b.says);
  }
  BOOST_CHECK_EXCEPTION(parse_gradcheck_cli({"--repeat", "0"}), ValueError,
                        test::mentions("slope-gradcheck", "--repeat"));
}

BOOST_AUTO_TEST_CASE(a_library_that_cannot_be_loaded_exits_2_naming_the_file) {
  const std::string missing = "no_such_dir/libmissing_ops.so";
  const Run gone = run({"--load", missing, "--op", "add"});
  BOOST_TEST(gone.status == 2);
  BOOST_TEST(gone.err.find("--load: no such file '" + missing + "'") != std::string::npos,
             gone.err);
  // A file that is there but is no shared library: this test's own source text.
  const std::string text = std::string(SLOPE_TEST_SOURCE_DIR) + "/test_gradcheck_cli.cpp";
  const Run bad = run({"--load=" + text, "--list"});
  BOOST_TEST(bad.status == 2);
  BOOST_TEST(bad.err.find("--load: '" + text + "' is not a shared library") != std::string::npos,
             bad.err);
  BOOST_TEST(bad.out.empty(), "nothing is checked or listed after a failed load: " << bad.out);
  BOOST_CHECK_EXCEPTION(load_op_library(missing), ValueError,
                        test::mentions("slope-gradcheck", missing));
}

BOOST_AUTO_TEST_SUITE_END()
