// SPDX-License-Identifier: MIT
#include "idx.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sys/stat.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <zlib.h>

#include "../graph/errors.hpp"

namespace slope {

namespace {

// NOTE: deflate cannot compress better than about 1032:1, so a gzip file of S bytes never holds
// more than this many times S bytes of data: a header claiming more is lying.
constexpr std::uint64_t kMaxDeflateRatio = 1032;
constexpr std::size_t kChunk = std::size_t{1} << 20;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw ValueError(fmt::format("read_idx: '{}' {}", path, what));
}

// A file read either directly or through zlib, chosen by the gzip magic bytes.
class Source {
 public:
  explicit Source(const std::string& path) : path_(path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
      fail(path, fmt::format("cannot be opened ({})", errno_text()));
    if (!S_ISREG(st.st_mode)) fail(path, "is not a regular file");
    file_size_ = static_cast<std::uint64_t>(st.st_size);
    raw_ = std::fopen(path.c_str(), "rb");
    if (!raw_) fail(path, fmt::format("cannot be opened ({})", errno_text()));
    unsigned char head[2] = {0, 0};
    const std::size_t got = std::fread(head, 1, 2, raw_);
    gzip_ = got == 2 && head[0] == 0x1f && head[1] == 0x8b;
    if (gzip_) {
      std::fclose(raw_);
      raw_ = nullptr;
      gz_ = gzopen(path.c_str(), "rb");
      if (!gz_) fail(path, fmt::format("cannot be opened by zlib ({})", errno_text()));
      gzbuffer(gz_, 1 << 17);
    } else {
      std::rewind(raw_);
    }
  }
  ~Source() {
    if (raw_) std::fclose(raw_);
    if (gz_) gzclose_r(gz_);
  }
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  bool gzip() const { return gzip_; }
  std::uint64_t file_size() const { return file_size_; }

  // Reads up to n bytes; fewer only at the end of the data. A corrupt gzip stream throws.
  std::size_t read(void* buf, std::size_t n) {
    if (!gzip_) return std::fread(buf, 1, n, raw_);
    std::size_t got = 0;
    auto* out = static_cast<unsigned char*>(buf);
    while (got < n) {
      const auto want = static_cast<unsigned>(std::min<std::size_t>(n - got, kChunk));
      const int r = gzread(gz_, out + got, want);
      if (r < 0) {
        int errnum = 0;
        const char* msg = gzerror(gz_, &errnum);
        fail(path_, fmt::format("is not a valid gzip file (zlib: {})", msg ? msg : "error"));
      }
      if (r == 0) break;
      got += static_cast<std::size_t>(r);
    }
    return got;
  }

  // Whether the gzip stream ended before its end marker (a truncated .gz).
  bool gzip_cut_short() const {
    if (!gzip_) return false;
    int errnum = Z_OK;
    gzerror(gz_, &errnum);
    return errnum == Z_BUF_ERROR;
  }

 private:
  static std::string errno_text() { return std::strerror(errno); }

