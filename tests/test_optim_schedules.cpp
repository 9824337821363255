// SPDX-License-Identifier: MIT
// slope-test-labels: optim unit
// Step-size schedules give their documented values (docs/optimizers.md, "Schedules").
#define BOOST_TEST_MODULE optim_schedules
#include "support/checks.hpp"

using namespace slope;
using test::mentions;

namespace {
// |got - want| <= 1e-15 * max(1, |want|), naming the point.
boost::test_tools::predicate_result near(double got, double want, double e) {
  if (std::abs(got - want) <= 1e-15 * std::max(1.0, std::abs(want))) return true;
  boost::test_tools::predicate_result r(false);
  r.message() << "at e = " << e << ": got " << fmt::format("{:.17g}", got) << ", want "
              << fmt::format("{:.17g}", want);
  return r;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(schedules)

BOOST_AUTO_TEST_CASE(constant_is_eta0_everywhere) {
  for (double e : {0.0, 0.5, 7.25, 1e6}) {
    BOOST_TEST(near(Schedule().rate(0.1, e, 10), 0.1, e));
    BOOST_TEST(near(Schedule::constant().rate(0.1, e, 10), 0.1, e));
  }
  BOOST_TEST(Schedule().describe() == "constant");
}

// eta0 * gamma^floor(e / every), gamma 0.5, every 2.
BOOST_AUTO_TEST_CASE(step_decay_halves_every_two_epochs) {
  const Schedule s = Schedule::step_decay(0.5, 2);
  const std::vector<std::pair<double, double>> want = {
      {0, 0.1}, {1.99, 0.1}, {2, 0.05}, {3.5, 0.05}, {4, 0.025}, {5, 0.025}, {10, 0.003125}};
  for (const auto& [e, eta] : want) BOOST_TEST(near(s.rate(0.1, e, 10), eta, e));
  BOOST_TEST(s.describe() == "step_decay(gamma 0.5, every 2)");
}

// eta0 * gamma^e, gamma 0.9: continuous within an epoch.
BOOST_AUTO_TEST_CASE(exponential_multiplies_by_gamma_per_epoch) {
  const Schedule s = Schedule::exponential(0.9);
  BOOST_TEST(near(s.rate(0.1, 0, 10), 0.1, 0));
  BOOST_TEST(near(s.rate(0.1, 1, 10), 0.09, 1));
  BOOST_TEST(near(s.rate(0.1, 2, 10), 0.081, 2));
  BOOST_TEST(near(s.rate(0.1, 0.5, 10), 0.1 * std::sqrt(0.9), 0.5));  // 0.0948683298...
  BOOST_TEST(s.describe() == "exponential(gamma 0.9)");
}

// eta0 / (1 + k e), k 0.5.
BOOST_AUTO_TEST_CASE(inverse_time_is_one_over_t) {
  const Schedule s = Schedule::inverse_time(0.5);
  BOOST_TEST(near(s.rate(0.1, 0, 10), 0.1, 0));
  BOOST_TEST(near(s.rate(0.1, 2, 10), 0.05, 2));
  BOOST_TEST(near(s.rate(0.1, 6, 10), 0.025, 6));
  BOOST_TEST(near(s.rate(0.1, 1, 10), 0.1 / 1.5, 1));
  BOOST_TEST(near(Schedule::inverse_time(0).rate(0.1, 100, 10), 0.1, 100));
}

// eta0 (m + (1 - m)(1 + cos(pi min(e, E) / E)) / 2); E = the run's epochs when horizon is 0.
BOOST_AUTO_TEST_CASE(cosine_over_the_run) {
  const Schedule s = Schedule::cosine();
  BOOST_TEST(near(s.rate(0.1, 0, 10), 0.1, 0));
  BOOST_TEST(near(s.rate(0.1, 2.5, 10), 0.1 * (1 + std::cos(M_PI / 4)) / 2, 2.5));  // 0.0853553...
  BOOST_TEST(near(s.rate(0.1, 5, 10), 0.05, 5));
  BOOST_TEST(std::abs(s.rate(0.1, 10, 10)) < 1e-17);
  BOOST_TEST(std::abs(s.rate(0.1, 12, 10)) < 1e-17);  // flat after the horizon
  BOOST_TEST(s.describe() == "cosine(horizon run, min_factor 0)");
}

BOOST_AUTO_TEST_CASE(cosine_with_horizon_and_floor) {
  const Schedule s = Schedule::cosine(4, 0.1);
  BOOST_TEST(near(s.rate(0.1, 0, 99), 0.1, 0));
  BOOST_TEST(near(s.rate(0.1, 2, 99), 0.1 * (0.1 + 0.9 * 0.5), 2));  // 0.055
  BOOST_TEST(near(s.rate(0.1, 4, 99), 0.01, 4));
  BOOST_TEST(near(s.rate(0.1, 8, 99), 0.01, 8));
  BOOST_TEST(s.describe() == "cosine(horizon 4, min_factor 0.1)");
}

BOOST_AUTO_TEST_CASE(bad_parameters_name_the_schedule_and_value) {
  BOOST_CHECK_EXCEPTION(Schedule::step_decay(0, 1), ValueError,
                        mentions("Schedule::step_decay: gamma must be positive (gamma 0)"));
  BOOST_CHECK_EXCEPTION(Schedule::step_decay(0.5, 0), ValueError,
                        mentions("Schedule::step_decay", "(every 0)"));
  BOOST_CHECK_EXCEPTION(Schedule::exponential(std::nan("")), ValueError,
                        mentions("Schedule::exponential", "(gamma nan)"));
  BOOST_CHECK_EXCEPTION(Schedule::inverse_time(-1), ValueError,
                        mentions("Schedule::inverse_time: k must be >= 0 (k -1)"));
  BOOST_CHECK_EXCEPTION(Schedule::cosine(-2), ValueError,
                        mentions("Schedule::cosine", "(horizon -2)"));
  BOOST_CHECK_EXCEPTION(Schedule::cosine(0, 1.5), ValueError,
                        mentions("Schedule::cosine", "(min_factor 1.5)"));
}

BOOST_AUTO_TEST_SUITE_END()
