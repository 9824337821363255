// SPDX-License-Identifier: MIT
// slope-test-labels: unit gradcheck
// The gradient checker checked: wrong backwards are caught and pinned to their node, kinks are
// classified and judged against the one-sided slopes, sampling is reproducible, and the report
// states its rules.
#define BOOST_TEST_MODULE gradcheck_util
#include <set>

#include "support/checks.hpp"
#include <slope/ops/op_cases.hpp>

using namespace slope;

namespace {

// y = x^2 with a backward that forgets the factor 2.
Variable bad_square(const Variable& x) {
  Tensor y = map(x.value(), [](const auto& a) { return a * a; });
  return make_node(
      "bad_square", std::move(y), {x},
      [](const Tensor& g, Inputs& in) {
        in[0].add_grad(map2("bad_square", g, in[0].value(),
                            [](const auto& u, const auto& v) { return u * v; }));
      },
      [](const Inputs& in) { return bad_square(in[0]); });
}

// y = x^2 with a backward that is right except at flat index k, where it sends 0.
Variable square_wrong_at(const Variable& x, std::size_t k) {
  Tensor y = map(x.value(), [](const auto& a) { return a * a; });
  return make_node(
      "square_wrong_at", std::move(y), {x},
      [k](const Tensor& g, Inputs& in) {
        Tensor dx = g;
        for (std::size_t i = 0; i < dx.size(); ++i)
          dx.set_flat(i, i == k ? 0.0 : 2 * g.flat(i) * in[0].value().flat(i));
        in[0].add_grad(std::move(dx));
      },
      [k](const Inputs& in) { return square_wrong_at(in[0], k); });
}

// y = relu(x) whose backward claims the derivative `d` everywhere; `record` decides whether it
// fills its branch record as relu does.
Variable relu_claiming(const Variable& x, double d, bool record) {
  Tensor y = map(x.value(), [](const auto& a) {
    return xt::maximum(a, typename std::decay_t<decltype(a)>::value_type(0));
  });
  Variable out = make_node(
      "relu_claiming", std::move(y), {x},
      [d](const Tensor& g, Inputs& in) {
        Tensor dx = g;
        for (std::size_t i = 0; i < dx.size(); ++i) dx.set_flat(i, g.flat(i) * d);
        in[0].add_grad(std::move(dx));
      },
      [d, record](const Inputs& in) { return relu_claiming(in[0], d, record); });
  if (record && branch_recording() && out.requires_grad())
    out.node()->branches = record_branches(
        x.size(), [&](std::size_t i) { return x.value().flat(i) > 0 ? 1 : 0; },
        [&](std::size_t i) { return x.value().flat(i) == 0; });
  return out;
}

// y = 3 x with a backward that sends 2 g: the planted error.
Variable bad_scale(const Variable& x) {
  Tensor y = map(x.value(), [](const auto& a) { return a * 3.0; });
  return make_node(
      "bad_scale", std::move(y), {x},
      [](const Tensor& g, Inputs& in) {
        in[0].add_grad(map(g, [](const auto& a) { return a * 2.0; }));
      },
      [](const Inputs& in) { return bad_scale(in[0]); });
}

// The identity whose backward reverses g: passes with an all-ones seed, not with a random one.
Variable reversed_backward(const Variable& x) {
  return make_node(
      "reversed_backward", x.value(), {x},
      [](const Tensor& g, Inputs& in) {
        Tensor r = g;
        const std::size_t n = g.size();
        for (std::size_t i = 0; i < n; ++i) r.set_flat(i, g.flat(n - 1 - i));
        in[0].add_grad(std::move(r));
      },
      [](const Inputs& in) { return reversed_backward(in[0]); });
}

// y = 2 x, correct, but with no replay closure.
Variable no_replay_double(const Variable& x) {
  Tensor y = map(x.value(), [](const auto& a) { return a * 2.0; });
  return make_node("no_replay_double", std::move(y), {x}, [](const Tensor& g, Inputs& in) {
    in[0].add_grad(map(g, [](const auto& a) { return a * 2.0; }));
  });
}

Tensor values(std::vector<double> v) {
  const std::size_t n = v.size();
  return Tensor::from_vector(v, {n});
}

auto sum_of(Variable (*op)(const Variable&)) {
  return [op](const Inputs& in) { return sum(op(in[0])); };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gradcheck_util)

BOOST_AUTO_TEST_CASE(correct_backward_passes_with_tiny_error) {
  const auto r = gradcheck([](const Inputs& in) { return sum(mul(in[0], in[1])); },
                           {randn({3, 4}, 1), randn({4}, 2)});
  BOOST_TEST(r.ok, r.summary());
  BOOST_TEST(r.inputs.size() == 2u);
  BOOST_TEST(r.inputs[0].checked == 12u);
  BOOST_TEST(r.inputs[1].checked == 4u);
  BOOST_TEST(r.inputs[0].max_rel_error < 1e-8);
  BOOST_TEST(r.summary().find("f: ok") == 0u, r.summary());
}

BOOST_AUTO_TEST_CASE(wrong_backward_is_caught_naming_input_index_and_values) {
  const auto all = gradcheck(sum_of(bad_square), {values({0.5, -1.5, 2.0})}, {}, "bad_square");
  BOOST_TEST(!all.ok);
  BOOST_TEST(all.inputs[0].failures == 3u);
  BOOST_TEST(all.inputs[0].max_rel_error == 0.5, boost::test_tools::tolerance(1e-8));

  // One wrong coordinate among right ones: x = 2 at [1, 0], analytic 0, numeric 2x = 4.
  const auto r =
      gradcheck([](const Inputs& in) { return sum(square_wrong_at(in[0], 2)); },
                {Tensor::from_vector({0.5, -1.5, 2.0, 1.0}, {2, 2})}, {}, "square_wrong_at");
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.inputs[0].failures == 1u);
  BOOST_TEST(r.inputs[0].worst_index == 2u);
  BOOST_TEST(r.inputs[0].worst_analytic == 0.0);
  BOOST_TEST(r.inputs[0].worst_numeric == 4.0, boost::test_tools::tolerance(1e-8));
  BOOST_TEST(r.inputs[0].worst_rel_error == 1.0, boost::test_tools::tolerance(1e-8));
  const std::string s = r.summary();
  for (const char* part : {"square_wrong_at: FAILED", "input 0", "index [1, 0] (flat 2)",
                           "analytic 0", "numeric 4", "1 of 4 coordinates failed"})
    BOOST_TEST(s.find(part) != std::string::npos, "'" << s << "' lacks '" << part << "'");
}