  std::string path_;
  std::uint64_t file_size_ = 0;
  bool gzip_ = false;
  std::FILE* raw_ = nullptr;
  gzFile gz_ = nullptr;
};

const char* idx_kind(std::uint32_t magic) {
  if (magic == kIdxImagesMagic) return "IDX images";
  if (magic == kIdxLabelsMagic) return "IDX labels";
  return "IDX";
}

std::uint32_t big_endian(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

}  // namespace

IdxArray read_idx(const std::string& path, std::uint32_t magic, std::size_t max_items) {
  return read_idx(path, magic, max_items, nullptr);
}

IdxArray read_idx(const std::string& path, std::uint32_t magic, std::size_t max_items,
                  const IdxSink& sink) {
  Source src(path);
  const char* form = src.gzip() ? "gzip-compressed" : "raw";
  auto truncated = [&](const std::string& what) {
    fail(path, fmt::format("is truncated: {} ({} file of {} bytes)", what, form, src.file_size()));
  };

  IdxArray out;
  unsigned char head[4];
  std::size_t got = src.read(head, 4);
  if (got < 4) truncated(fmt::format("the 4-byte magic number ends after {} bytes", got));
  out.magic = big_endian(head);
  if (out.magic != magic)
    fail(path, fmt::format("has magic number 0x{:08x}, expected 0x{:08x} ({})", out.magic, magic,
                           idx_kind(magic)));

  const std::size_t ndims = magic & 0xffu;
  std::vector<unsigned char> dim_bytes(4 * ndims);
  got = src.read(dim_bytes.data(), dim_bytes.size());
  if (got < dim_bytes.size())
    truncated(fmt::format("the header's {} dimensions need {} bytes, it holds {}", ndims,
                          dim_bytes.size(), got));
  // Each extent is < 2^32 and the running product stays <= kIdxMaxBytes = 2^30: no overflow.
  std::uint64_t bytes = 1;
  bool too_big = false;
  for (std::size_t i = 0; i < ndims; ++i) {
    out.dims.push_back(big_endian(&dim_bytes[4 * i]));
    if (!too_big) bytes *= out.dims.back();
    too_big = too_big || bytes > kIdxMaxBytes;
  }
  const std::string dims_text = fmt::format("({})", fmt::join(out.dims, ", "));
  if (too_big)
    fail(path, fmt::format("has dimensions {} that claim more than the {} byte limit", dims_text,
                           kIdxMaxBytes));
  const std::uint64_t header = 4 + 4 * ndims;
  if (!src.gzip() && src.file_size() != header + bytes) {
    if (src.file_size() < header + bytes)
      truncated(fmt::format("dimensions {} need {} data bytes, it holds {}", dims_text, bytes,
                            src.file_size() - header));
    fail(path, fmt::format("holds {} bytes past the data its dimensions {} describe",
                           src.file_size() - header - bytes, dims_text));
  }
  if (src.gzip() && bytes > kMaxDeflateRatio * src.file_size())
    fail(path, fmt::format("has dimensions {} that claim {} data bytes, more than a gzip file of "
                           "{} bytes can hold",
                           dims_text, bytes, src.file_size()));

  // Read only the first max_items items when asked (a subset for quick runs).
  const std::uint64_t item_bytes = ndims == 0 ? 1 : (out.dims[0] == 0 ? 0 : bytes / out.dims[0]);
  const bool partial = ndims > 0 && max_items > 0 && max_items < out.dims[0];
  if (partial) out.dims[0] = max_items;
  const auto want = static_cast<std::size_t>(partial ? item_bytes * max_items : bytes);

  // Gzip data grows as it arrives, so memory follows what the stream really holds, not the header.
  // With a sink, one chunk-sized buffer is reused and nothing is kept.
  std::vector<std::uint8_t> piece;
  std::size_t have = 0;
  while (have < want) {
    const std::size_t step = std::min(want - have, sink ? kChunk : std::max(kChunk, have));
    std::uint8_t* dst;
    if (sink) {
      piece.resize(step);
      dst = piece.data();
    } else {
      out.data.resize(have + step);
      dst = out.data.data() + have;
    }
    const std::size_t r = src.read(dst, step);
    if (sink && r > 0) sink(have, dst, r);
    have += r;
    if (r < step) {
      if (src.gzip_cut_short())
        truncated(
            fmt::format("the gzip stream ends early, after {} of the {} data bytes that "
                        "dimensions {} need",
                        have, want, dims_text));
      truncated(
          fmt::format("dimensions {} need {} data bytes, it holds {}", dims_text, want, have));
    }
  }
  if (!partial && src.gzip()) {
    // Read on to the end of the stream: that checks the gzip CRC and finds trailing data.
    unsigned char extra[64];
    const std::size_t more = src.read(extra, sizeof extra);
    if (more > 0)
      fail(path, fmt::format("holds data past the {} bytes its dimensions {} describe", bytes,
                             dims_text));
    if (src.gzip_cut_short()) truncated("the gzip stream ends before its end marker");
  }
  return out;
}

Tensor read_idx_images(const std::string& path, std::size_t max_items) {
  const IdxArray a = read_idx(path, kIdxImagesMagic, max_items);
  const std::size_t n = a.dims[0], d = a.dims[1] * a.dims[2];
  Array<float> x(Shape{n, d});  // [N, rows, cols] -> [N, rows * cols]
  float* px = x.data();
  for (std::size_t i = 0; i < a.data.size(); ++i) px[i] = static_cast<float>(a.data[i]) / 255.0f;
  return Tensor(std::move(x));
}

Labels read_idx_labels(const std::string& path, std::size_t num_classes, std::size_t max_items) {
  const IdxArray a = read_idx(path, kIdxLabelsMagic, max_items);
  Labels y(a.data.size());
  for (std::size_t i = 0; i < a.data.size(); ++i) {
    if (a.data[i] >= num_classes)
      throw ValueError(fmt::format("read_idx_labels: '{}' has label {} at index {}, outside 0..{}",
                                   path, a.data[i], i, num_classes - 1));
    y[i] = a.data[i];
  }
  return y;
}

void write_idx(const std::string& path, const IdxArray& a, bool gzip) {
  std::uint64_t bytes = 1;
  for (std::size_t d : a.dims) bytes *= d;
  if ((a.magic & 0xffu) != a.dims.size() || bytes != a.data.size())
    throw ValueError(fmt::format(
        "write_idx: '{}': magic 0x{:08x} and dimensions ({}) do not describe {} data bytes", path,
        a.magic, fmt::join(a.dims, ", "), a.data.size()));
  std::vector<unsigned char> buf;
  auto put = [&buf](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) buf.push_back((v >> shift) & 0xffu);
  };
  put(a.magic);
  for (std::size_t d : a.dims) put(static_cast<std::uint32_t>(d));
  buf.insert(buf.end(), a.data.begin(), a.data.end());
  bool ok = false;
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    if (f) {
      ok =
          gzwrite(f, buf.data(), static_cast<unsigned>(buf.size())) == static_cast<int>(buf.size());
      ok = gzclose_w(f) == Z_OK && ok;
    }
  } else if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    ok = std::fwrite(buf.data(), 1, buf.size(), f) == buf.size();
    ok = std::fclose(f) == 0 && ok;
  }
  if (!ok)
    throw ValueError(fmt::format("write_idx: cannot write '{}' ({})", path, std::strerror(errno)));
}

}  // namespace slope
