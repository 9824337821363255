// SPDX-License-Identifier: MIT
// IDX reading: good files round-trip raw and gzip-compressed; every bad file is a ValueError that
// names the file and the fault, never a crash or an allocation the file cannot justify.
#define BOOST_TEST_MODULE idx
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>
#include <random>
#include <unistd.h>

#include "support/checks.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

using namespace slope;
namespace fs = std::filesystem;

namespace {

// A fresh directory per test case, removed afterwards.
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("idx") {}
};

std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint64_t seed, unsigned max = 255) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng() % (max + 1));
  return v;
}

IdxArray images(std::size_t n, std::size_t rows, std::size_t cols, std::uint64_t seed = 1) {
  return {kIdxImagesMagic, {n, rows, cols}, random_bytes(n * rows * cols, seed)};
}

IdxArray labels(std::vector<std::uint8_t> values) {
  const std::size_t n = values.size();
  return {kIdxLabelsMagic, {n}, std::move(values)};
}

std::vector<char> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A header (magic, dims) followed by `data_bytes` zero bytes, written raw.
std::vector<char> header(std::uint32_t magic, const std::vector<std::uint32_t>& dims,
                         std::size_t data_bytes) {
  std::vector<char> b;
  auto put = [&b](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<char>((v >> shift) & 255));
  };
  put(magic);
  for (auto d : dims) put(d);
  b.resize(b.size() + data_bytes, 0);
  return b;
}

// A gzip file (RFC 1952) holding `data` in deflate stored blocks: written here without zlib, so
// the reader is tested against an independent writer and against headers that lie.
std::uint32_t crc32_of(const std::vector<char>& data) {
  std::uint32_t c = 0xffffffffu;
  for (char ch : data) {
    c ^= static_cast<std::uint8_t>(ch);
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return ~c;
}

std::vector<char> stored_gzip(const std::vector<char>& data) {
  std::vector<char> g = {'\x1f', '\x8b', 8, 0, 0, 0, 0, 0, 0, '\xff'};
  auto put_le = [&g](std::uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) g.push_back(static_cast<char>((v >> (8 * i)) & 255));
  };
  std::size_t at = 0;
  do {
    const std::size_t len = std::min<std::size_t>(65535, data.size() - at);
    g.push_back(at + len == data.size() ? 1 : 0);  // BFINAL on the last block, BTYPE 00 (stored)
    put_le(static_cast<std::uint32_t>(len), 2);
    put_le(static_cast<std::uint32_t>(~len & 0xffffu), 2);
    g.insert(g.end(), data.begin() + static_cast<long>(at),
             data.begin() + static_cast<long>(at + len));
    at += len;
  } while (at < data.size());
  put_le(crc32_of(data), 4);
  put_le(static_cast<std::uint32_t>(data.size()), 4);
  return g;
}

// A gzip bomb: the bytes `head`, then `zeros` zero bytes, compressed about 159:1 by one
// fixed-Huffman deflate block of length-258 matches at distance 1 (13 bits per match, written
// here without zlib). The trailer's CRC is left 0: a reader that honours the header stops long
// before it.
std::vector<char> zero_bomb(const std::vector<char>& head, std::uint64_t zeros) {
  std::vector<char> g = {'\x1f', '\x8b', 8, 0, 0, 0, 0, 0, 0, '\xff'};
  std::uint64_t acc = 0;
  int nbits = 0;
  auto bits = [&](std::uint32_t v, int n) {  // deflate packs bits from the least significant
    acc |= std::uint64_t{v} << nbits;
    for (nbits += n; nbits >= 8; nbits -= 8, acc >>= 8) g.push_back(static_cast<char>(acc & 255));
  };
  auto reversed = [](std::uint32_t code, int n) {  // Huffman codes go most significant bit first
    std::uint32_t r = 0;
    for (int i = 0; i < n; ++i) r |= ((code >> i) & 1u) << (n - 1 - i);
    return r;
  };
  auto literal = [&](unsigned char b) {
    if (b < 144)
      bits(reversed(0x30u + b, 8), 8);
    else
      bits(reversed(0x190u + (b - 144u), 9), 9);
  };
  bits(1, 1);  // BFINAL
  bits(1, 2);  // BTYPE 01: fixed codes
  for (char c : head) literal(static_cast<unsigned char>(c));
  literal(0);
  std::uint64_t left = zeros - 1;
  const std::uint32_t match = reversed(0xc5, 8);  // symbol 285 (length 258), then distance code 0
  for (; left >= 258; left -= 258) bits(match, 13);
  for (; left > 0; --left) literal(0);
  bits(0, 7);  // end of block (symbol 256)
  bits(0, 7);  // flush the last partial byte
  g.insert(g.end(), 8, 0);
  return g;
}