BOOST_AUTO_TEST_CASE(a_backward_that_permutes_g_is_caught_on_non_scalar_outputs) {
  const auto r =
      gradcheck([](const Inputs& in) { return reversed_backward(in[0]); }, {randn({2, 3}, 5)});
  BOOST_TEST(!r.ok, r.summary());
  // The same backward passes an all-ones seed: that is why a random projection is used.
  const auto ones =
      gradcheck([](const Inputs& in) { return sum(reversed_backward(in[0])); }, {randn({2, 3}, 5)});
  BOOST_TEST(ones.ok, ones.summary());
}

BOOST_AUTO_TEST_CASE(relative_error_is_zero_when_both_gradients_are_zero) {
  // y is unused: its analytic gradient is absent (zero) and its numeric one exactly zero.
  const auto r =
      gradcheck([](const Inputs& in) { return sum(in[0]); }, {randn({2, 2}, 3), randn({3}, 4)});
  BOOST_TEST(r.ok, r.summary());
  BOOST_TEST(r.inputs[1].max_rel_error == 0.0);
  for (const auto& c : r.inputs[1].coordinates) {
    BOOST_TEST(c.analytic == 0.0);
    BOOST_TEST(c.numeric == 0.0);
  }
}

BOOST_AUTO_TEST_CASE(atol_and_rtol_decide_as_the_printed_rule_says) {
  // bad_square at x = 1e-6: analytic 1e-6, numeric 2e-6; |a - n| = 1e-6.
  GradcheckOptions loose;
  loose.atol = 2e-6;
  BOOST_TEST(gradcheck(sum_of(bad_square), {values({1e-6})}, loose).ok);
  GradcheckOptions tight;
  tight.atol = 1e-7;
  tight.rtol = 0.4;
  BOOST_TEST(!gradcheck(sum_of(bad_square), {values({1e-6})}, tight).ok);
  tight.rtol = 0.6;  // 1e-6 <= 1e-7 + 0.6 * 2e-6
  const auto r = gradcheck(sum_of(bad_square), {values({1e-6})}, tight);
  BOOST_TEST(r.ok, r.summary());
  BOOST_TEST(r.pass_rule().find("atol + rtol * max(|a|, |n|)") != std::string::npos);
  BOOST_TEST(r.pass_rule().find("rtol = 6.0e-01") != std::string::npos, r.pass_rule());
}

