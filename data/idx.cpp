// SPDX-License-Identifier: MIT
#include "idx.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <sys/stat.h>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <zlib.h>

#include "../graph/errors.hpp"

namespace slope {

namespace {

// NOTE: deflate cannot compress better than about 1032:1, so a gzip file of S bytes never holds
// more than this many times S bytes of data: a header claiming more is lying.
constexpr std::uint64_t kMaxDeflateRatio = 1032;
// Real IDX data compresses far less (Fashion-MNIST about 2:1, MNIST about 5:1). A gzip stream
// whose header claims more than this ratio is read through once, keeping nothing, before anything
// is allocated for it: a bomb then costs time, never memory.
constexpr std::uint64_t kPlausibleRatio = 16;
constexpr std::size_t kChunk = std::size_t{1} << 20;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw ValueError(fmt::format("read_idx: '{}' {}", path, what));
}

// A file read either directly or through zlib's inflate, chosen by the gzip magic bytes.
// NOTE: inflate itself, not gzread: gzread returns a clean end of file when the input runs out
// just before a member's trailer (with small buffers), so a cut .gz could pass for a whole one.
class Source {
 public:
  explicit Source(const std::string& path) : path_(path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
      fail(path, fmt::format("cannot be opened ({})", errno_text()));
    if (!S_ISREG(st.st_mode)) fail(path, "is not a regular file");
    file_size_ = static_cast<std::uint64_t>(st.st_size);
    file_ = std::fopen(path.c_str(), "rb");
    if (!file_) fail(path, fmt::format("cannot be opened ({})", errno_text()));
    unsigned char head[2] = {0, 0};
    const std::size_t got = std::fread(head, 1, 2, file_);
    gzip_ = got == 2 && head[0] == 0x1f && head[1] == 0x8b;
    std::rewind(file_);
    if (gzip_) {
      if (inflateInit2(&z_, 15 + 16) != Z_OK) throw std::bad_alloc();  // 15 + 16: gzip only
      inflating_ = true;
      in_.resize(static_cast<std::size_t>(std::clamp<std::uint64_t>(file_size_, 1, 1 << 16)));
    }
  }
  ~Source() {
    if (inflating_) inflateEnd(&z_);
    std::fclose(file_);
  }
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  const std::string& path() const { return path_; }
  bool gzip() const { return gzip_; }
  std::uint64_t file_size() const { return file_size_; }

  // Reads up to n bytes; fewer only at the end of the data. A corrupt gzip stream throws.
  std::size_t read(void* buf, std::size_t n) {
    if (!gzip_) return std::fread(buf, 1, n, file_);
    auto* out = static_cast<unsigned char*>(buf);
    std::size_t got = 0;
    while (got < n) {
      if (member_ended_) {
        // Another gzip member may follow (concatenated files are one stream), else this is the end.
        if (z_.avail_in == 0 && !refill()) break;
        inflateReset(&z_);
        member_ended_ = false;
        new_member_ = true;
      }
      if (z_.avail_in == 0 && !refill()) {
        cut_short_ = true;  // the file ends inside a member
        break;
      }
      const auto room = static_cast<uInt>(std::min<std::size_t>(n - got, kChunk));
      z_.next_out = out + got;
      z_.avail_out = room;
      const int r = inflate(&z_, Z_NO_FLUSH);
      got += room - z_.avail_out;
      if (room != z_.avail_out) new_member_ = false;
      if (r == Z_STREAM_END) {
        member_ended_ = true;
      } else if (r == Z_MEM_ERROR) {
        throw std::bad_alloc();
      } else if (r != Z_OK && r != Z_BUF_ERROR) {
        const std::string msg = z_.msg ? z_.msg : "error";
        if (new_member_)
          fail(path_, fmt::format("holds bytes after its gzip stream that are not another gzip "
                                  "member (zlib: {})",
                                  msg));
        fail(path_, fmt::format("is not a valid gzip file (zlib: {})", msg));
      }
    }
    return got;
  }

  // Back to the first byte (after a checking pass).
  void rewind() {
    if (std::fseek(file_, 0, SEEK_SET) != 0) fail(path_, "cannot be read a second time");
    if (gzip_) {
      inflateReset(&z_);
      z_.avail_in = 0;
      member_ended_ = new_member_ = cut_short_ = false;
    }
  }

  // Whether the gzip stream ended before its end marker (a truncated .gz).
  bool gzip_cut_short() const { return cut_short_; }

  [[noreturn]] void truncated(const std::string& what) const {
    fail(path_, fmt::format("is truncated: {} ({} file of {} bytes)", what,
                            gzip_ ? "gzip-compressed" : "raw", file_size_));
  }

 private:
  static std::string errno_text() { return std::strerror(errno); }

  // The next piece of the compressed file into in_; false at its end.
  bool refill() {
    const std::size_t got = std::fread(in_.data(), 1, in_.size(), file_);
    if (got == 0 && std::ferror(file_))
      fail(path_, fmt::format("cannot be read ({})", errno_text()));
    z_.next_in = in_.data();
    z_.avail_in = static_cast<uInt>(got);
    return got > 0;
  }

