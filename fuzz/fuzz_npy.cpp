// SPDX-License-Identifier: MIT
// libFuzzer target for the .npy reader (slope::load_npy): each input is written to a temporary
// .npy file and loaded. A bad file may throw slope's typed errors, nothing else; a tensor it
// returns is float32 or float64 and holds as many elements as its shape says, each readable.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

#include <fmt/format.h>

#include "../data/npy.hpp"
#include "../graph/errors.hpp"

namespace {

// One file per process (libFuzzer's -jobs run several), removed at exit.
struct TempFile {
  std::string path;
  TempFile() {
    const char* dir = std::getenv("TMPDIR");
    path = fmt::format("{}/slope_fuzz_npy_{}.npy", dir && *dir ? dir : "/tmp", ::getpid());
  }
  ~TempFile() { std::remove(path.c_str()); }
  void write(const std::uint8_t* data, std::size_t size) const {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0) std::abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const TempFile file;
  file.write(data, size);
  try {
    const slope::Tensor t = slope::load_npy(file.path);
    std::size_t n = 1;
    for (std::size_t d : t.shape()) n *= d;
    if (n != t.size()) __builtin_trap();
    if (t.dtype() != slope::Dtype::float32 && t.dtype() != slope::Dtype::float64) __builtin_trap();
    double sum = 0;
    for (std::size_t i = 0; i < t.size(); ++i) sum += t.flat(i);  // every element is readable
    if (sum == 1.2345e-300) std::puts("");                        // keeps the reads
  } catch (const slope::ValueError&) {
  } catch (const slope::ShapeError&) {
  } catch (const slope::TypeError&) {
  }
  return 0;
}