BOOST_AUTO_TEST_CASE(kink_crossing_is_reported_and_passes_inside_the_slopes) {
  // relu at x = 1e-7: [x - h, x + h] crosses 0; left slope 1e-7 / h ~ 0.0165, right slope 1.
  for (bool record : {true, false}) {
    auto check = [record](double claimed) {
      return gradcheck([claimed, record](
                           const Inputs& in) { return sum(relu_claiming(in[0], claimed, record)); },
                       {values({1e-7})}, {}, "relu_claiming");
    };
    for (double inside : {1.0, 0.5, 0.05}) {
      const auto r = check(inside);
      BOOST_TEST(r.ok, "record " << record << ", claimed " << inside << ": " << r.summary());
      BOOST_TEST(r.inputs[0].kinks_crossed == 1u);
      BOOST_TEST((r.inputs[0].coordinates[0].kink == KinkStatus::crossed));
      BOOST_TEST(r.inputs[0].coordinates[0].left == 1e-7 / r.inputs[0].coordinates[0].step,
                 boost::test_tools::tolerance(1e-6));
      BOOST_TEST(r.inputs[0].coordinates[0].right == 1.0, boost::test_tools::tolerance(1e-9));
    }
    for (double outside : {1.5, -0.2, 0.0}) {
      const auto r = check(outside);
      BOOST_TEST(!r.ok, "record " << record << ", claimed " << outside);
      BOOST_TEST(r.summary().find("kink crossed") != std::string::npos, r.summary());
    }
  }
  // Away from the kink the same claim of 0.5 is simply wrong.
  const auto smooth = gradcheck(
      [](const Inputs& in) { return sum(relu_claiming(in[0], 0.5, true)); }, {values({0.7})});
  BOOST_TEST(!smooth.ok);
  BOOST_TEST((smooth.inputs[0].coordinates[0].kink == KinkStatus::smooth));
}

