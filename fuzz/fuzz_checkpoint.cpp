// SPDX-License-Identifier: MIT
// libFuzzer target for the checkpoint reader's file layer (slope::load_npz_bytes: the zip
// container through libzip, then each entry's .npy): a bad archive may throw slope's typed
// errors, nothing else; the arrays it returns are float32 or float64, keyed, and hold as many
// readable elements as their shapes say. load_checkpoint reads files with exactly this call
// before it compares them with a model.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "../checkpoint/npz.hpp"
#include "../graph/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const slope::NamedTensors arrays = slope::load_npz_bytes(bytes, "fuzz.npz");
    double sum = 0;
    for (const auto& [key, t] : arrays) {
      if (key.empty()) __builtin_trap();
      std::size_t n = 1;
      for (std::size_t d : t.shape()) n *= d;
      if (n != t.size()) __builtin_trap();
      if (t.dtype() != slope::Dtype::float32 && t.dtype() != slope::Dtype::float64)
        __builtin_trap();
      for (std::size_t i = 0; i < t.size(); ++i) sum += t.flat(i);  // every element is readable
    }
    if (sum == 1.2345e-300) std::puts("");  // keeps the reads
  } catch (const slope::ValueError&) {
  } catch (const slope::ShapeError&) {
  } catch (const slope::TypeError&) {
  }
  return 0;
}
