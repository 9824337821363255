// SPDX-License-Identifier: MIT
// NOTE: our own reader rather than xtensor's xnpy.hpp, whose reader (xtensor 0.24) allocates what
// the header claims before reading, does not notice truncated data, reads a negative shape as a
// huge one and sign-extends header lengths; a writer of our own then keeps the two in step.
#include "npy.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <sys/stat.h>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope {

namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "npy.cpp copies '<f4' / '<f8' data as it is: a big-endian host must swap bytes");

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicBytes = sizeof(kMagic) - 1;
constexpr std::size_t kMaxDims = 32;  // numpy's limit (NPY_MAXDIMS)

[[noreturn]] void fail(const std::string& name, const std::string& what) {
  throw ValueError(fmt::format("load_npy: '{}' {}", name, what));
}

// The bytes of a .npy file: its real size, and a read of exactly n bytes at an offset (false when
// fewer are there).
struct Input {
  std::string name;
  std::uint64_t size = 0;
  std::function<bool(std::uint64_t offset, char* dst, std::size_t n)> read;
};

struct Header {
  Dtype dtype = Dtype::float64;
  Shape shape;
  std::uint64_t data_offset = 0;
};

// A strict parser of the header's Python dict literal:
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& name) : s_(text), name_(name) {}

  void parse(std::string& descr, bool& fortran, Shape& shape) {
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    expect('{');
    while (skip_ws(), peek() != '}') {
      const std::string key = string_literal();
      skip_ws();
      expect(':');
      skip_ws();
      if (key == "descr" && !seen_descr) {
        descr = string_literal();
        seen_descr = true;
      } else if (key == "fortran_order" && !seen_fortran) {
        fortran = bool_literal();
        seen_fortran = true;
      } else if (key == "shape" && !seen_shape) {
        shape = shape_tuple();
        seen_shape = true;
      } else {
        bad(fmt::format("an unexpected or repeated key '{}'", key));
      }
      skip_ws();
      if (peek() != '}') expect(',');
    }
    ++pos_;
    skip_ws();
    if (pos_ != s_.size()) bad("text after the closing '}'");
    if (!seen_descr || !seen_fortran || !seen_shape)
      bad("no 'descr', 'fortran_order' or 'shape' key");
  }

 private:
  [[noreturn]] void bad(const std::string& what) const {
    fail(name_, fmt::format("has a bad header: {} at byte {} of the header", what, pos_));
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_ws() {
    while (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r') ++pos_;
  }
  void expect(char c) {
    if (peek() != c) bad(fmt::format("expected '{}'", c));
    ++pos_;
  }
  std::string string_literal() {
    const char quote = peek();
    if (quote != '\'' && quote != '"') bad("expected a quoted string");
    const std::size_t start = ++pos_;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      if (s_[pos_] == '\\') bad("an escape in a string");
      ++pos_;
    }
    if (pos_ == s_.size()) bad("an unterminated string");
    return s_.substr(start, pos_++ - start);
  }
  bool bool_literal() {
    for (const bool v : {true, false}) {
      const std::string word = v ? "True" : "False";
      if (s_.compare(pos_, word.size(), word) == 0) {
        pos_ += word.size();
        return v;
      }
    }
    bad("expected True or False");
  }
  std::size_t extent() {
    if (peek() < '0' || peek() > '9') bad("expected a non-negative integer extent");
    std::uint64_t v = 0;
    while (peek() >= '0' && peek() <= '9') {
      const auto digit = static_cast<std::uint64_t>(peek() - '0');
      if (v > (UINT64_MAX - digit) / 10) bad("an extent that overflows 64 bits");
      v = v * 10 + digit;
      ++pos_;
    }
    return static_cast<std::size_t>(v);
  }
  // (), (3,), (2, 3) and, leniently, (3).
  Shape shape_tuple() {
    Shape shape;
    expect('(');
    skip_ws();
    while (peek() != ')') {
      if (shape.size() == kMaxDims) bad(fmt::format("more than {} dimensions", kMaxDims));
      shape.push_back(extent());
      skip_ws();
      if (peek() == ')') break;
      expect(',');
      skip_ws();
    }
    ++pos_;
    return shape;
  }

  const std::string& s_;
  const std::string& name_;
  std::size_t pos_ = 0;
};

std::uint64_t little_endian(const unsigned char* b, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = n; i-- > 0;) v = (v << 8) | b[i];
  return v;
}

Header read_header(const Input& in) {
  unsigned char pre[12];
  if (in.size < 10 || !in.read(0, reinterpret_cast<char*>(pre), 10))
    fail(in.name, fmt::format("is too short for a .npy file ({} bytes)", in.size));
  if (std::memcmp(pre, kMagic, kMagicBytes) != 0)
    fail(in.name, "is not a .npy file (bad magic: it does not start with \\x93NUMPY)");
  const unsigned major = pre[6], minor = pre[7];
  if (!((major == 1 || major == 2 || major == 3) && minor == 0))
    fail(in.name, fmt::format("has .npy version {}.{}, not 1.0, 2.0 or 3.0", major, minor));
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  if (len_bytes == 4 && (in.size < 12 || !in.read(10, reinterpret_cast<char*>(pre) + 10, 2)))
    fail(in.name, fmt::format("is too short for a .npy file ({} bytes)", in.size));
  const std::uint64_t header_len = little_endian(pre + 8, len_bytes);
  if (header_len > kNpyMaxHeaderBytes)
    fail(in.name, fmt::format("has a header of {} bytes, more than the {} read", header_len,
                              kNpyMaxHeaderBytes));
  Header h;
  h.data_offset = 8 + len_bytes + header_len;
  if (h.data_offset > in.size)
    fail(in.name, fmt::format("is truncated: its header of {} bytes runs past the end of the file "
                              "({} bytes)",
                              header_len, in.size));
  std::string text(static_cast<std::size_t>(header_len), '\0');
  if (!in.read(8 + len_bytes, text.data(), text.size()))
    fail(in.name, "is truncated: its header could not be read");

  std::string descr;
  bool fortran = false;
  HeaderParser(text, in.name).parse(descr, fortran, h.shape);
  if (descr == "<f4") {
    h.dtype = Dtype::float32;
  } else if (descr == "<f8") {
    h.dtype = Dtype::float64;
  } else {
    fail(in.name, fmt::format("has dtype '{}'; slope reads only '<f4' (float32) and '<f8' "
                              "(float64)",
                              descr));
  }
  if (fortran)
    fail(in.name, "is in Fortran order; slope reads only C order (numpy.ascontiguousarray)");
  return h;
}

