// SPDX-License-Identifier: MIT
// The layers under checkpoints: the zip container (store and deflate round trip; a truncated
// archive, a flipped byte, a size that lies, a repeated name are refused naming the archive and
// the entry), .npz arrays, and atomic writes (a process killed in the middle of one leaves the old
// file whole).
#define BOOST_TEST_MODULE checkpoint_npz
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "support/checkpoint_run.hpp"
#include "support/checks.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

using namespace slope;
using test::kill_during_write;
using test::KilledWrite;
using test::mentions;
using test::same_bits;

namespace {

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("npz") {}
};

std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed) % 251);
  return s;
}

std::vector<ZipEntry> two_entries() {
  return {{"a.npy", pattern(300, 1), false}, {"b.npy", std::string(5000, 'z'), true}};
}

// The offset of the first central-directory record ("PK\1\2").
std::size_t central(const std::string& zip) {
  const std::size_t at = zip.find("PK\x01\x02");
  BOOST_REQUIRE(at != std::string::npos);
  return at;
}

void put_u32(std::string& s, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// Sets the first entry's uncompressed size in its local header and its central record.
std::string with_first_size(std::string zip, std::uint32_t size) {
  put_u32(zip, 22, size);
  put_u32(zip, central(zip) + 24, size);
  return zip;
}

Tensor ramp(const Shape& shape, Dtype dtype) {
  std::size_t n = 1;
  for (std::size_t d : shape) n *= d;
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<double>(i) / 7.0 - 1.0;
  return Tensor::from_vector(v, shape, dtype);
}

}  // namespace

BOOST_AUTO_TEST_CASE(zip_round_trips_stored_and_deflated_entries) {
  const auto entries = two_entries();
  const std::string zip = write_zip(entries, "t");
  BOOST_TEST(zip.size() < 300 + 5000);  // the 'z's deflate
  const auto back = read_zip(zip, "t");
  BOOST_TEST_REQUIRE(back.size() == 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    BOOST_TEST(back[i].name == entries[i].name);
    BOOST_TEST(back[i].bytes == entries[i].bytes);
    BOOST_TEST(back[i].compress == entries[i].compress);
  }
  BOOST_TEST(write_zip(entries, "t") == zip);  // fixed dates: the same entries, the same bytes
}

BOOST_AUTO_TEST_CASE(zip_writer_refuses_empty_and_repeated_names) {
  BOOST_CHECK_EXCEPTION(write_zip({{"", "x", false}}, "w.npz"), ValueError,
                        mentions("w.npz", "empty name"));
  BOOST_CHECK_EXCEPTION(write_zip({{"a", "x", false}, {"a", "y", false}}, "w.npz"), ValueError,
                        mentions("w.npz", "'a'", "repeated"));
}

BOOST_AUTO_TEST_CASE(zip_reader_refuses_what_is_not_an_archive) {
  BOOST_CHECK_EXCEPTION(read_zip("", "e.npz"), ValueError, mentions("e.npz", "empty"));
  BOOST_CHECK_EXCEPTION(read_zip("hello, world", "h.npz"), ValueError,
                        mentions("h.npz", "not a valid zip archive"));
}

BOOST_AUTO_TEST_CASE(zip_reader_refuses_every_truncation) {
  const std::string zip = write_zip(two_entries(), "t");
  for (std::size_t n = 0; n < zip.size(); n += 7)
    BOOST_CHECK_EXCEPTION(read_zip(zip.substr(0, n), "cut.npz"), ValueError, mentions("cut.npz"));
}

BOOST_AUTO_TEST_CASE(zip_reader_checks_the_crc) {
  std::string zip = write_zip(two_entries(), "t");
  const std::size_t data = zip.find(pattern(300, 1));  // the stored entry's bytes
  BOOST_TEST_REQUIRE(data != std::string::npos);
  zip[data + 100] = static_cast<char>(zip[data + 100] ^ 0x01);
  BOOST_CHECK_EXCEPTION(read_zip(zip, "flip.npz"), ValueError,
                        mentions("flip.npz", "'a.npy'", "CRC"));
}

BOOST_AUTO_TEST_CASE(zip_reader_refuses_sizes_that_lie) {
  const std::string zip = write_zip(two_entries(), "t");
  // A stored entry claiming more than its compressed size (a bomb claims gigabytes).
  BOOST_CHECK_EXCEPTION(read_zip(with_first_size(zip, 1u << 30), "bomb.npz"), ValueError,
                        mentions("bomb.npz", "'a.npy'", "claims 1073741824 bytes"));
  BOOST_CHECK_EXCEPTION(read_zip(with_first_size(zip, 299), "short.npz"), ValueError,
                        mentions("short.npz", "'a.npy'"));
}

