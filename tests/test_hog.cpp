// SPDX-License-Identifier: MIT
// HOG and the colour features on tiny images whose gradients and colours are known.
#define BOOST_TEST_MODULE hog
#include <cmath>
#include <functional>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "support/checks.hpp"
#include <slope/slope.hpp>

using slope::Tensor;
using slope::test::mentions;

namespace {

// One 8 x 8 grey image with pixel (y, x) = f(y, x).
Tensor image(const std::function<double(double, double)>& f) {
  std::vector<double> v;
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) v.push_back(f(y, x));
  return Tensor::from_vector(v, {1, 64}, slope::Dtype::float32);
}

// In cells of 4 (2 x 2 cells, so one block of 4 cells x 9 bins), the bins that hold mass and the
// block's norm.
void expect_only_bin(const Tensor& features, std::size_t bin) {
  BOOST_TEST((features.shape() == slope::Shape{1, 36}));
  double sq = 0;
  for (std::size_t i = 0; i < 36; ++i) {
    const double v = features.flat(i);
    sq += v * v;
    if (i % 9 == bin)
      BOOST_TEST(v > 0.1, "bin " << i % 9 << " of cell " << i / 9 << " is " << v);
    else
      BOOST_TEST(v == 0.0, "bin " << i % 9 << " of cell " << i / 9 << " is " << v);
  }
  BOOST_TEST(std::sqrt(sq) == 1.0, boost::test_tools::tolerance(1e-5));
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_ramp_puts_every_cell_in_its_gradient_bin) {
  slope::HogOptions o;
  o.cell = 4;
  BOOST_TEST(slope::hog_size(8, 8, o) == 36u);
  BOOST_TEST(slope::hog_size(28, 28, o) == 6 * 6 * 36u);
  // Bins of 20 degrees: 0 (rightwards), 90 (down, y grows downwards), 45, 135 (a falling ramp).
  expect_only_bin(slope::hog_features(image([](double, double x) { return x; }), 8, 8, o), 0);
  expect_only_bin(slope::hog_features(image([](double y, double) { return y; }), 8, 8, o), 4);
  expect_only_bin(slope::hog_features(image([](double y, double x) { return x + y; }), 8, 8, o), 2);
  expect_only_bin(slope::hog_features(image([](double y, double x) { return y - x; }), 8, 8, o), 6);
  // Bright to dark is the same edge as dark to bright: unsigned orientations.
  expect_only_bin(slope::hog_features(image([](double, double x) { return -x; }), 8, 8, o), 0);
}

BOOST_AUTO_TEST_CASE(a_flat_image_has_zero_features_not_nan) {
  const Tensor f = slope::hog_features(image([](double, double) { return 0.5; }), 8, 8);
  for (std::size_t i = 0; i < f.size(); ++i) BOOST_TEST(f.flat(i) == 0.0);
}

BOOST_AUTO_TEST_CASE(hog_refuses_shapes_that_do_not_fit) {
  const Tensor im = Tensor::zeros({2, 64}, slope::Dtype::float32);
  BOOST_CHECK_EXCEPTION(slope::hog_features(im, 12, 12), slope::ShapeError,
                        mentions("hog", "144", "(2, 64)"));
  slope::HogOptions big;
  big.cell = 5;
  BOOST_CHECK_EXCEPTION(slope::hog_features(im, 8, 8, big), slope::ValueError,
                        mentions("hog", "8 x 8", "cells of 5"));
}

BOOST_AUTO_TEST_CASE(colour_images_give_grey_and_hue_fractions) {
  // A 1 x 4 RGB image: red, green, blue, grey (planes R, G, B).
  const Tensor rgb = Tensor::from_vector({1, 0, 0, 0.5, 0, 1, 0, 0.5, 0, 0, 1, 0.5}, {1, 12},
                                         slope::Dtype::float32);
  const Tensor grey = slope::rgb_to_grey(rgb, 1, 4);
  BOOST_TEST(grey.flat(0) == 0.299, boost::test_tools::tolerance(1e-6));
  BOOST_TEST(grey.flat(1) == 0.587, boost::test_tools::tolerance(1e-6));
  BOOST_TEST(grey.flat(3) == 0.5, boost::test_tools::tolerance(1e-6));
  // Hues: red 0, green 1/3, blue 2/3, grey 0: in 6 bins, 2/4 in bin 0, 1/4 in bins 2 and 4.
  const Tensor h = slope::hue_histogram(rgb, 1, 4, 6);
  const std::vector<double> want = {0.5, 0, 0.25, 0, 0.25, 0};
  for (std::size_t i = 0; i < 6; ++i)
    BOOST_TEST(h.flat(i) == want[i], boost::test_tools::tolerance(1e-6));
  BOOST_CHECK_EXCEPTION(slope::hue_histogram(rgb, 1, 4, 0), slope::ValueError, mentions("bins"));
  BOOST_CHECK_EXCEPTION(slope::rgb_to_grey(rgb, 2, 4), slope::ShapeError,
                        mentions("rgb_to_grey", "(1, 12)"));
}
