// SPDX-License-Identifier: MIT
// Data sets: loading Fashion-MNIST's four files, subsets, the seeded validation split, the mean
// image and the bias trick, checked on values small enough to compute by hand.
#define BOOST_TEST_MODULE dataset
#include <filesystem>
#include <fstream>
#include <set>
#include <unistd.h>

#include "support/checks.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

using namespace slope;
namespace fs = std::filesystem;

namespace {

// A fresh directory per test case, removed afterwards.
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("dataset") {}
};

// n images of 2x2 pixels whose pixel k of image i is 10 * i + k, labels i % 10.
void write_split(const TempDir& t, const std::string& prefix, std::size_t n, bool gz) {
  IdxArray img{kIdxImagesMagic, {n, 2, 2}, {}};
  IdxArray lbl{kIdxLabelsMagic, {n}, {}};
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < 4; ++k) img.data.push_back(static_cast<std::uint8_t>(10 * i + k));
    lbl.data.push_back(static_cast<std::uint8_t>(i % 10));
  }
  const std::string ext = gz ? ".gz" : "";
  write_idx(t.path(prefix + "-images-idx3-ubyte" + ext), img, gz);
  write_idx(t.path(prefix + "-labels-idx1-ubyte" + ext), lbl, gz);
}

// x [n, 2] with row i = (i, 10 i), labels i.
Dataset rows_dataset(std::size_t n) {
  Dataset d;
  std::vector<double> v;
  for (std::size_t i = 0; i < n; ++i) {
    v.push_back(static_cast<double>(i));
    v.push_back(10.0 * static_cast<double>(i));
    d.y.push_back(static_cast<std::int64_t>(i));
  }
  d.x = Tensor::from_vector(v, {n, 2}, Dtype::float32);
  return d;
}

// A raw IDX file of `data_bytes` bytes of value `fill` after the header (magic, dims).
void write_raw(const std::string& path, std::uint32_t magic, const std::vector<std::uint32_t>& dims,
               std::size_t data_bytes, char fill = 0) {
  std::string b;
  auto put = [&b](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<char>((v >> shift) & 255));
  };
  put(magic);
  for (auto d : dims) put(d);
  b.append(data_bytes, fill);
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(b.data(), static_cast<std::streamsize>(b.size()));
}

// Whether a child's outcome is a ValueError whose message has every fragment.
template <class... Fragments>
bool value_error(const test::ChildOutcome& r, Fragments... fragments) {
  if (r.kind != "ValueError") return false;
  return test::mentions(fragments...)(std::runtime_error(r.what));
}

// A child process may grow by this much only: each bad header below used to allocate gigabytes
// (or throw std::bad_alloc) before it was found out.
constexpr std::size_t kSmallGrowth = std::size_t{32} << 20;

}  // namespace

BOOST_AUTO_TEST_SUITE(dataset)