BOOST_AUTO_TEST_CASE(a_coordinate_on_a_kink_is_classified_at_kink) {
  auto f = [](const Inputs& in) { return sum(relu(in[0])); };
  const auto r = gradcheck(f, {values({0.0, 0.8, -0.3})}, {}, "relu");
  BOOST_TEST(r.ok, r.summary());
  BOOST_TEST((r.inputs[0].coordinates[0].kink == KinkStatus::at_kink));
  BOOST_TEST((r.inputs[0].coordinates[1].kink == KinkStatus::smooth));
  BOOST_TEST((r.inputs[0].coordinates[2].kink == KinkStatus::smooth));
  BOOST_TEST(r.kinks_at() == 1u);
  BOOST_TEST(r.kinks_crossed() == 0u);
  // relu's subgradient 0 lies in [left, right] = [0, 1].
  BOOST_TEST(r.inputs[0].coordinates[0].left == 0.0);
  BOOST_TEST(r.inputs[0].coordinates[0].right == 1.0, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(r.table().find("1 at kink") != std::string::npos, r.table());

  GradcheckOptions strict;
  strict.kinks_fail = true;
  const auto s = gradcheck(f, {values({0.0, 0.8, -0.3})}, strict, "relu");
  BOOST_TEST(!s.ok);
  BOOST_TEST(s.inputs[0].failures == 1u);
  BOOST_TEST(s.summary().find("at kink") != std::string::npos, s.summary());
  BOOST_TEST(s.summary().find("kinks_fail is on") != std::string::npos, s.summary());
}

BOOST_AUTO_TEST_CASE(smooth_ops_report_no_kinks) {
  const auto r =
      gradcheck([](const Inputs& in) { return sum(mul(in[0], in[0])); }, {randn({4, 5}, 11)});
  BOOST_TEST(r.ok, r.summary());
  BOOST_TEST(r.kinks_crossed() + r.kinks_at() == 0u);
}

BOOST_AUTO_TEST_CASE(sampled_mode_is_reproducible_from_its_seed_and_covers_small_tensors) {
  auto f = [](const Inputs& in) { return sum(linear(in[0], in[1], in[2])); };
  const std::vector<Tensor> x{randn({2, 300}, 1), randn({300, 10}, 2), randn({10}, 3)};
  GradcheckOptions o;
  o.samples = 16;
  o.full_limit = 100;
  o.seed = 7;
  const auto a = gradcheck(f, x, o);
  const auto b = gradcheck(f, x, o);
  o.seed = 8;
  const auto c = gradcheck(f, x, o);
  BOOST_TEST(a.ok, a.summary());
  BOOST_TEST(a.inputs[1].checked == 16u);
  BOOST_TEST(a.inputs[2].checked == 10u);  // the bias: every coordinate
  auto indices = [](const InputReport& r) {
    std::vector<std::size_t> v;
    for (const auto& k : r.coordinates) v.push_back(k.index);
    return v;
  };
  BOOST_TEST(indices(a.inputs[1]) == indices(b.inputs[1]));
  BOOST_TEST(indices(a.inputs[0]) == indices(b.inputs[0]));
  BOOST_TEST(a.inputs[1].max_rel_error == b.inputs[1].max_rel_error);
  BOOST_TEST(indices(a.inputs[1]) != indices(c.inputs[1]));
  const auto ia = indices(a.inputs[1]);
  BOOST_TEST(std::set<std::size_t>(ia.begin(), ia.end()).size() == 16u);  // distinct
  BOOST_TEST(a.report().find("(seed 7)") != std::string::npos, a.report());
  BOOST_TEST(a.table().find("16/3000") != std::string::npos, a.table());
}

BOOST_AUTO_TEST_CASE(forward_differences_are_less_accurate_than_central_ones) {
  auto cube = [](const Inputs& in) { return sum(mul(mul(in[0], in[0]), in[0])); };
  const Tensor x = randn({3, 4}, 21);
  const auto central = gradcheck(cube, {x});
  GradcheckOptions fw;
  fw.scheme = DiffScheme::forward;
  fw.rtol = 1e-4;
  const auto forward = gradcheck(cube, {x}, fw);
  BOOST_TEST(central.ok, central.summary());
  BOOST_TEST(forward.ok, forward.summary());
  BOOST_TEST(central.inputs[0].max_rel_error < forward.inputs[0].max_rel_error);
  BOOST_TEST(central.step_rule().find("h = 6.06e-06 * max(1, |x|) (central") == 0u,
             central.step_rule());
  BOOST_TEST(forward.step_rule().find("h = 1.49e-08 * max(1, |x|) (forward") == 0u,
             forward.step_rule());
  // A given h is used as is and said so.
  GradcheckOptions given;
  given.h = 1e-4;
  given.rtol = 1e-5;
  const auto g = gradcheck(cube, {x}, given);
  BOOST_TEST(g.ok, g.summary());
  BOOST_TEST(g.inputs[0].coordinates[0].step == 1e-4);
  BOOST_TEST(g.step_rule().find("h = 0.0001 (given)") == 0u, g.step_rule());
}

BOOST_AUTO_TEST_CASE(float32_is_checked_in_float64_or_warns_why_it_cannot_pass) {
  auto f = [](const Inputs& in) { return sum(mul(in[0], in[0])); };
  const Tensor x32 = randn({3, 3}, 4, Dtype::float32);
  const auto r64 = gradcheck(f, {x32});
  BOOST_TEST(r64.ok, r64.summary());
  BOOST_TEST(r64.converted);
  BOOST_TEST((r64.dtype == Dtype::float64));
  BOOST_TEST(r64.warnings.empty());
  BOOST_TEST(r64.step_rule().find("float32 values converted") != std::string::npos);

  GradcheckOptions o;
  o.in_float64 = false;
  const auto r32 = gradcheck(f, {x32}, o);
  BOOST_TEST((r32.dtype == Dtype::float32));
  BOOST_TEST_REQUIRE(!r32.warnings.empty());
  BOOST_TEST(r32.step_rule().find("h = 0.00492 * max(1, |x|) (central differences, float32)") == 0u,
             r32.step_rule());
  const std::string& w = r32.warnings[0];
  for (const char* part : {"float32", "rtol 1.0e-06 cannot be met", "eps 1.2e-07", "in_float64"})
    BOOST_TEST(w.find(part) != std::string::npos, "'" << w << "' lacks '" << part << "'");
  // A float32-sized tolerance draws no warning and passes.
  o.rtol = 1e-2;
  o.atol = 1e-3;
  const auto loose = gradcheck(f, {x32}, o);
  BOOST_TEST(loose.ok, loose.summary());
  BOOST_TEST(loose.warnings.empty());
}

BOOST_AUTO_TEST_CASE(report_states_step_rule_seed_and_table) {
  GradcheckOptions o;
  o.seed = 123;
  const auto r = gradcheck([](const Inputs& in) { return sum(relu(in[0])); }, {values({0.4, -0.2})},
                           o, "relu");
  const std::string text = fmt::format("{}", r);
  for (const char* part :
       {"gradcheck relu", "h = 6.06e-06 * max(1, |x|)", "atol = 1.0e-09, rtol = 1.0e-06",
        "rel err = |a - n| / max(|a|, |n|), 0 when both are 0", "(seed 123)", "input", "shape",
        "checked", "max rel err", "worst index", "analytic", "numeric", "kinks", "result",
        "input 0", "(2)", "relu: ok"})
    BOOST_TEST(text.find(part) != std::string::npos, "report lacks '" << part << "':\n" << text);
  BOOST_TEST(fmt::format("{:s}", r) == r.summary());
}

BOOST_AUTO_TEST_CASE(model_check_converts_float32_parameters_and_restores_them) {
  Variable w(randn({3, 4}, 1, Dtype::float32), true);
  Variable b(randn({4}, 2, Dtype::float32), true);
  const Tensor x = detail::away_from_zero({5, 3}, 3);
  const std::vector<double> w_before = w.value().to_vector();
  auto loss = [&] { return sum(relu(linear(Variable(x.to(w.dtype())), w, b))); };
  const auto r = gradcheck_model(loss, {w, b}, {}, "model", {"W", "b"});
  BOOST_TEST(r.ok, r.report());
  BOOST_TEST(r.converted);
  BOOST_TEST(r.inputs[0].name == "W");
  BOOST_TEST(r.inputs[1].checked == 4u);
  BOOST_TEST((w.dtype() == Dtype::float32));
  BOOST_TEST((b.dtype() == Dtype::float32));
  BOOST_TEST(w.value().to_vector() == w_before);  // bit for bit
  BOOST_TEST(!w.has_grad());
  BOOST_TEST(r.report().find("parameter") != std::string::npos);

  // A loss that mixes float32 data into the float64 check is told how to fix itself, and the
  // parameters are still restored.
  auto mixed = [&] { return sum(linear(Variable(x.to(Dtype::float32)), w, b)); };
  BOOST_CHECK_EXCEPTION(gradcheck_model(mixed, {w, b}), TypeError,
                        test::mentions("gradcheck_model", "Variable(x.to(w.dtype()))"));
  BOOST_TEST((w.dtype() == Dtype::float32));
  BOOST_TEST(w.value().to_vector() == w_before);
}

BOOST_AUTO_TEST_CASE(model_check_in_float32_warns_and_keeps_float32) {
  Variable w(randn({3, 2}, 5, Dtype::float32), true);
  const Variable x(randn({4, 3}, 6, Dtype::float32));
  const std::vector<double> before = w.value().to_vector();
  GradcheckOptions o;
  o.in_float64 = false;
  const auto r = gradcheck_model([&] { return sum(mul(matmul(x, w), matmul(x, w))); }, {w}, o);
  BOOST_TEST((r.dtype == Dtype::float32));
  BOOST_TEST(!r.converted);
  BOOST_TEST_REQUIRE(!r.warnings.empty());
  BOOST_TEST(r.warnings[0].find("checking in float32: rtol 1.0e-06 cannot be met") == 0u,
             r.warnings[0]);
  BOOST_TEST(r.report().find("warning: checking in float32") != std::string::npos);
  BOOST_TEST((w.dtype() == Dtype::float32));
  BOOST_TEST(w.value().to_vector() == before);
}

BOOST_AUTO_TEST_CASE(model_check_rejects_bad_parameter_lists) {
  Variable w(randn({2, 2}, 1), true);
  auto loss = [&] { return sum(w); };
  BOOST_CHECK_EXCEPTION(gradcheck_model(loss, std::vector<Variable>{}), ValueError,
                        test::mentions("gradcheck_model", "no parameters"));
  Variable twice = w * 2.0;
  BOOST_CHECK_EXCEPTION(gradcheck_model(loss, {twice}), ValueError,
                        test::mentions("parameter 0 is not a leaf", "'mul'"));
  NoGradGuard no_grad;
  BOOST_CHECK_EXCEPTION(gradcheck_model(loss, {w}), GraphError,
                        test::mentions("gradcheck_model", "NoGradGuard"));
}

BOOST_AUTO_TEST_CASE(a_planted_error_fails_the_model_and_is_pinned_to_its_node) {
  Variable w(randn({3, 4}, 1), true);
  Variable b(randn({4}, 2), true);
  const Variable x(detail::away_from_zero({5, 3}, 3));
  auto loss = [&] { return sum(relu(bad_scale(linear(x, w, b)))); };

  const auto model = gradcheck_model(loss, {w, b}, {}, "model", {"W", "b"});
  BOOST_TEST(!model.ok);
  BOOST_TEST(!model.inputs[0].ok);
  BOOST_TEST(model.summary().find("at W index") != std::string::npos, model.summary());

  const auto nodes = gradcheck_nodes(loss);
  BOOST_TEST(!nodes.ok);
  std::vector<std::string> failing, passing;
  for (const auto& row : nodes.inputs) (row.ok ? passing : failing).push_back(row.name);
  BOOST_TEST(failing == std::vector<std::string>{"#1 bad_scale: in 0"});
  // linear checked on W and b only (x needs no gradient), then relu and sum.
  BOOST_TEST(passing == (std::vector<std::string>{"#0 linear: in 1", "#0 linear: in 2",
                                                  "#2 relu: in 0", "#3 sum: in 0"}));
  BOOST_TEST(nodes.summary().find("#1 bad_scale: in 0") != std::string::npos, nodes.summary());

  GradcheckOptions both;
  both.per_node = true;
  const auto all = gradcheck_model(loss, {w, b}, both);
  BOOST_TEST(all.inputs.size() == 2u + 5u);
  BOOST_TEST(all.table().find("FAIL") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(per_node_mode_lists_a_node_without_replay_as_skipped) {
  Variable w(randn({2, 3}, 1), true);
  const auto r = gradcheck_nodes([&] { return sum(no_replay_double(w)); });
  BOOST_TEST(r.ok, r.report());
  BOOST_TEST_REQUIRE(r.inputs.size() == 2u);
  BOOST_TEST(r.inputs[0].skipped);
  BOOST_TEST(r.inputs[0].name == "#0 no_replay_double");
  BOOST_TEST(r.table().find("skipped") != std::string::npos);
  BOOST_TEST(r.table().find("no replay") != std::string::npos);

  Variable constant(randn({2}, 3));
  BOOST_CHECK_EXCEPTION(gradcheck_nodes([&] { return sum(constant); }), GraphError,
                        test::mentions("gradcheck_nodes", "records no graph"));
}

BOOST_AUTO_TEST_CASE(checking_inside_no_grad_guard_is_an_error) {
  NoGradGuard no_grad;
  BOOST_CHECK_EXCEPTION(gradcheck([](const Inputs& in) { return sum(in[0]); }, {randn({2}, 1)}),
                        GraphError, test::mentions("gradcheck", "NoGradGuard"));
}

BOOST_AUTO_TEST_CASE(index_str_gives_the_multi_index) {
  BOOST_TEST(index_str(5, Shape{3, 4}) == "[1, 1]");
  BOOST_TEST(index_str(23, Shape{2, 3, 4}) == "[1, 2, 3]");
  BOOST_TEST(index_str(0, Shape{}) == "[]");
}

BOOST_AUTO_TEST_SUITE_END()
