// SPDX-License-Identifier: MIT
// The CIFAR-10 loader on small files written in the real binary format, and on broken ones.
#define BOOST_TEST_MODULE cifar10
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "support/checks.hpp"
#include "support/temp_dir.hpp"
#include <slope/slope.hpp>

using slope::test::mentions;

namespace {

// Record r of batch b: label (b + r) % 10, pixel i = (r * 7 + i + b) % 256.
std::vector<std::uint8_t> batch_bytes(std::size_t b, std::size_t records) {
  std::vector<std::uint8_t> bytes;
  for (std::size_t r = 0; r < records; ++r) {
    bytes.push_back(static_cast<std::uint8_t>((b + r) % 10));
    for (std::size_t i = 0; i < slope::kCifar10ImageBytes; ++i)
      bytes.push_back(static_cast<std::uint8_t>((r * 7 + i + b) % 256));
  }
  return bytes;
}

void write(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// A CIFAR-10 directory of 5 training batches of `records` each and a test batch (b = 9).
void write_set(const slope::test::TempDir& tmp, std::size_t records) {
  for (std::size_t b = 1; b <= 5; ++b)
    write(tmp.path(fmt::format("data_batch_{}.bin", b)), batch_bytes(b, records));
  write(tmp.path("test_batch.bin"), batch_bytes(9, records));
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_batch_reads_labels_and_rgb_planes_scaled) {
  const slope::test::TempDir tmp("cifar10");
  write(tmp.path("b.bin"), batch_bytes(3, 4));
  const slope::Dataset d = slope::read_cifar10_batch(tmp.path("b.bin"));
  BOOST_TEST((d.x.shape() == slope::Shape{4, 3072}));
  BOOST_TEST((d.y == slope::Labels{3, 4, 5, 6}));
  for (std::size_t r : {0u, 3u})
    for (std::size_t i : {0u, 1023u, 1024u, 3071u})  // the first and last bytes of R, G, B planes
      BOOST_TEST(d.x.flat(r * 3072 + i) ==
                 static_cast<double>(static_cast<float>((r * 7 + i + 3) % 256) / 255.0f));
  BOOST_TEST(slope::read_cifar10_batch(tmp.path("b.bin"), 2).size() == 2u);
}

BOOST_AUTO_TEST_CASE(the_set_joins_five_batches_in_order) {
  const slope::test::TempDir tmp("cifar10");
  write_set(tmp, 3);
  const slope::TrainTest tt = slope::load_cifar10(tmp.dir.string());
  BOOST_TEST(tt.train.size() == 15u);
  BOOST_TEST(tt.test.size() == 3u);
  BOOST_TEST(tt.train.y[0] == 1);   // batch 1, record 0
  BOOST_TEST(tt.train.y[14] == 7);  // batch 5, record 2
  BOOST_TEST(tt.train.x.flat(14 * 3072) ==
             static_cast<double>(static_cast<float>(2 * 7 + 5) / 255.0f));
  BOOST_TEST(tt.test.y[0] == 9);
  const slope::TrainTest some = slope::load_cifar10(tmp.dir.string(), 4, 2);
  BOOST_TEST(some.train.size() == 4u);
  BOOST_TEST(some.train.y[3] == 2);  // batch 2, record 0
  BOOST_TEST(some.test.size() == 2u);
  BOOST_TEST(slope::cifar10_class_names().size() == 10u);
  BOOST_TEST(slope::cifar10_class_names()[9] == "truck");
}

BOOST_AUTO_TEST_CASE(broken_files_are_refused_naming_them) {
  const slope::test::TempDir tmp("cifar10");
  std::vector<std::uint8_t> bytes = batch_bytes(0, 2);
  bytes.pop_back();
  write(tmp.path("short.bin"), bytes);
  BOOST_CHECK_EXCEPTION(slope::read_cifar10_batch(tmp.path("short.bin")), slope::ValueError,
                        mentions("short.bin", "6145 bytes", "3073"));
  write(tmp.path("empty.bin"), {});
  BOOST_CHECK_EXCEPTION(slope::read_cifar10_batch(tmp.path("empty.bin")), slope::ValueError,
                        mentions("empty.bin", "0 bytes"));
  bytes = batch_bytes(0, 3);
  bytes[2 * 3073] = 10;
  write(tmp.path("label.bin"), bytes);
  BOOST_CHECK_EXCEPTION(slope::read_cifar10_batch(tmp.path("label.bin")), slope::ValueError,
                        mentions("label.bin", "record 2", "label 10"));
  BOOST_CHECK_EXCEPTION(slope::read_cifar10_batch(tmp.path("missing.bin")), slope::ValueError,
                        mentions("missing.bin"));
  write_set(tmp, 1);
  std::filesystem::remove(tmp.path("data_batch_4.bin"));
  BOOST_CHECK_EXCEPTION(slope::load_cifar10(tmp.dir.string()), slope::ValueError,
                        mentions(tmp.dir.string(), "data_batch_4.bin"));
}
