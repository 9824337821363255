// SPDX-License-Identifier: MIT
// .npy files: float32 and float64 tensors of every rank round-trip bit for bit, the header is
// numpy's, and every bad file is a ValueError naming the file and the fault, never a crash or an
// allocation the file does not back. (tests/npy_interop.py checks against numpy itself.)
#define BOOST_TEST_MODULE npy
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "support/checks.hpp"
#include "support/temp_dir.hpp"

using namespace slope;
using test::mentions;

namespace {

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("npy") {}
};

// A .npy file written by hand (not by save_npy): magic, version, header length, the dict as given
// padded to 64 bytes, then `data`.
std::string npy_file(const std::string& dict, const std::string& data, int major = 1) {
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  std::string header = dict;
  while ((8 + len_bytes + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  for (std::size_t i = 0; i < len_bytes; ++i)
    out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string dict(const std::string& descr, const std::string& shape,
                 const std::string& fortran = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
}

std::string doubles(std::initializer_list<double> v) {
  std::string out(v.size() * sizeof(double), '\0');
  std::memcpy(out.data(), v.begin(), out.size());
  return out;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  return a.visit([&b](const auto& x) {
    using T = typename std::decay_t<decltype(x)>::value_type;
    return x.size() == 0 || std::memcmp(x.data(), b.data<T>(), x.size() * sizeof(T)) == 0;
  });
}

const std::vector<Shape> kShapes{{}, {0}, {5}, {2, 3}, {2, 3, 4}, {1, 1, 1, 7}};

}  // namespace

BOOST_AUTO_TEST_SUITE(round_trip)

BOOST_AUTO_TEST_CASE(bytes_every_rank_both_types) {
  for (Dtype dtype : {Dtype::float32, Dtype::float64})
    for (const Shape& shape : kShapes) {
      BOOST_TEST_CONTEXT(dtype_name(dtype) << " " << shape_str(shape)) {
        const Tensor t = randn(shape, 7, dtype);
        const std::string bytes = save_npy_bytes(t);
        BOOST_TEST(same_bits(load_npy_bytes(bytes, "t.npy"), t));
      }
    }
}

BOOST_AUTO_TEST_CASE(files) {
  TempDir dir;
  for (Dtype dtype : {Dtype::float32, Dtype::float64}) {
    const Tensor t = uniform({2, 3, 4}, -1, 1, 3, dtype);
    const std::string path = dir.path(std::string("t_") + dtype_name(dtype) + ".npy");
    save_npy(path, t);
    BOOST_TEST(same_bits(load_npy(path), t));
  }
}

BOOST_AUTO_TEST_CASE(the_header_is_numpys) {
  const std::string bytes = save_npy_bytes(Tensor::zeros({5}, Dtype::float32));
  BOOST_TEST(bytes.compare(0, 8, std::string("\x93NUMPY\x01\x00", 8)) == 0);
  const std::size_t header_len =
      static_cast<unsigned char>(bytes[8]) |
      (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
  BOOST_TEST((10 + header_len) % 64 == 0u);  // numpy aligns the data to 64 bytes
  const std::string header = bytes.substr(10, header_len);
  BOOST_TEST(header.find("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }") == 0u);
  BOOST_TEST(header.back() == '\n');
  BOOST_TEST(bytes.size() == 10 + header_len + 5 * 4);
  const std::string scalar = save_npy_bytes(Tensor::scalar(1, Dtype::float64));
  BOOST_TEST(scalar.find("'<f8'") != std::string::npos);
  BOOST_TEST(scalar.find("'shape': (), }") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(hand_written_files_read) {
  // Versions 2.0 and 3.0, double quotes, no trailing comma, any key order, "(3)" leniently.
  const Tensor want = Tensor::from_vector({1, 2, 3}, {3});
  for (int major : {1, 2, 3})
    BOOST_TEST(
        same_bits(load_npy_bytes(npy_file(dict("<f8", "(3,)"), doubles({1, 2, 3}), major)), want));
  const std::string reordered = "{\"shape\": (3,), \"fortran_order\": False, \"descr\": \"<f8\"}";
  BOOST_TEST(same_bits(load_npy_bytes(npy_file(reordered, doubles({1, 2, 3}))), want));
  BOOST_TEST(same_bits(load_npy_bytes(npy_file(dict("<f8", "(3)"), doubles({1, 2, 3}))), want));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(refusals)

namespace {
void refused(const std::string& bytes, const std::string& fault) {
  BOOST_CHECK_EXCEPTION(load_npy_bytes(bytes, "bad.npy"), ValueError,
                        mentions("load_npy", "'bad.npy'", fault));
}
}  // namespace

BOOST_AUTO_TEST_CASE(too_short_or_bad_magic_or_version) {
  refused("", "too short");
  refused("\x93NUM", "too short");
  refused("PK\x03\x04 this is a zip file", "bad magic");
  std::string v4 = npy_file(dict("<f8", "(1,)"), doubles({1}));
  v4[6] = 4;
  refused(v4, "version 4.0");
  refused(std::string("\x93NUMPY\x02\x00\x10", 9), "too short");
}

BOOST_AUTO_TEST_CASE(unsupported_dtype_or_order) {
  refused(npy_file(dict("<i4", "(1,)"), "abcd"), "dtype '<i4'");
  refused(npy_file(dict(">f8", "(1,)"), doubles({1})), "dtype '>f8'");
  refused(npy_file(dict("<f2", "(2,)"), "abcd"), "dtype '<f2'");
  refused(npy_file(dict("<f8", "(1, 1)", "True"), doubles({1})), "Fortran order");
}

BOOST_AUTO_TEST_CASE(shape_claims_more_than_the_file_holds) {
  // 8 TB claimed by a 136-byte file: refused from the file's size, nothing allocated.
  refused(npy_file(dict("<f8", "(1000000000000,)"), doubles({1})),
          "shape (1000000000000) needs 8000000000000 bytes of data, the file holds 8");
  refused(npy_file(dict("<f4", "(10,)"), doubles({1})), "truncated");
  refused(npy_file(dict("<f8", "(2,)"), ""), "truncated");
}

BOOST_AUTO_TEST_CASE(data_past_the_shape) {
  refused(npy_file(dict("<f8", "(1,)"), doubles({1, 2})), "8 bytes past the data");
}

BOOST_AUTO_TEST_CASE(element_count_overflow) {
  refused(npy_file(dict("<f4", "(4294967296, 4294967296)"), ""), "element count overflows");
  refused(npy_file(dict("<f8", "(2305843009213693952,)"), ""), "element count overflows");
  refused(npy_file(dict("<f4", "(0, 9223372036854775808)"), ""), "element count overflows");
  refused(npy_file(dict("<f4", "(99999999999999999999,)"), ""), "overflows 64 bits");
}

BOOST_AUTO_TEST_CASE(header_faults) {
  std::string long_header = npy_file(dict("<f8", "(1,)"), doubles({1}));
  long_header[8] = '\xff';  // header length 0xff.. > what the file holds
  refused(long_header, "runs past the end of the file");
  std::string huge = npy_file(dict("<f8", "(1,)"), doubles({1}), 2);
  huge[11] = '\x7f';  // a 2 GB header
  refused(huge, "more than the 65536 read");
  refused(npy_file("{'descr': '<f8', 'shape': (1,), }", doubles({1})), "no 'descr'");
  refused(npy_file(dict("<f8", "(1,)") + "x", doubles({1})), "after the closing");
  refused(npy_file("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}",
                   doubles({1})),
          "repeated key 'descr'");
  refused(npy_file("{'colour': 'red'}", ""), "unexpected or repeated key 'colour'");
  refused(npy_file(dict("<f8", "(-1,)"), ""), "non-negative integer");
  refused(npy_file(dict("<f8", "(1,"), doubles({1})), "bad header");
  refused(npy_file("{'descr': '<f8", ""), "unterminated string");
  refused(npy_file(dict("<f8", "(1,)", "Maybe"), doubles({1})), "True or False");
  std::string dims = "(";
  for (int i = 0; i < 33; ++i) dims += "1,";
  refused(npy_file(dict("<f8", dims + ")"), doubles({1})), "more than 32 dimensions");
}

BOOST_AUTO_TEST_CASE(files_name_the_path) {
  TempDir dir;
  BOOST_CHECK_EXCEPTION(load_npy(dir.path("missing.npy")), ValueError,
                        mentions("missing.npy", "cannot be opened"));
  BOOST_CHECK_EXCEPTION(load_npy(dir.path("")), ValueError, mentions("not a regular file"));
  const std::string cut = dir.path("cut.npy");
  const std::string whole = save_npy_bytes(Tensor::zeros({4, 4}, Dtype::float64));
  write_file(cut, whole.substr(0, whole.size() - 3));
  BOOST_CHECK_EXCEPTION(load_npy(cut), ValueError, mentions("cut.npy", "truncated"));
}

BOOST_AUTO_TEST_CASE(save_refuses) {
  TempDir dir;
  BOOST_CHECK_EXCEPTION(save_npy(dir.path("t.npy"), Tensor()), ValueError,
                        mentions("save_npy", "t.npy", "empty"));
  BOOST_CHECK_EXCEPTION(save_npy(dir.path("no/such/dir/t.npy"), Tensor::scalar(1, Dtype::float32)),
                        ValueError, mentions("save_npy", "no/such/dir/t.npy"));
}

BOOST_AUTO_TEST_CASE(random_corruption_is_a_value_error_or_a_tensor) {
  // A small fuzz: flip bytes of good files; each result is a tensor the bytes back, or ValueError.
  std::mt19937_64 rng(42);
  const std::string good = save_npy_bytes(randn({3, 4}, 1, Dtype::float32));
  std::size_t loaded = 0;
  for (int round = 0; round < 5000; ++round) {
    std::string bytes = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      const std::size_t at = rng() % std::min<std::size_t>(bytes.size(), 128);
      bytes[at] = static_cast<char>(rng() % 256);
    }
    if (rng() % 4 == 0) bytes.resize(rng() % bytes.size());
    try {
      const Tensor t = load_npy_bytes(bytes);
      BOOST_TEST(t.size() * (t.dtype() == Dtype::float32 ? 4 : 8) < bytes.size());
      ++loaded;
    } catch (const ValueError&) {
    }
  }
  BOOST_TEST(loaded > 0u);
}

BOOST_AUTO_TEST_SUITE_END()