BOOST_AUTO_TEST_CASE(loads_gzip_and_raw_files_scaled_to_unit_range) {
  TempDir t;
  write_split(t, "train", 6, true);
  write_split(t, "t10k", 3, false);  // raw files are found when there is no .gz
  const TrainTest d = load_fashion_mnist(t.dir.string());
  BOOST_TEST(shape_str(d.train.x.shape()) == "(6, 4)");
  BOOST_TEST(shape_str(d.test.x.shape()) == "(3, 4)");
  BOOST_TEST(d.train.features() == 4u);
  BOOST_TEST(d.train.y == (Labels{0, 1, 2, 3, 4, 5}), boost::test_tools::per_element());
  BOOST_TEST(d.test.y == (Labels{0, 1, 2}), boost::test_tools::per_element());
  // image 5, pixel 3: 53 / 255
  BOOST_TEST(d.train.x.flat(5 * 4 + 3) == 53.0 / 255.0, boost::test_tools::tolerance(1e-6));
  BOOST_TEST(d.test.x.flat(2 * 4 + 1) == 21.0 / 255.0, boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(split_while_loading_matches_split_after_loading) {
  TempDir t;
  write_split(t, "train", 9, true);
  write_split(t, "t10k", 3, true);
  const TrainTest whole = load_fashion_mnist(t.dir.string());
  const TrainValidation after = split_validation(whole.train, 3, /*seed=*/5);
  const TrainValidationTest during = load_fashion_mnist_split(t.dir.string(), 3, /*seed=*/5);
  BOOST_TEST(during.train.y == after.train.y, boost::test_tools::per_element());
  BOOST_TEST(during.validation.y == after.validation.y, boost::test_tools::per_element());
  BOOST_TEST(during.train.x.to_vector() == after.train.x.to_vector(),
             boost::test_tools::per_element());
  BOOST_TEST(during.validation.x.to_vector() == after.validation.x.to_vector(),
             boost::test_tools::per_element());
  BOOST_TEST(during.test.y == whole.test.y, boost::test_tools::per_element());
  BOOST_CHECK_EXCEPTION(load_fashion_mnist_split(t.dir.string(), 9, 5), ValueError,
                        test::mentions("load_fashion_mnist_split", "n_validation 9"));
}

BOOST_AUTO_TEST_CASE(max_rows_loads_a_prefix) {
  TempDir t;
  write_split(t, "train", 8, true);
  write_split(t, "t10k", 5, true);
  const TrainTest d = load_fashion_mnist(t.dir.string(), 3, 2);
  BOOST_TEST(d.train.size() == 3u);
  BOOST_TEST(d.test.size() == 2u);
  BOOST_TEST(d.train.x.flat(2 * 4) == 20.0 / 255.0, boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(missing_file_names_directory_and_file) {
  TempDir t;
  write_split(t, "train", 4, true);
  const std::string dir = t.dir.string();
  BOOST_CHECK_EXCEPTION(load_fashion_mnist(dir), ValueError,
                        test::mentions("load_fashion_mnist", dir, "t10k-images-idx3-ubyte.gz",
                                       "dataset-fashion-mnist"));
  BOOST_CHECK_EXCEPTION(load_fashion_mnist(t.path("nowhere")), ValueError,
                        test::mentions(t.path("nowhere"), "is not a directory"));
}

BOOST_AUTO_TEST_CASE(image_and_label_counts_must_match) {
  TempDir t;
  write_split(t, "a", 4, false);
  write_split(t, "b", 3, false);
  const std::string img = t.path("a-images-idx3-ubyte"), lbl = t.path("b-labels-idx1-ubyte");
  BOOST_CHECK_EXCEPTION(load_idx_dataset(img, lbl), ValueError,
                        test::mentions(img, "holds 4 images but", lbl, "holds 3 labels"));
}

BOOST_AUTO_TEST_CASE(bad_label_file_names_it) {
  TempDir t;
  write_split(t, "a", 2, false);
  const std::string lbl = t.path("bad-labels");
  write_idx(lbl, {kIdxLabelsMagic, {2}, {4, 10}});
  BOOST_CHECK_EXCEPTION(load_idx_dataset(t.path("a-images-idx3-ubyte"), lbl), ValueError,
                        test::mentions(lbl, "label 10 at index 1"));
}

BOOST_AUTO_TEST_CASE(subset_and_take) {
  const Dataset d = rows_dataset(5);
  const Dataset s = subset(d, {4, 1, 1});
  BOOST_TEST(test::close(s.x, {4, 40, 1, 10, 1, 10}));
  BOOST_TEST(s.y == (Labels{4, 1, 1}), boost::test_tools::per_element());
  const Dataset f = take(d, 2);
  BOOST_TEST(test::close(f.x, {0, 0, 1, 10}));
  BOOST_TEST(f.y == (Labels{0, 1}), boost::test_tools::per_element());
  BOOST_CHECK_EXCEPTION(take(d, 6), ValueError, test::mentions("take: 6 rows", "of 5"));
  BOOST_CHECK_EXCEPTION(subset(d, {0, 5}), ValueError,
                        test::mentions("subset: row 5 is out of range (x shape (5, 2))"));
  Dataset bad = d;
  bad.y.pop_back();
  BOOST_CHECK_EXCEPTION(take(bad, 1), ShapeError, test::mentions("subset: 4 labels for 5 rows"));
}

BOOST_AUTO_TEST_CASE(validation_split_is_seeded_disjoint_and_complete) {
  const Dataset d = rows_dataset(50);
  const TrainValidation a = split_validation(d, 10, 7);
  const TrainValidation b = split_validation(d, 10, 7);
  const TrainValidation c = split_validation(d, 10, 8);
  BOOST_TEST(a.train.size() == 40u);
  BOOST_TEST(a.validation.size() == 10u);
  BOOST_TEST(a.validation.y == b.validation.y, boost::test_tools::per_element());
  BOOST_TEST(a.validation.y != c.validation.y);
  std::set<std::int64_t> all(a.train.y.begin(), a.train.y.end());
  all.insert(a.validation.y.begin(), a.validation.y.end());
  BOOST_TEST(all.size() == 50u);  // disjoint and complete
  // Rows travel with their labels: row of label i is (i, 10 i).
  for (std::size_t r = 0; r < a.validation.size(); ++r) {
    BOOST_TEST(a.validation.x.flat(2 * r) == static_cast<double>(a.validation.y[r]));
    BOOST_TEST(a.validation.x.flat(2 * r + 1) == 10.0 * static_cast<double>(a.validation.y[r]));
  }
  BOOST_CHECK_EXCEPTION(split_validation(d, 0, 1), ValueError,
                        test::mentions("split_validation", "1..49", "n_validation 0"));
  BOOST_CHECK_EXCEPTION(split_validation(d, 50, 1), ValueError, test::mentions("n_validation 50"));
}

BOOST_AUTO_TEST_CASE(mean_image_subtracted_from_every_set) {
  Dataset train = rows_dataset(3);  // rows (0, 0), (1, 10), (2, 20): mean (1, 10)
  Dataset test_set = take(rows_dataset(5), 5);
  const Tensor m = mean_image(train);
  BOOST_TEST(test::close(m, {1, 10}));
  subtract_mean(train, m);
  subtract_mean(test_set, m);
  BOOST_TEST(test::close(train.x, {-1, -10, 0, 0, 1, 10}));
  BOOST_TEST(test::close(test_set.x, {-1, -10, 0, 0, 1, 10, 2, 20, 3, 30}));
  BOOST_CHECK_EXCEPTION(subtract_mean(train, Tensor::zeros({3}, Dtype::float32)), ShapeError,
                        test::mentions("subtract_mean", "mean shape (3)", "x shape (3, 2)"));
  Dataset empty;
  empty.x = Tensor::zeros({0, 2}, Dtype::float32);
  BOOST_CHECK_EXCEPTION(mean_image(empty), ValueError, test::mentions("mean_image", "empty"));
}

BOOST_AUTO_TEST_CASE(bias_trick_appends_a_column_of_ones) {
  const Dataset d = with_bias_column(rows_dataset(2));
  BOOST_TEST(shape_str(d.x.shape()) == "(2, 3)");
  BOOST_TEST(test::close(d.x, {0, 0, 1, 1, 10, 1}));
  BOOST_TEST(d.y == (Labels{0, 1}), boost::test_tools::per_element());
}

namespace {
boost::test_tools::assertion_result fashion_mnist_installed(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result r(
      fs::exists(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz"));
  r.message() << "Fashion-MNIST is not installed in " << kFashionMnistDir;
  return r;
}
}  // namespace

BOOST_AUTO_TEST_CASE(real_fashion_mnist_prefix,
                     *boost::unit_test::precondition(fashion_mnist_installed)) {
  const TrainTest d = load_fashion_mnist(kFashionMnistDir, 200, 100);
  BOOST_TEST(shape_str(d.train.x.shape()) == "(200, 784)");
  BOOST_TEST(shape_str(d.test.x.shape()) == "(100, 784)");
  const auto v = d.train.x.to_vector();
  BOOST_TEST(*std::min_element(v.begin(), v.end()) == 0.0);
  BOOST_TEST(*std::max_element(v.begin(), v.end()) == 1.0);
  std::set<std::int64_t> classes(d.train.y.begin(), d.train.y.end());
  BOOST_TEST(classes.size() == 10u);  // all ten classes among the first 200
  BOOST_TEST(d.train.y[0] == 9);      // the first training image is an ankle boot
}

BOOST_AUTO_TEST_CASE(split_refuses_a_zero_count_header_before_allocating) {
  // 16 bytes: no images of 32768 x 32768 pixels. Sized from it, the split's float parts were
  // 4 GiB per label (20 GB for 5 labels), and 0xffffffff extents threw std::bad_alloc.
  TempDir t;
  write_split(t, "train", 5, false);
  write_split(t, "t10k", 2, false);
  const std::string img = t.path("train-images-idx3-ubyte"), dir = t.dir.string();
  write_raw(img, kIdxImagesMagic, {0, 32768, 32768}, 0);
  test::ChildOutcome r =
      test::run_in_child(kSmallGrowth, [&] { load_fashion_mnist_split(dir, 1, 3); });
  BOOST_TEST(value_error(r, img, "dimensions (0, 32768, 32768) with an extent of 0"),
             r.kind << ": " << r.what);
  write_raw(img, kIdxImagesMagic, {0, 0xffffffffu, 0xffffffffu}, 0);
  r = test::run_in_child(kSmallGrowth, [&] { load_fashion_mnist_split(dir, 1, 3); });
  BOOST_TEST(value_error(r, img, "(0, 4294967295, 4294967295) with an extent of 0"),
             r.kind << ": " << r.what);
  write_raw(img, kIdxImagesMagic, {5, 0xffffffffu, 0xffffffffu}, 0);
  r = test::run_in_child(kSmallGrowth, [&] { load_fashion_mnist_split(dir, 1, 3); });
  BOOST_TEST(value_error(r, img, "(5, 4294967295, 4294967295) that claim more than"),
             r.kind << ": " << r.what);
  BOOST_CHECK_EXCEPTION(load_fashion_mnist(dir), ValueError, test::mentions(img, "byte limit"));
}

BOOST_AUTO_TEST_CASE(counts_are_compared_before_allocating) {
  TempDir t;
  write_split(t, "t10k", 2, false);
  const std::string img = t.path("train-images-idx3-ubyte");
  const std::string lbl = t.path("train-labels-idx1-ubyte"), dir = t.dir.string();
  // A million labels for two images: the split allocated a million rows of 784 floats (3.1 GB)
  // before it counted the images.
  write_raw(img, kIdxImagesMagic, {2, 28, 28}, 2 * 28 * 28);
  write_raw(lbl, kIdxLabelsMagic, {1000000}, 1000000, 3);
  test::ChildOutcome r =
      test::run_in_child(kSmallGrowth, [&] { load_fashion_mnist_split(dir, 1, 3); });
  BOOST_TEST(value_error(r, "load_fashion_mnist_split", img, "holds 2 images but", lbl,
                         "holds 1000000 labels"),
             r.kind << ": " << r.what);
  // 20,000 images for three labels: load_idx_dataset made 63 MB of floats before it counted.
  write_raw(img, kIdxImagesMagic, {20000, 28, 28}, 20000 * 28 * 28);
  write_raw(lbl, kIdxLabelsMagic, {3}, 3, 1);
  r = test::run_in_child(kSmallGrowth, [&] { load_idx_dataset(img, lbl); });
  BOOST_TEST(
      value_error(r, "load_idx_dataset", img, "holds 20000 images but", lbl, "holds 3 labels"),
      r.kind << ": " << r.what);
  // With max_items both are cut first, as before: the first two rows of each agree.
  BOOST_TEST(load_idx_dataset(img, lbl, 2).size() == 2u);
}

BOOST_AUTO_TEST_CASE(split_checks_the_test_files_before_the_training_set) {
  // 20,000 training images (63 MB as floats) and a test label file one label short: the fault
  // is found before the training set is made, within a growth of 32 MiB.
  TempDir t;
  write_split(t, "t10k", 2, false);
  write_raw(t.path("train-images-idx3-ubyte"), kIdxImagesMagic, {20000, 28, 28}, 20000 * 28 * 28);
  write_raw(t.path("train-labels-idx1-ubyte"), kIdxLabelsMagic, {20000}, 20000, 1);
  const std::string lbl = t.path("t10k-labels-idx1-ubyte"), dir = t.dir.string();
  write_raw(lbl, kIdxLabelsMagic, {3}, 2);
  const test::ChildOutcome r =
      test::run_in_child(kSmallGrowth, [&] { load_fashion_mnist_split(dir, 1, 3); });
  BOOST_TEST(value_error(r, lbl, "is truncated", "need 3 data bytes, it holds 2"),
             r.kind << ": " << r.what);
}

BOOST_AUTO_TEST_SUITE_END()
