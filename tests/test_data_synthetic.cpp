// SPDX-License-Identifier: MIT
// Synthetic data sets: the Gaussian blobs' labels, centres and seeds, and Fashion-MNIST's
// stand-in.
#define BOOST_TEST_MODULE data_synthetic
#include <cmath>

#include "support/checks.hpp"

using namespace slope;

namespace {
// The mean of feature j over the rows of class `label`.
double class_mean(const Dataset& d, std::int64_t label, std::size_t j) {
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t i = 0; i < d.size(); ++i)
    if (d.y[i] == label) {
      sum += d.x.flat(i * d.features() + j);
      ++count;
    }
  return sum / static_cast<double>(count);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(data_synthetic)

BOOST_AUTO_TEST_CASE(blobs_cycle_their_labels_around_seeded_centres) {
  const Dataset d = gaussian_blobs(3000, 4, 3, 5, 6, 0.1);
  BOOST_TEST(shape_str(d.x.shape()) == "(3000, 4)");
  BOOST_TEST(std::string(dtype_name(d.x.dtype())) == "float32");
  BOOST_TEST(d.y.size() == 3000u);
  BOOST_TEST(d.y[0] == 0);
  BOOST_TEST(d.y[1] == 1);
  BOOST_TEST(d.y[2] == 2);
  BOOST_TEST(d.y[3] == 0);
  // Each class's mean is its centre: the centres are uniform(seed) of shape [classes, dim].
  const Tensor centres = uniform({3, 4}, 0.0, 1.0, 5, Dtype::float32);
  for (std::int64_t c = 0; c < 3; ++c)
    for (std::size_t j = 0; j < 4; ++j)
      BOOST_TEST(std::abs(class_mean(d, c, j) - centres.flat(c * 4 + j)) < 0.01);
}

BOOST_AUTO_TEST_CASE(the_same_seeds_give_the_same_set_and_the_noise_seed_only_the_noise) {
  const Dataset a = gaussian_blobs(50, 3, 2, 1, 2);
  const Dataset b = gaussian_blobs(50, 3, 2, 1, 2);
  const Dataset other_noise = gaussian_blobs(50, 3, 2, 1, 3);
  BOOST_TEST(std::equal(a.x.data<float>(), a.x.data<float>() + 150, b.x.data<float>()));
  BOOST_TEST(!std::equal(a.x.data<float>(), a.x.data<float>() + 150, other_noise.x.data<float>()));
  BOOST_TEST(a.y == other_noise.y, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(no_spread_puts_every_row_on_its_centre) {
  const Dataset d = gaussian_blobs(4, 2, 2, 9, 1, 0.0);
  const Tensor centres = uniform({2, 2}, 0.0, 1.0, 9, Dtype::float32);
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 2; ++j)
      BOOST_TEST(d.x.flat(i * 2 + j) == centres.flat((i % 2) * 2 + j));
}

BOOST_AUTO_TEST_CASE(bad_parameters_name_their_values) {
  BOOST_CHECK_EXCEPTION(gaussian_blobs(4, 2, 0, 1, 2), ValueError,
                        test::mentions("gaussian_blobs", "classes 0"));
  BOOST_CHECK_EXCEPTION(gaussian_blobs(4, 2, 3, 1, 2, -1.0), ValueError,
                        test::mentions("gaussian_blobs", "spread -1"));
}

BOOST_AUTO_TEST_CASE(fashion_mnist_stand_in_shares_centres_between_train_and_test) {
  const TrainTest t = synthetic_fashion_mnist(20, 10, 3);
  BOOST_TEST(shape_str(t.train.x.shape()) == "(20, 784)");
  BOOST_TEST(shape_str(t.test.x.shape()) == "(10, 784)");
  const Dataset train = gaussian_blobs(20, 784, 10, 3, 4);
  const Dataset test = gaussian_blobs(10, 784, 10, 3, 5);
  BOOST_TEST(std::equal(train.x.data<float>(), train.x.data<float>() + train.x.size(),
                        t.train.x.data<float>()));
  BOOST_TEST(std::equal(test.x.data<float>(), test.x.data<float>() + test.x.size(),
                        t.test.x.data<float>()));
  BOOST_TEST(t.test.y[9] == 9);
}

BOOST_AUTO_TEST_SUITE_END()
