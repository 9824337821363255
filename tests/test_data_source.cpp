// SPDX-License-Identifier: MIT
// The one fallback rule: synthetic data only for an absent data set and only when allowed; a
// present but corrupt file is an error naming it, never replaced.
#define BOOST_TEST_MODULE data_source
#include <fstream>

#include "support/checks.hpp"
#include "support/temp_dir.hpp"

using namespace slope;

namespace {

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("data_source") {}
};

// A valid Fashion-MNIST layout of n 2x2 images per split, gzip-compressed.
void write_fashion_mnist(const TempDir& t, std::size_t n) {
  for (const char* split : {"train", "t10k"}) {
    IdxArray img{kIdxImagesMagic, {n, 2, 2}, std::vector<std::uint8_t>(4 * n, 7)};
    IdxArray lbl{kIdxLabelsMagic, {n}, std::vector<std::uint8_t>(n, 3)};
    write_idx(t.path(std::string(split) + "-images-idx3-ubyte.gz"), img, true);
    write_idx(t.path(std::string(split) + "-labels-idx1-ubyte.gz"), lbl, true);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(data_source)

BOOST_AUTO_TEST_CASE(finds_the_gzip_file_first_then_the_raw_one) {
  TempDir t;
  BOOST_TEST(find_idx_file(t.dir.string(), "a").empty());
  std::ofstream(t.path("a")) << "x";
  BOOST_TEST(find_idx_file(t.dir.string(), "a") == t.path("a"));
  std::ofstream(t.path("a.gz")) << "x";
  BOOST_TEST(find_idx_file(t.dir.string(), "a") == t.path("a.gz"));
}

BOOST_AUTO_TEST_CASE(an_absent_data_set_falls_back_only_when_allowed) {
  TempDir t;
  const std::string missing = t.path("nowhere");
  BOOST_TEST(fashion_mnist_absent(missing));
  BOOST_TEST(fashion_mnist_absent(t.dir.string()));  // there, but empty
  const DataSource allowed = choose_data_source(missing, true);
  BOOST_TEST(allowed.synthetic);
  BOOST_TEST(allowed.note.find(missing) != std::string::npos);
  const DataSource refused = choose_data_source(missing, false);
  BOOST_TEST(!refused.synthetic);
  BOOST_TEST(refused.note.empty());
  // Not allowed: the caller loads, and the loader names the directory.
  BOOST_CHECK_EXCEPTION(load_fashion_mnist(missing), ValueError, test::mentions(missing));
}

BOOST_AUTO_TEST_CASE(a_present_data_set_is_read_even_when_synthetic_is_allowed) {
  TempDir t;
  write_fashion_mnist(t, 3);
  BOOST_TEST(!fashion_mnist_absent(t.dir.string()));
  BOOST_TEST(!choose_data_source(t.dir.string(), true).synthetic);
  BOOST_TEST(load_fashion_mnist(t.dir.string()).train.size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_corrupt_file_is_an_error_naming_it_not_synthetic_data) {
  TempDir t;
  write_fashion_mnist(t, 3);
  const std::string images = t.path("train-images-idx3-ubyte.gz");
  std::ofstream(images, std::ios::binary | std::ios::trunc) << "not an IDX file";
  const DataSource s = choose_data_source(t.dir.string(), true);
  BOOST_TEST(!s.synthetic);
  BOOST_CHECK_EXCEPTION(load_fashion_mnist(t.dir.string()), ValueError, test::mentions(images));
  BOOST_CHECK_EXCEPTION(load_fashion_mnist_split(t.dir.string(), 1, 0), ValueError,
                        test::mentions(images));
}

BOOST_AUTO_TEST_CASE(a_partly_installed_data_set_is_not_absent) {
  TempDir t;
  write_fashion_mnist(t, 3);
  std::filesystem::remove(t.path("t10k-labels-idx1-ubyte.gz"));
  BOOST_TEST(!choose_data_source(t.dir.string(), true).synthetic);
  BOOST_CHECK_EXCEPTION(load_fashion_mnist(t.dir.string()), ValueError,
                        test::mentions("t10k-labels-idx1-ubyte"));
}

BOOST_AUTO_TEST_SUITE_END()
