// SPDX-License-Identifier: MIT
// A user's program on an installed slope: one step of a linear softmax classifier, in float32 and
// float64, printed as the hex of every value's bytes. tests/consumer/run.sh builds it outside
// slope's tree with -march=x86-64 alone and compares its output with the in-tree build's
// (tests/install.cmake), which must be the same to the bit.
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>

#include <slope/slope.hpp>

namespace {

// The bytes of each value, as the element type holds them.
std::string hex(const slope::Tensor& t) {
  std::string out;
  char word[24];
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t.dtype() == slope::Dtype::float32) {
      std::uint32_t bits;
      std::memcpy(&bits, t.data<float>() + i, sizeof bits);
      std::snprintf(word, sizeof word, " %08" PRIx32, bits);
    } else {
      std::uint64_t bits;
      std::memcpy(&bits, t.data<double>() + i, sizeof bits);
      std::snprintf(word, sizeof word, " %016" PRIx64, bits);
    }
    out += word;
  }
  return out;
}

// loss(x W + b, y), its gradients, and W after one SGD step taken here (inline xtensor code,
// compiled for the user's CPU, on the library's tensors).
void step(slope::Dtype dtype) {
  const slope::Tensor x = slope::randn({8, 5}, 1, dtype);
  slope::Variable w(slope::randn({5, 3}, 2, dtype, 0.5), /*requires_grad=*/true);
  slope::Variable b(slope::randn({3}, 3, dtype, 0.1), /*requires_grad=*/true);
  const slope::Labels y = {0, 2, 1, 2, 0, 1, 1, 2};
  slope::Variable loss = slope::softmax_cross_entropy(slope::linear(slope::Variable(x), w, b), y);
  loss.backward();
  const slope::Tensor stepped =
      slope::map2("sgd", w.value(), w.grad(), [](const auto& v, const auto& g) {
        using T = typename std::decay_t<decltype(v)>::value_type;
        return v - T(0.1) * g;
      });
  std::printf("%s loss%s\n", slope::dtype_name(dtype), hex(loss.value()).c_str());
  std::printf("%s dW%s\n", slope::dtype_name(dtype), hex(w.grad()).c_str());
  std::printf("%s db%s\n", slope::dtype_name(dtype), hex(b.grad()).c_str());
  std::printf("%s W'%s\n", slope::dtype_name(dtype), hex(stepped).c_str());
}

}  // namespace

int main() {
  std::printf("slope %s (headers %d.%d.%d), %zu ops\n", slope::version(), SLOPE_VERSION_MAJOR,
              SLOPE_VERSION_MINOR, SLOPE_VERSION_PATCH, slope::op_registry().size());
  step(slope::Dtype::float32);
  step(slope::Dtype::float64);
  return std::string(slope::version()) == SLOPE_VERSION_STRING ? 0 : 1;
}