BOOST_AUTO_TEST_CASE(zip_reader_refuses_a_repeated_name) {
  std::string zip = write_zip({{"a.npy", "1", false}, {"b.npy", "2", false}}, "t");
  // Rename b to a, in its local header and its central record.
  for (std::size_t at = zip.find("b.npy"); at != std::string::npos; at = zip.find("b.npy", at))
    zip[at] = 'a';
  BOOST_CHECK_EXCEPTION(read_zip(zip, "dup.npz"), ValueError, mentions("dup.npz", "repeated"));
}

BOOST_AUTO_TEST_CASE(npz_round_trips_tensors_bit_for_bit) {
  const std::vector<NpzArray> arrays = {{"w", ramp({3, 4}, Dtype::float32), false},
                                        {"dir/b", ramp({4}, Dtype::float64), true},
                                        {"s", Tensor::scalar(2.5, Dtype::float64), false}};
  const NamedTensors back = load_npz_bytes(save_npz_bytes(arrays, "t"), "t");
  BOOST_TEST_REQUIRE(back.size() == arrays.size());
  for (std::size_t i = 0; i < arrays.size(); ++i) {
    BOOST_TEST(back[i].first == arrays[i].key);
    BOOST_TEST(same_bits(back[i].second, arrays[i].value));
  }
}

BOOST_AUTO_TEST_CASE(npz_names_the_entry_that_is_not_an_array) {
  BOOST_CHECK_EXCEPTION(load_npz_bytes(write_zip({{"notes.txt", "hi", false}}, "n.npz"), "n.npz"),
                        ValueError, mentions("n.npz", "'notes.txt'", "not an array"));
  BOOST_CHECK_EXCEPTION(load_npz_bytes(write_zip({{"w.npy", "junk", false}}, "j.npz"), "j.npz"),
                        ValueError, mentions("j.npz", "'w.npy'", "load_npy"));
}

BOOST_AUTO_TEST_CASE(npz_files_are_written_and_read_by_path) {
  TempDir dir;
  const std::string path = dir.path("a.npz");
  save_npz(path, {{"x", ramp({2, 2}, Dtype::float64), false}});
  save_npz(path, {{"y", ramp({3}, Dtype::float32), false}});  // replaces it
  const NamedTensors back = load_npz(path);
  BOOST_TEST_REQUIRE(back.size() == 1u);
  BOOST_TEST(back[0].first == "y");
  // Nothing but the file is left in the directory (the temporary was renamed).
  BOOST_TEST(std::distance(std::filesystem::directory_iterator(dir.dir),
                           std::filesystem::directory_iterator()) == 1);
  BOOST_CHECK_EXCEPTION(load_npz(dir.path("missing.npz")), ValueError,
                        mentions("load_npz", "missing.npz", "cannot read"));
  BOOST_CHECK_EXCEPTION(save_npz(dir.path("no/such/dir.npz"), {{"x", ramp({1}, Dtype::float32)}}),
                        ValueError, mentions("write_file_atomic", "no/such/dir.npz"));
}

BOOST_AUTO_TEST_CASE(a_save_killed_midway_leaves_the_old_file_whole) {
  TempDir dir;
  const std::string path = dir.path("model.npz"), marker = dir.path("paused");
  const std::vector<NpzArray> old_arrays = {{"w", ramp({64, 64}, Dtype::float32), false}};
  save_npz(path, old_arrays);
  std::ifstream in(path, std::ios::binary);
  const std::string old_bytes{std::istreambuf_iterator<char>(in), {}};

  const KilledWrite child = kill_during_write(
      marker, [] {},
      [&] {
        save_npz(path, {{"w", ramp({128, 128}, Dtype::float64), false}});  // pauses halfway
      });
  BOOST_TEST_REQUIRE(child.paused);
  BOOST_TEST(child.killed);

  // The half-written temporary is there, beside the old file, which is byte for byte the same.
  const std::string prefix = fmt::format("model.npz.tmp-{}-", child.pid);
  std::size_t temps = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir.dir))
    if (f.path().filename().string().rfind(prefix, 0) == 0) {
      ++temps;
      BOOST_TEST(f.file_size() > 0u);
    }
  BOOST_TEST(temps == 1u);
  std::ifstream again(path, std::ios::binary);
  BOOST_TEST(std::string(std::istreambuf_iterator<char>(again), {}) == old_bytes);
  const NamedTensors back = load_npz(path);
  BOOST_TEST_REQUIRE(back.size() == 1u);
  BOOST_TEST(same_bits(back[0].second, old_arrays[0].value));
}