// Whether a child's outcome is a ValueError whose message has every fragment.
template <class... Fragments>
bool value_error(const test::ChildOutcome& r, Fragments... fragments) {
  if (r.kind != "ValueError") {
    BOOST_TEST_MESSAGE("the child ended with " << r.kind << ": " << r.what);
    return false;
  }
  return test::mentions(fragments...)(std::runtime_error(r.what));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(idx)

BOOST_AUTO_TEST_CASE(images_round_trip_raw_and_gzip) {
  TempDir t;
  const IdxArray a = images(3, 2, 2);
  for (bool gz : {false, true}) {
    const std::string p = t.path(gz ? "img.gz" : "img");
    write_idx(p, a, gz);
    const IdxArray b = read_idx(p, kIdxImagesMagic);
    BOOST_TEST(b.magic == kIdxImagesMagic);
    BOOST_TEST(b.dims == a.dims, boost::test_tools::per_element());
    BOOST_TEST(b.data == a.data, boost::test_tools::per_element());
    const Tensor x = read_idx_images(p);
    BOOST_TEST(shape_str(x.shape()) == "(3, 4)");
    BOOST_TEST(std::string(dtype_name(x.dtype())) == "float32");
    for (std::size_t i = 0; i < a.data.size(); ++i)
      BOOST_TEST(x.flat(i) == a.data[i] / 255.0, boost::test_tools::tolerance(1e-6));
  }
}

BOOST_AUTO_TEST_CASE(compressed_files_are_smaller_and_read_the_same) {
  TempDir t;
  IdxArray a{kIdxImagesMagic, {50, 28, 28}, std::vector<std::uint8_t>(50 * 28 * 28, 7)};
  write_idx(t.path("raw"), a, false);
  write_idx(t.path("gz"), a, true);
  BOOST_TEST(fs::file_size(t.path("gz")) < fs::file_size(t.path("raw")) / 10);
  BOOST_TEST(read_idx(t.path("gz"), kIdxImagesMagic).data == a.data);
}

BOOST_AUTO_TEST_CASE(labels_round_trip_raw_and_gzip) {
  TempDir t;
  for (bool gz : {false, true}) {
    const std::string p = t.path(gz ? "lbl.gz" : "lbl");
    write_idx(p, labels({3, 0, 9, 1, 1}), gz);
    const Labels y = read_idx_labels(p);
    BOOST_TEST(y == (Labels{3, 0, 9, 1, 1}), boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(gzip_is_detected_by_magic_bytes_not_by_name) {
  TempDir t;
  const IdxArray a = images(2, 3, 3);
  write_idx(t.path("compressed.idx"), a, true);  // gzip without .gz
  write_idx(t.path("plain.gz"), a, false);       // raw with .gz
  BOOST_TEST(read_idx(t.path("compressed.idx"), kIdxImagesMagic).data == a.data);
  BOOST_TEST(read_idx(t.path("plain.gz"), kIdxImagesMagic).data == a.data);
}

BOOST_AUTO_TEST_CASE(max_items_reads_only_a_prefix) {
  TempDir t;
  const IdxArray a = images(10, 2, 3);
  for (bool gz : {false, true}) {
    const std::string p = t.path(gz ? "img.gz" : "img");
    write_idx(p, a, gz);
    const IdxArray b = read_idx(p, kIdxImagesMagic, 4);
    BOOST_TEST(b.dims == (std::vector<std::size_t>{4, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(std::equal(b.data.begin(), b.data.end(), a.data.begin()));
    BOOST_TEST(b.data.size() == 24u);
    BOOST_TEST(read_idx(p, kIdxImagesMagic, 99).dims[0] == 10u);  // more than there is: all
  }
}

BOOST_AUTO_TEST_CASE(missing_file_names_it) {
  TempDir t;
  const std::string p = t.path("nope-images-idx3-ubyte.gz");
  BOOST_CHECK_EXCEPTION(read_idx_images(p), ValueError,
                        test::mentions("read_idx", p, "cannot be opened", "No such file"));
}

BOOST_AUTO_TEST_CASE(directory_is_not_a_file) {
  TempDir t;
  BOOST_CHECK_EXCEPTION(read_idx_images(t.dir.string()), ValueError,
                        test::mentions(t.dir.string(), "is not a regular file"));
}

BOOST_AUTO_TEST_CASE(truncated_raw_files) {
  TempDir t;
  const std::string p = t.path("img");
  write_bytes(p, {0, 0});
  BOOST_CHECK_EXCEPTION(read_idx_images(p), ValueError,
                        test::mentions(p, "is truncated", "magic number ends after 2 bytes"));
  write_bytes(p, header(kIdxImagesMagic, {5}, 0));  // 1 of 3 dimensions
  BOOST_CHECK_EXCEPTION(
      read_idx_images(p), ValueError,
      test::mentions(p, "is truncated", "3 dimensions need 12 bytes, it holds 4"));
  write_bytes(p, header(kIdxImagesMagic, {3, 2, 2}, 7));
  BOOST_CHECK_EXCEPTION(
      read_idx_images(p), ValueError,
      test::mentions(p, "is truncated", "dimensions (3, 2, 2) need 12 data bytes, it holds 7"));
}

BOOST_AUTO_TEST_CASE(truncated_gzip_file) {
  TempDir t;
  const std::string p = t.path("img.gz");
  write_idx(p, images(40, 10, 10), true);
  std::vector<char> bytes = read_bytes(p);
  bytes.resize(bytes.size() / 2);
  write_bytes(p, bytes);
  BOOST_CHECK_EXCEPTION(read_idx_images(p), ValueError,
                        test::mentions(p, "is truncated", "gzip stream ends early",
                                       "dimensions (40, 10, 10)", "gzip-compressed file of"));
  // Cut just before the 8-byte trailer: every data byte arrives, the end marker does not.
  write_idx(p, images(4, 2, 2), true);
  bytes = read_bytes(p);
  bytes.resize(bytes.size() - 8);
  write_bytes(p, bytes);
  BOOST_CHECK_EXCEPTION(read_idx_images(p), ValueError,
                        test::mentions(p, "is truncated", "ends before its end marker"));
}

BOOST_AUTO_TEST_CASE(wrong_magic_names_both_numbers) {
  TempDir t;
  const std::string p = t.path("labels.gz");
  write_idx(p, labels({1, 2}), true);
  BOOST_CHECK_EXCEPTION(
      read_idx_images(p), ValueError,
      test::mentions(p, "has magic number 0x00000801, expected 0x00000803 (IDX images)"));
  const std::string q = t.path("text");
  write_bytes(q, {'h', 'e', 'l', 'l', 'o', '\n'});
  BOOST_CHECK_EXCEPTION(read_idx_labels(q), ValueError,
                        test::mentions(q, "magic number 0x68656c6c, expected 0x00000801"));
}

BOOST_AUTO_TEST_CASE(corrupt_gzip) {
  TempDir t;
  const std::string p = t.path("img.gz");
  write_idx(p, images(20, 10, 10), true);
  std::vector<char> bytes = read_bytes(p);
  for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 16; ++i) bytes[i] ^= 0x5a;
  write_bytes(p, bytes);
  BOOST_CHECK_EXCEPTION(read_idx_images(p), ValueError,
                        test::mentions(p, "is not a valid gzip file (zlib: "));
  // The gzip magic followed by garbage.
  write_bytes(p, {'\x1f', '\x8b', 'x', 'y', 'z', 'w', 0, 0, 0, 0, 0, 0, 1, 2, 3, 4});
  BOOST_CHECK_EXCEPTION(read_idx_images(p), ValueError,
                        test::mentions(p, "is not a valid gzip file"));
}

BOOST_AUTO_TEST_CASE(lying_header_raw) {
  TempDir t;
  const std::string p = t.path("img");
  write_bytes(p, header(kIdxImagesMagic, {1000000000, 1, 1}, 84));  // 100 bytes in all
  BOOST_CHECK_EXCEPTION(read_idx_images(p), ValueError,
                        test::mentions(p, "is truncated",
                                       "(1000000000, 1, 1) need 1000000000 data bytes, it holds 84",
                                       "raw file of 100 bytes"));
  write_bytes(p, header(kIdxImagesMagic, {1000000000, 28, 28}, 84));
  BOOST_CHECK_EXCEPTION(read_idx_images(p), ValueError,
                        test::mentions(p, "(1000000000, 28, 28)", "more than the 1073741824 byte"));
  // Extents near 2^32 each: the product must not overflow into something small.
  write_bytes(p, header(kIdxImagesMagic, {0xffffffffu, 0xffffffffu, 0xffffffffu}, 84));
  BOOST_CHECK_EXCEPTION(read_idx_images(p), ValueError, test::mentions(p, "byte limit"));
}

BOOST_AUTO_TEST_CASE(lying_header_gzip) {
  TempDir t;
  const std::string p = t.path("img.gz");
  // 10^9 one-pixel images claimed by a gzip file of about 120 bytes: rejected before any read.
  write_bytes(p, stored_gzip(header(kIdxImagesMagic, {1000000000, 1, 1}, 84)));
  BOOST_CHECK_EXCEPTION(
      read_idx_images(p), ValueError,
      test::mentions(p, "(1000000000, 1, 1) that claim 1000000000 data bytes",
                     fmt::format("more than a gzip file of {} bytes can hold", fs::file_size(p))));
}

BOOST_AUTO_TEST_CASE(gzip_stream_shorter_than_its_header_claims) {
  TempDir t;
  const std::string p = t.path("img.gz");
  // 100 images claimed, 50 held: plausible for the file's size, so only reading finds it out.
  write_bytes(p, stored_gzip(header(kIdxImagesMagic, {100, 28, 28}, 50 * 28 * 28)));
  BOOST_CHECK_EXCEPTION(read_idx_images(p), ValueError,
                        test::mentions(p, "is truncated",
                                       "dimensions (100, 28, 28) need 78400 data bytes, it holds "
                                       "39200"));
  // A gzip stream that holds more than the header says.
  write_bytes(p, stored_gzip(header(kIdxImagesMagic, {1, 2, 2}, 9)));
  BOOST_CHECK_EXCEPTION(read_idx_images(p), ValueError,
                        test::mentions(p, "holds data past the 4 bytes its dimensions (1, 2, 2)"));
}

BOOST_AUTO_TEST_CASE(stored_gzip_helper_is_valid_gzip) {
  TempDir t;
  const IdxArray a = images(3, 5, 7);
  write_idx(t.path("raw"), a);
  write_bytes(t.path("gz"), stored_gzip(read_bytes(t.path("raw"))));
  BOOST_TEST(read_idx(t.path("gz"), kIdxImagesMagic).data == a.data);
}

BOOST_AUTO_TEST_CASE(trailing_data_is_an_error) {
  TempDir t;
  const std::string p = t.path("img");
  write_bytes(p, header(kIdxImagesMagic, {1, 2, 2}, 9));
  BOOST_CHECK_EXCEPTION(read_idx_images(p), ValueError,
                        test::mentions(p, "holds 5 bytes past the data its dimensions (1, 2, 2)"));
}

BOOST_AUTO_TEST_CASE(labels_outside_the_classes) {
  TempDir t;
  for (bool gz : {false, true}) {
    const std::string p = t.path(gz ? "lbl.gz" : "lbl");
    write_idx(p, labels({1, 2, 9, 12, 0}), gz);
    BOOST_CHECK_EXCEPTION(
        read_idx_labels(p), ValueError,
        test::mentions("read_idx_labels", p, "has label 12 at index 3, outside 0..9"));
    BOOST_CHECK_EXCEPTION(read_idx_labels(p, 3), ValueError,
                          test::mentions(p, "label 9 at index 2, outside 0..2"));
  }
}

BOOST_AUTO_TEST_CASE(write_idx_checks_its_input) {
  TempDir t;
  IdxArray bad{kIdxImagesMagic, {2, 2, 2}, std::vector<std::uint8_t>(7)};
  BOOST_CHECK_EXCEPTION(write_idx(t.path("x"), bad), ValueError,
                        test::mentions("write_idx", "(2, 2, 2) do not describe 7 data bytes"));
  BOOST_CHECK_EXCEPTION(write_idx(t.path("no/such/dir/x"), images(1, 1, 1)), ValueError,
                        test::mentions("write_idx: cannot write", "no/such/dir/x"));
}

BOOST_AUTO_TEST_CASE(gzip_cut_in_its_trailer_at_any_size) {
  // zlib's gzread reports a clean end of file when the input runs out just before a member's
  // trailer with some buffer sizes; the reader must find the cut whatever the file's size.
  TempDir t;
  const std::string p = t.path("img.gz");
  for (std::size_t n : {1u, 40u, 1000u, 9000u}) {
    for (std::size_t cut : {1u, 4u, 8u}) {
      write_idx(p, images(n, 6, 6, n), true);
      std::vector<char> bytes = read_bytes(p);
      bytes.resize(bytes.size() - cut);
      write_bytes(p, bytes);
      BOOST_CHECK_EXCEPTION(read_idx(p, kIdxImagesMagic), ValueError,
                            test::mentions(p, "is truncated", "ends before its end marker"));
    }
  }
}

BOOST_AUTO_TEST_CASE(gzip_members_concatenate_and_nothing_else_may_follow) {
  TempDir t;
  const IdxArray a = images(3, 4, 4);
  write_idx(t.path("raw"), a);
  const std::vector<char> raw = read_bytes(t.path("raw"));
  const std::size_t half = raw.size() / 2;
  std::vector<char> two = stored_gzip({raw.begin(), raw.begin() + static_cast<long>(half)});
  const std::vector<char> second = stored_gzip({raw.begin() + static_cast<long>(half), raw.end()});
  two.insert(two.end(), second.begin(), second.end());
  const std::string p = t.path("two.gz");
  write_bytes(p, two);
  BOOST_TEST(read_idx(p, kIdxImagesMagic).data == a.data);
  std::vector<char> junk = stored_gzip(raw);
  for (char c : std::string("junk")) junk.push_back(c);
  write_bytes(p, junk);
  BOOST_CHECK_EXCEPTION(read_idx(p, kIdxImagesMagic), ValueError,
                        test::mentions(p,
                                       "holds bytes after its gzip stream that are not another "
                                       "gzip member"));
}

BOOST_AUTO_TEST_CASE(zero_extent_is_refused) {
  TempDir t;
  const std::string p = t.path("img");
  // 16 bytes that describe no data, yet 1 GiB images: a caller sizing rows by them would allocate.
  write_bytes(p, header(kIdxImagesMagic, {0, 32768, 32768}, 0));
  BOOST_CHECK_EXCEPTION(
      read_idx_images(p), ValueError,
      test::mentions(p, "dimensions (0, 32768, 32768) with an extent of 0", "describes no data"));
  BOOST_CHECK_EXCEPTION(read_idx_header(p, kIdxImagesMagic), ValueError,
                        test::mentions(p, "extent of 0"));
  // Huge extents beside the 0: their product overflows 64 bits.
  write_bytes(p, header(kIdxImagesMagic, {0, 0xffffffffu, 0xffffffffu}, 0));
  BOOST_CHECK_EXCEPTION(read_idx(p, kIdxImagesMagic), ValueError,
                        test::mentions(p, "(0, 4294967295, 4294967295) with an extent of 0"));
  write_bytes(p, header(kIdxImagesMagic, {3, 0, 5}, 0));
  BOOST_CHECK_EXCEPTION(read_idx(p, kIdxImagesMagic), ValueError,
                        test::mentions(p, "(3, 0, 5) with an extent of 0"));
  write_bytes(p, stored_gzip(header(kIdxLabelsMagic, {0}, 0)));
  BOOST_CHECK_EXCEPTION(read_idx_labels(p), ValueError, test::mentions(p, "(0) with an extent"));
}

BOOST_AUTO_TEST_CASE(sink_sees_every_piece_in_order) {
  TempDir t;
  const std::string p = t.path("img.gz");
  const IdxArray a = images(30, 200, 200);  // 1.2 MB: more than one 1 MB piece
  write_idx(p, a, true);
  std::vector<std::uint8_t> seen;
  const IdxArray h = read_idx(p, kIdxImagesMagic, 0,
                              [&](std::size_t offset, const std::uint8_t* bytes, std::size_t n) {
                                BOOST_TEST(offset == seen.size());
                                seen.insert(seen.end(), bytes, bytes + n);
                              });
  BOOST_TEST(h.data.empty());
  BOOST_TEST(seen == a.data);
  BOOST_TEST(read_idx(p, kIdxImagesMagic, 0, IdxSink{}).data == a.data);  // no sink: kept
}

BOOST_AUTO_TEST_CASE(header_alone_is_checked_and_cut_to_max_items) {
  TempDir t;
  for (bool gz : {false, true}) {
    const std::string p = t.path(gz ? "img.gz" : "img");
    write_idx(p, images(6, 2, 3), gz);
    const IdxArray h = read_idx_header(p, kIdxImagesMagic);
    BOOST_TEST(h.magic == kIdxImagesMagic);
    BOOST_TEST(h.dims == (std::vector<std::size_t>{6, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(h.data.empty());
    BOOST_TEST(read_idx_header(p, kIdxImagesMagic, 4).dims[0] == 4u);
    BOOST_TEST(read_idx_header(p, kIdxImagesMagic, 9).dims[0] == 6u);
    BOOST_CHECK_EXCEPTION(read_idx_header(p, kIdxLabelsMagic), ValueError,
                          test::mentions(p, "expected 0x00000801"));
  }
  const std::string p = t.path("short");
  write_bytes(p, header(kIdxImagesMagic, {3, 2, 2}, 7));
  BOOST_CHECK_EXCEPTION(read_idx_header(p, kIdxImagesMagic), ValueError,
                        test::mentions(p, "is truncated", "need 12 data bytes, it holds 7"));
}

BOOST_AUTO_TEST_CASE(highly_compressed_gzip_is_checked_then_read) {
  // Zeros compress about 1000:1, past the plausible ratio: the stream is read through once before
  // anything is allocated, then read for real. Good files read the same; bad ones fail the same.
  TempDir t;
  const std::string p = t.path("zeros.gz");
  IdxArray a{kIdxImagesMagic, {4, 200, 200}, std::vector<std::uint8_t>(4 * 200 * 200, 0)};
  a.data[23457] = 200;
  write_idx(p, a, true);
  BOOST_TEST(fs::file_size(p) * 16 < a.data.size());
  BOOST_TEST(read_idx(p, kIdxImagesMagic).data == a.data);
  BOOST_TEST(read_idx_header(p, kIdxImagesMagic).dims[0] == 4u);
  const Tensor x = read_idx_images(p, 3);
  BOOST_TEST(shape_str(x.shape()) == "(3, 40000)");
  BOOST_TEST(x.flat(23457) == 200.0 / 255.0, boost::test_tools::tolerance(1e-6));
  std::vector<char> bytes = read_bytes(p);
  bytes.resize(bytes.size() - 8);  // every data byte, no trailer
  write_bytes(p, bytes);
  BOOST_CHECK_EXCEPTION(read_idx_header(p, kIdxImagesMagic), ValueError,
                        test::mentions(p, "is truncated", "ends before its end marker"));
}

BOOST_AUTO_TEST_CASE(gzip_bomb_is_stopped_before_anything_is_allocated) {
  // A 420 KB file whose header states 64 MiB and whose stream holds 1 MiB more. Each reader must
  // stop at the first byte past what the header states without having allocated for it: the
  // child may grow by 32 MiB only (the reader used to hold 96 MiB by the time it found the excess;
  // images and labels then allocated 4 and 8 bytes per byte for a bomb that held its header).
  TempDir t;
  const std::string img = t.path("bomb-images.gz"), lbl = t.path("bomb-labels.gz");
  const std::uint64_t stated = 64u << 20, held = stated + (1u << 20);
  write_bytes(img, zero_bomb(header(kIdxImagesMagic, {64, 1024, 1024}, 0), held));
  write_bytes(lbl, zero_bomb(header(kIdxLabelsMagic, {64u << 20}, 0), held));
  BOOST_TEST(fs::file_size(img) < 500000u);
  const std::size_t limit = std::size_t{32} << 20;
  const auto images_past = "holds data past the 67108864 bytes its dimensions (64, 1024, 1024)";
  const auto labels_past = "holds data past the 67108864 bytes its dimensions (67108864)";
  test::ChildOutcome r = test::run_in_child(limit, [&] { read_idx(img, kIdxImagesMagic); });
  BOOST_TEST(value_error(r, img, images_past), r.kind << ": " << r.what);
  BOOST_TEST_MESSAGE("read_idx on the bomb: peak resident growth " << r.peak_rss_growth);
  if (!test::kUnderAsan && r.peak_rss_growth >= 0) BOOST_TEST(r.peak_rss_growth < 16e6);
  r = test::run_in_child(limit, [&] { read_idx_images(img); });
  BOOST_TEST(value_error(r, img, images_past), r.kind << ": " << r.what);
  r = test::run_in_child(limit, [&] { read_idx_labels(lbl); });
  BOOST_TEST(value_error(r, lbl, labels_past), r.kind << ": " << r.what);
  r = test::run_in_child(limit, [&] { read_idx_header(lbl, kIdxLabelsMagic); });
  BOOST_TEST(value_error(r, lbl, labels_past), r.kind << ": " << r.what);
}

BOOST_AUTO_TEST_CASE(images_are_scaled_as_they_arrive) {
  // 64 MiB of pixels, raw: the result is 256 MiB of floats. Holding the bytes too, as the reader
  // used to, peaks at 320 MiB; the bound leaves 24 MiB for chunks, zlib and the allocator.
  TempDir t;
  const std::string p = t.path("big-images");
  const std::size_t n = 64, side = 1024, pixels = n * side * side;
  {
    std::vector<char> b = header(kIdxImagesMagic, {64, 1024, 1024}, pixels);
    for (std::size_t i = 0; i < pixels; i += 4099) b[16 + i] = static_cast<char>(i % 251);
    write_bytes(p, b);
  }
  const test::ChildOutcome r = test::run_in_child(0, [&] {
    const Tensor x = read_idx_images(p);
    if (x.shape() != Shape{n, side * side} || x.flat(4099 * 1000) != (4099 * 1000 % 251) / 255.0f ||
        x.flat(4099 * 1000 + 1) != 0)
      throw std::runtime_error("wrong pixels in " + shape_str(x.shape()));
  });
  BOOST_TEST(r.kind == "returned", r.what);
  BOOST_TEST_MESSAGE("read_idx_images of 64 MiB: peak resident growth " << r.peak_rss_growth);
  if (test::kUnderAsan || r.peak_rss_growth < 0)
    BOOST_TEST_MESSAGE("peak resident set not measured (AddressSanitizer or no clear_refs)");
  else
    BOOST_TEST(r.peak_rss_growth < std::int64_t{4 * pixels + (24u << 20)},
               "peak growth " << r.peak_rss_growth / 1048576 << " MiB");
}

BOOST_AUTO_TEST_SUITE_END()