  std::string path_;
  std::uint64_t file_size_ = 0;
  bool gzip_ = false;
  std::FILE* file_ = nullptr;
  z_stream z_{};
  bool inflating_ = false;
  std::vector<unsigned char> in_;
  bool member_ended_ = false;  // inflate reached a member's end (its CRC and length checked)
  bool new_member_ = false;    // a member after the first has begun, no data from it yet
  bool cut_short_ = false;
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

// A checked IDX header and what to read of the data after it.
struct Header {
  IdxArray array;           // magic and dims, dims[0] cut to max_items; data empty
  std::string dims_text;    // the dimensions as the file states them
  std::uint64_t bytes = 0;  // data bytes those dimensions describe
  std::size_t want = 0;     // data bytes to read (fewer with max_items)
  bool partial = false;
};

// Reads the header at the start of `src` and checks it against the limit and the file's size.
Header parse_header(Source& src, std::uint32_t magic, std::size_t max_items) {
  const std::string& path = src.path();
  Header h;
  IdxArray& out = h.array;
  unsigned char head[4];
  std::size_t got = src.read(head, 4);
  if (got < 4) src.truncated(fmt::format("the 4-byte magic number ends after {} bytes", got));
  out.magic = big_endian(head);
  if (out.magic != magic)
    fail(path, fmt::format("has magic number 0x{:08x}, expected 0x{:08x} ({})", out.magic, magic,
                           idx_kind(magic)));

  const std::size_t ndims = magic & 0xffu;
  std::vector<unsigned char> dim_bytes(4 * ndims);
  got = src.read(dim_bytes.data(), dim_bytes.size());
  if (got < dim_bytes.size())
    src.truncated(fmt::format("the header's {} dimensions need {} bytes, it holds {}", ndims,
                              dim_bytes.size(), got));
  for (std::size_t i = 0; i < ndims; ++i) out.dims.push_back(big_endian(&dim_bytes[4 * i]));
  h.dims_text = fmt::format("({})", fmt::join(out.dims, ", "));
  // NOTE: a zero extent would make the product 0 whatever the others claim, and callers size
  // rows by the other extents: (0, 32768, 32768) describes nothing yet 1 GiB images.
  if (std::find(out.dims.begin(), out.dims.end(), 0u) != out.dims.end())
    fail(path,
         fmt::format("has dimensions {} with an extent of 0: it describes no data", h.dims_text));
  // Each extent is < 2^32 and the running product stays <= kIdxMaxBytes = 2^30: no overflow.
  h.bytes = 1;
  for (std::size_t d : out.dims) {
    h.bytes *= d;
    if (h.bytes > kIdxMaxBytes)
      fail(path, fmt::format("has dimensions {} that claim more than the {} byte limit",
                             h.dims_text, kIdxMaxBytes));
  }
  const std::uint64_t header = 4 + 4 * ndims;
  if (!src.gzip() && src.file_size() != header + h.bytes) {
    if (src.file_size() < header + h.bytes)
      src.truncated(fmt::format("dimensions {} need {} data bytes, it holds {}", h.dims_text,
                                h.bytes, src.file_size() - header));
    fail(path, fmt::format("holds {} bytes past the data its dimensions {} describe",
                           src.file_size() - header - h.bytes, h.dims_text));
  }
  if (src.gzip() && h.bytes > kMaxDeflateRatio * src.file_size())
    fail(path, fmt::format("has dimensions {} that claim {} data bytes, more than a gzip file of "
                           "{} bytes can hold",
                           h.dims_text, h.bytes, src.file_size()));

  // Read only the first max_items items when asked (a subset for quick runs).
  const std::uint64_t item_bytes = ndims == 0 ? 1 : h.bytes / out.dims[0];
  h.partial = ndims > 0 && max_items > 0 && max_items < out.dims[0];
  if (h.partial) out.dims[0] = max_items;
  h.want = static_cast<std::size_t>(h.partial ? item_bytes * max_items : h.bytes);
  return h;
}

// Reads the data `h` describes in steps of at most kChunk bytes: `into(have, step)` says where the
// next step bytes go, `took(have, bytes, n)` sees them. A whole gzip file is read on to the end of
// its stream: that checks the CRC and stops at the first byte past what the header states.
template <class Into, class Took>
void read_data(Source& src, const Header& h, Into into, Took took) {
  std::size_t have = 0;
  while (have < h.want) {
    const std::size_t step = std::min(h.want - have, kChunk);
    std::uint8_t* dst = into(have, step);
    const std::size_t r = src.read(dst, step);
    if (r > 0) took(have, dst, r);
    have += r;
    if (r < step) {
      if (src.gzip_cut_short())
        src.truncated(
            fmt::format("the gzip stream ends early, after {} of the {} data bytes that "
                        "dimensions {} need",
                        have, h.want, h.dims_text));
      src.truncated(
          fmt::format("dimensions {} need {} data bytes, it holds {}", h.dims_text, h.want, have));
    }
  }
  if (!h.partial && src.gzip()) {
    unsigned char extra[64];
    if (src.read(extra, sizeof extra) > 0)
      fail(src.path(), fmt::format("holds data past the {} bytes its dimensions {} describe",
                                   h.bytes, h.dims_text));
    if (src.gzip_cut_short()) src.truncated("the gzip stream ends before its end marker");
  }
}

// parse_header, and for a gzip stream that claims more than a plausible ratio of its size, one
// pass through the data that keeps nothing, so that what is allocated next is known to be there.
Header check_header(Source& src, std::uint32_t magic, std::size_t max_items) {
  Header h = parse_header(src, magic, max_items);
  if (src.gzip() && h.want > kPlausibleRatio * src.file_size()) {
    std::vector<std::uint8_t> piece(std::min(h.want, kChunk));
    read_data(
        src, h, [&](std::size_t, std::size_t) { return piece.data(); },
        [](std::size_t, const std::uint8_t*, std::size_t) {});
    src.rewind();
    h = parse_header(src, magic, max_items);
  }
  return h;
}

// read_idx with a hook that sees the checked header before any data is read.
template <class OnHeader>
IdxArray read_idx_streamed(const std::string& path, std::uint32_t magic, std::size_t max_items,
                           OnHeader on_header, const IdxSink& sink) {
  Source src(path);
  Header h = check_header(src, magic, max_items);
  on_header(h.array);
  std::vector<std::uint8_t> piece(std::min(h.want, kChunk));
  read_data(
      src, h, [&](std::size_t, std::size_t) { return piece.data(); },
      [&](std::size_t offset, const std::uint8_t* bytes, std::size_t n) {
        sink(offset, bytes, n);
      });
  return std::move(h.array);
}

}  // namespace

IdxArray read_idx_header(const std::string& path, std::uint32_t magic, std::size_t max_items) {
  Source src(path);
  return check_header(src, magic, max_items).array;
}

IdxArray read_idx(const std::string& path, std::uint32_t magic, std::size_t max_items) {
  Source src(path);
  Header h = check_header(src, magic, max_items);
  IdxArray out = std::move(h.array);
  // Reserved, not filled: pages are touched only as data arrives.
  out.data.reserve(h.want);
  read_data(
      src, h,
      [&](std::size_t have, std::size_t step) {
        out.data.resize(have + step);
        return out.data.data() + have;
      },
      [](std::size_t, const std::uint8_t*, std::size_t) {});
  return out;
}

IdxArray read_idx(const std::string& path, std::uint32_t magic, std::size_t max_items,
                  const IdxSink& sink) {
  if (!sink) return read_idx(path, magic, max_items);  // no sink: the data in the array, as before
  return read_idx_streamed(
      path, magic, max_items, [](const IdxArray&) {}, sink);
}

Tensor read_idx_images(const std::string& path, std::size_t max_items) {
  // Bytes are scaled into the float array as they arrive: the bytes are never held whole.
  Array<float> x;
  read_idx_streamed(
      path, kIdxImagesMagic, max_items,
      [&](const IdxArray& a) {
        x = Array<float>(Shape{a.dims[0], a.dims[1] * a.dims[2]});
      },
      [&](std::size_t offset, const std::uint8_t* bytes, std::size_t n) {
        float* px = x.data() + offset;  // [N, rows, cols] -> [N, rows * cols]
        for (std::size_t i = 0; i < n; ++i) px[i] = static_cast<float>(bytes[i]) / 255.0f;
      });
  return Tensor(std::move(x));
}

Labels read_idx_labels(const std::string& path, std::size_t num_classes, std::size_t max_items) {
  if (num_classes == 0)
    throw ValueError(fmt::format("read_idx_labels: '{}': num_classes must be at least 1", path));
  Labels y;
  read_idx_streamed(
      path, kIdxLabelsMagic, max_items, [&](const IdxArray& a) { y.reserve(a.dims[0]); },
      [&](std::size_t offset, const std::uint8_t* bytes, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
          if (bytes[i] >= num_classes)
            throw ValueError(
                fmt::format("read_idx_labels: '{}' has label {} at index {}, outside 0..{}", path,
                            bytes[i], offset + i, num_classes - 1));
          y.push_back(bytes[i]);
        }
      });
  return y;
}

void write_idx(const std::string& path, const IdxArray& a, bool gzip) {
  std::uint64_t bytes = 1;
  bool fits = true;  // every extent in the header's 32 bits, the product without overflow
  for (std::size_t d : a.dims)
    fits = fits && d <= 0xffffffffu && !__builtin_mul_overflow(bytes, std::uint64_t{d}, &bytes);
  if ((a.magic & 0xffu) != a.dims.size() || !fits || bytes != a.data.size())
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
      // gzwrite takes an unsigned count: write in pieces.
      ok = true;
      for (std::size_t at = 0; ok && at < buf.size(); at += kChunk) {
        const auto n = static_cast<unsigned>(std::min(kChunk, buf.size() - at));
        ok = gzwrite(f, buf.data() + at, n) == static_cast<int>(n);
      }
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