Tensor read_npy(const Input& in) {
  const Header h = read_header(in);
  const std::size_t item = h.dtype == Dtype::float32 ? 4 : 8;
  std::size_t count = 1;
  bool overflow = false;
  for (auto e : h.shape)
    overflow |= __builtin_mul_overflow(count, e, &count) || e > kMaxTensorElements;
  std::size_t bytes = 0;
  overflow |= __builtin_mul_overflow(count, item, &bytes);
  if (overflow || count > kMaxTensorElements)
    fail(in.name, fmt::format("has shape {}, whose element count overflows", shape_str(h.shape)));
  // The file's real size backs the data before anything is allocated for it.
  const std::uint64_t held = in.size - h.data_offset;
  if (bytes > held)
    fail(in.name, fmt::format("is truncated: shape {} needs {} bytes of data, the file holds {}",
                              shape_str(h.shape), bytes, held));
  if (bytes < held)
    fail(in.name, fmt::format("has {} bytes past the data of shape {} ({} bytes)", held - bytes,
                              shape_str(h.shape), bytes));
  Tensor t = Tensor::zeros(h.shape, h.dtype);
  char* dst = t.visit([](auto& a) { return reinterpret_cast<char*>(a.data()); });
  if (bytes > 0 && !in.read(h.data_offset, dst, bytes))
    fail(in.name, "is truncated: its data could not be read");
  return t;
}

// The header save_npy writes: magic, version 1.0 (2.0 for a header over 64 KB), the dict padded
// with spaces to a multiple of 64 bytes, as numpy does.
std::string npy_header(const Tensor& t) {
  const Shape& shape = t.shape();
  std::string dims = shape.size() == 1 ? fmt::format("({},)", shape[0]) : shape_str(shape);
  const std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
                                       t.dtype() == Dtype::float32 ? "<f4" : "<f8", dims);
  const std::size_t len_bytes = dict.size() + 64 > 0xffff ? 4 : 2;
  const std::size_t prefix = kMagicBytes + 2 + len_bytes;
  const std::size_t header_len = (prefix + dict.size() + 1 + 63) / 64 * 64 - prefix;
  std::string out(kMagic, kMagicBytes);
  out += static_cast<char>(len_bytes == 2 ? 1 : 2);
  out += '\0';
  for (std::size_t i = 0; i < len_bytes; ++i)
    out += static_cast<char>((header_len >> (8 * i)) & 0xff);
  out += dict;
  out.append(header_len - dict.size() - 1, ' ');
  out += '\n';
  return out;
}

std::pair<const char*, std::size_t> raw_data(const Tensor& t) {
  return t.visit([](const auto& a) {
    using T = typename std::decay_t<decltype(a)>::value_type;
    return std::make_pair(reinterpret_cast<const char*>(a.data()), a.size() * sizeof(T));
  });
}

using File = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

}  // namespace

Tensor load_npy(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    fail(path, fmt::format("cannot be opened ({})", std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) fail(path, "is not a regular file");
  File f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) fail(path, fmt::format("cannot be opened ({})", std::strerror(errno)));
  std::FILE* fp = f.get();
  Input in{path, static_cast<std::uint64_t>(st.st_size),
           [fp](std::uint64_t offset, char* dst, std::size_t n) {
             return ::fseeko(fp, static_cast<off_t>(offset), SEEK_SET) == 0 &&
                    std::fread(dst, 1, n, fp) == n;
           }};
  return read_npy(in);
}

Tensor load_npy_bytes(const std::string& bytes, const std::string& name) {
  Input in{name, bytes.size(), [&bytes](std::uint64_t offset, char* dst, std::size_t n) {
             if (offset > bytes.size() || n > bytes.size() - offset) return false;
             if (n > 0) std::memcpy(dst, bytes.data() + offset, n);
             return true;
           }};
  return read_npy(in);
}

std::string save_npy_bytes(const Tensor& t) {
  if (t.empty()) throw ValueError("save_npy: the tensor is empty (it has no element type)");
  std::string out = npy_header(t);
  const auto [data, n] = raw_data(t);
  if (n > 0) out.append(data, n);
  return out;
}

void save_npy(const std::string& path, const Tensor& t) {
  if (t.empty())
    throw ValueError(
        fmt::format("save_npy: cannot write '{}': the tensor is empty (no element type)", path));
  const std::string header = npy_header(t);
  const auto [data, n] = raw_data(t);
  std::FILE* fp = std::fopen(path.c_str(), "wb");
  bool ok = fp != nullptr;
  if (ok) {
    ok = std::fwrite(header.data(), 1, header.size(), fp) == header.size();
    ok = ok && (n == 0 || std::fwrite(data, 1, n, fp) == n);
    ok = (std::fclose(fp) == 0) && ok;
  }
  if (!ok)
    throw ValueError(fmt::format("save_npy: cannot write '{}' ({})", path, std::strerror(errno)));
}

}  // namespace slope
