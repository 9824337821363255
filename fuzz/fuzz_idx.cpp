// SPDX-License-Identifier: MIT
// libFuzzer target for the IDX reader. Each input is read as a file (raw, or gzip when it starts
// with 1f 8b) and, when raw, once more gzip-compressed here, so that both paths see structured
// data: read_idx whole and cut to 2 items, and the images or labels converter (read_idx's
// streaming form, which read_idx_header's checks and the split loader share). A bad file may throw
// slope's typed errors, nothing else; a file that reads whole writes back to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>
#include <zlib.h>

#include "../data/idx.hpp"
#include "../graph/errors.hpp"

namespace {

// An in-memory file (memfd), rewritten for each input and reached by its /proc path.
struct MemFile {
  int fd = -1;
  std::string path;
  explicit MemFile(const char* name) {
    fd = ::memfd_create(name, 0);
    if (fd < 0) std::abort();
    path = fmt::format("/proc/self/fd/{}", fd);
  }
  void write(const std::uint8_t* data, std::size_t size) const {
    if (::ftruncate(fd, 0) != 0) std::abort();
    std::size_t at = 0;
    while (at < size) {
      const ssize_t n = ::pwrite(fd, data + at, size - at, static_cast<off_t>(at));
      if (n <= 0) std::abort();
      at += static_cast<std::size_t>(n);
    }
  }
};

std::vector<std::uint8_t> gzip(const std::uint8_t* data, std::size_t size) {
  z_stream z{};
  if (deflateInit2(&z, 1, Z_DEFLATED, 9 + 16, 1, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  std::vector<std::uint8_t> out(deflateBound(&z, size) + 32);
  z.next_in = const_cast<std::uint8_t*>(data);
  z.avail_in = static_cast<uInt>(size);
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// Runs f; slope's typed errors are the expected outcome of a bad file, anything else escapes
// (an uncaught exception aborts: libFuzzer reports it as a crash).
template <class F>
bool accepted(F f) {
  try {
    f();
    return true;
  } catch (const slope::ValueError&) {
  } catch (const slope::ShapeError&) {
  } catch (const slope::TypeError&) {
  }
  return false;
}

void read_all_ways(const std::string& path, std::uint32_t magic, const std::uint8_t* raw,
                   std::size_t raw_size) {
  slope::IdxArray whole;
  if (accepted([&] { whole = slope::read_idx(path, magic); }) && raw) {
    // A file that reads whole writes back byte for byte.
    static const MemFile again("slope_fuzz_idx_again");
    slope::write_idx(again.path, whole, false);
    std::vector<std::uint8_t> back(raw_size + 1);
    const ssize_t n = ::pread(again.fd, back.data(), back.size(), 0);
    if (n != static_cast<ssize_t>(raw_size) || std::memcmp(back.data(), raw, raw_size) != 0)
      __builtin_trap();
  }
  accepted([&] { slope::read_idx(path, magic, 2); });
  if (magic == slope::kIdxLabelsMagic)
    accepted([&] { slope::read_idx_labels(path, 10); });
  else if (magic == slope::kIdxImagesMagic)
    accepted([&] { slope::read_idx_images(path, 3); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const MemFile file("slope_fuzz_idx");
  // The input's own magic when it is one of unsigned bytes (0x08, any number of dimensions), else
  // the images' magic: either way most headers parse.
  const bool bytes_magic = size >= 4 && data[0] == 0 && data[1] == 0 && data[2] == 0x08;
  const std::uint32_t magic = bytes_magic ? 0x800u | data[3] : slope::kIdxImagesMagic;
  const bool is_gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  file.write(data, size);
  read_all_ways(file.path, magic, is_gzip ? nullptr : data, size);
  if (!is_gzip) {
    const std::vector<std::uint8_t> gz = gzip(data, size);
    file.write(gz.data(), gz.size());
    read_all_ways(file.path, magic, nullptr, 0);
  }
  return 0;
}
