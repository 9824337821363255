// SPDX-License-Identifier: MIT
// The 2-D toy sets: shapes, label counts, determinism by seed, and their geometry (radii, arms,
// centres) with and without noise.
#define BOOST_TEST_MODULE data_toy2d
#include <cmath>
#include <map>

#include "support/checks.hpp"

using namespace slope;

namespace {

std::map<std::int64_t, std::size_t> label_counts(const Dataset& d) {
  std::map<std::int64_t, std::size_t> counts;
  for (const auto label : d.y) ++counts[label];
  return counts;
}

double radius(const Dataset& d, std::size_t i) {
  return std::hypot(d.x.flat(2 * i), d.x.flat(2 * i + 1));
}

bool same(const Dataset& a, const Dataset& b) {
  return a.y == b.y && a.x.size() == b.x.size() &&
         std::equal(a.x.data<float>(), a.x.data<float>() + a.x.size(), b.x.data<float>());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(data_toy2d)

BOOST_AUTO_TEST_CASE(every_set_is_n_rows_of_two_float32_features_with_balanced_labels) {
  const Dataset s = spiral(100, 3, 0.2, 1);
  const Dataset m = moons(201, 0.1, 1);
  const Dataset c = circles(200, 0.05, 1);
  const Dataset b = blobs_2d(300, 4, 0.1, 1);
  const Dataset l = lecture_points();
  BOOST_TEST(shape_str(s.x.shape()) == "(300, 2)");
  BOOST_TEST(shape_str(m.x.shape()) == "(201, 2)");
  BOOST_TEST(shape_str(c.x.shape()) == "(200, 2)");
  BOOST_TEST(shape_str(b.x.shape()) == "(300, 2)");
  BOOST_TEST(shape_str(l.x.shape()) == "(9, 2)");
  for (const Dataset* d : {&s, &m, &c, &b, &l}) {
    BOOST_TEST(std::string(dtype_name(d->x.dtype())) == "float32");
    BOOST_TEST(d->y.size() == d->size());
  }
  BOOST_TEST(
      (label_counts(s) == std::map<std::int64_t, std::size_t>{{0, 100}, {1, 100}, {2, 100}}));
  BOOST_TEST((label_counts(m) == std::map<std::int64_t, std::size_t>{{0, 101}, {1, 100}}));
  BOOST_TEST((label_counts(c) == std::map<std::int64_t, std::size_t>{{0, 100}, {1, 100}}));
  BOOST_TEST(
      (label_counts(b) == std::map<std::int64_t, std::size_t>{{0, 75}, {1, 75}, {2, 75}, {3, 75}}));
  BOOST_TEST((label_counts(l) == std::map<std::int64_t, std::size_t>{{0, 3}, {1, 3}, {2, 3}}));
  // The spiral's arms are contiguous (CS231n's layout), the others cycle their labels.
  BOOST_TEST(s.y[99] == 0);
  BOOST_TEST(s.y[100] == 1);
  BOOST_TEST(b.y[5] == 1);
}

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_set_and_another_seed_another) {
  BOOST_TEST(same(spiral(50, 3, 0.2, 7), spiral(50, 3, 0.2, 7)));
  BOOST_TEST(!same(spiral(50, 3, 0.2, 7), spiral(50, 3, 0.2, 8)));
  BOOST_TEST(same(moons(60, 0.1, 7), moons(60, 0.1, 7)));
  BOOST_TEST(!same(moons(60, 0.1, 7), moons(60, 0.1, 8)));
  BOOST_TEST(same(circles(60, 0.1, 7), circles(60, 0.1, 7)));
  BOOST_TEST(!same(circles(60, 0.1, 7), circles(60, 0.1, 8)));
  BOOST_TEST(same(blobs_2d(60, 3, 0.1, 7), blobs_2d(60, 3, 0.1, 7)));
  BOOST_TEST(!same(blobs_2d(60, 3, 0.1, 7), blobs_2d(60, 3, 0.1, 8)));
  // Without noise the seed does not matter.
  BOOST_TEST(same(moons(60, 0.0, 7), moons(60, 0.0, 8)));
}

BOOST_AUTO_TEST_CASE(circles_lie_on_radius_one_and_factor) {
  const Dataset c = circles(40, 0.0, 3, 0.3);
  for (std::size_t i = 0; i < c.size(); ++i)
    BOOST_TEST(radius(c, i) == (c.y[i] == 0 ? 1.0 : 0.3), boost::test_tools::tolerance(1e-6));
  // With noise the radii scatter about the same values.
  const Dataset noisy = circles(2000, 0.05, 3, 0.3);
  double mean[2] = {0, 0};
  for (std::size_t i = 0; i < noisy.size(); ++i) mean[noisy.y[i]] += radius(noisy, i) / 1000;
  BOOST_TEST(std::abs(mean[0] - 1.0) < 0.01);
  BOOST_TEST(std::abs(mean[1] - 0.3) < 0.01);
}

BOOST_AUTO_TEST_CASE(spiral_arms_grow_from_the_centre_to_radius_one) {
  const Dataset s = spiral(11, 3, 0.0, 0);
  for (std::size_t k = 0; k < 3; ++k)
    for (std::size_t i = 0; i < 11; ++i)
      BOOST_TEST(radius(s, k * 11 + i) == static_cast<double>(i) / 10,
                 boost::test_tools::tolerance(1e-6));
  // Arm k's last point sits at angle t = 4 k + 4 (x = sin t, y = cos t).
  BOOST_TEST(s.x.flat(2 * 32) == std::sin(12.0), boost::test_tools::tolerance(1e-6));
  BOOST_TEST(s.x.flat(2 * 32 + 1) == std::cos(12.0), boost::test_tools::tolerance(1e-6));
  // The angle noise moves points along their circle: the radii stay.
  const Dataset noisy = spiral(11, 3, 0.3, 0);
  BOOST_TEST(radius(noisy, 5) == 0.5, boost::test_tools::tolerance(1e-6));
  BOOST_TEST(!same(s, noisy));
}

BOOST_AUTO_TEST_CASE(moons_are_half_circles_one_shifted_and_flipped) {
  const Dataset m = moons(40, 0.0, 0);
  for (std::size_t i = 0; i < m.size(); ++i) {
    const double x = m.x.flat(2 * i), y = m.x.flat(2 * i + 1);
    if (m.y[i] == 0) {
      BOOST_TEST(std::hypot(x, y) == 1.0, boost::test_tools::tolerance(1e-6));
      BOOST_TEST(y >= -1e-6);
    } else {
      BOOST_TEST(std::hypot(x - 1, y - 0.5) == 1.0, boost::test_tools::tolerance(1e-6));
      BOOST_TEST(y <= 0.5 + 1e-6);
    }
  }
}

BOOST_AUTO_TEST_CASE(blobs_centre_on_a_circle_of_radius_0_6) {
  const Dataset b = blobs_2d(3000, 3, 0.1, 4);
  for (std::int64_t k = 0; k < 3; ++k) {
    double mx = 0, my = 0;
    for (std::size_t i = 0; i < b.size(); ++i)
      if (b.y[i] == k) {
        mx += b.x.flat(2 * i) / 1000;
        my += b.x.flat(2 * i + 1) / 1000;
      }
    const double t = 3.14159265358979 / 2 + 2 * 3.14159265358979 * static_cast<double>(k) / 3;
    BOOST_TEST(std::abs(mx - 0.6 * std::cos(t)) < 0.01);
    BOOST_TEST(std::abs(my - 0.6 * std::sin(t)) < 0.01);
  }
}

BOOST_AUTO_TEST_CASE(the_lecture_points_are_the_demo_s_nine) {
  const Dataset l = lecture_points();
  BOOST_TEST(l.x.flat(0) == 0.5, boost::test_tools::tolerance(1e-6));
  BOOST_TEST(l.x.flat(1) == 0.4, boost::test_tools::tolerance(1e-6));
  BOOST_TEST(l.x.flat(16) == -0.4, boost::test_tools::tolerance(1e-6));
  BOOST_TEST(l.x.flat(17) == -0.5, boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(bad_counts_and_noise_name_the_function_and_the_value) {
  BOOST_CHECK_EXCEPTION(spiral(0, 3, 0.2, 0), ValueError, test::mentions("spiral", "per_class 0"));
  BOOST_CHECK_EXCEPTION(spiral(10, 0, 0.2, 0), ValueError, test::mentions("spiral", "classes 0"));
  BOOST_CHECK_EXCEPTION(spiral(10, 3, -0.5, 0), ValueError, test::mentions("spiral", "noise -0.5"));
  BOOST_CHECK_EXCEPTION(spiral(10, 3, std::nan(""), 0), ValueError,
                        test::mentions("spiral", "noise nan"));
  BOOST_CHECK_EXCEPTION(moons(1, 0.1, 0), ValueError, test::mentions("moons", "n 1"));
  BOOST_CHECK_EXCEPTION(moons(10, -1, 0), ValueError, test::mentions("moons", "noise -1"));
  BOOST_CHECK_EXCEPTION(circles(1, 0.1, 0), ValueError, test::mentions("circles", "n 1"));
  BOOST_CHECK_EXCEPTION(circles(10, 0.1, 0, 1.5), ValueError,
                        test::mentions("circles", "factor 1.5"));
  BOOST_CHECK_EXCEPTION(blobs_2d(0, 3, 0.1, 0), ValueError, test::mentions("blobs_2d", "n 0"));
  BOOST_CHECK_EXCEPTION(blobs_2d(10, 0, 0.1, 0), ValueError,
                        test::mentions("blobs_2d", "classes 0"));
  BOOST_CHECK_EXCEPTION(blobs_2d(10, 3, INFINITY, 0), ValueError,
                        test::mentions("blobs_2d", "spread inf"));
}

BOOST_AUTO_TEST_SUITE_END()
