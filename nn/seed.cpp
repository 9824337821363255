// SPDX-License-Identifier: MIT
#include "seed.hpp"

namespace slope::nn {

namespace {
thread_local std::uint64_t tl_base = 0;
thread_local std::uint64_t tl_count = 0;
}  // namespace

void manual_seed(std::uint64_t seed) {
  tl_base = seed;
  tl_count = 0;
}

std::uint64_t next_seed() {
  std::uint64_t z = tl_base + 0x9e3779b97f4a7c15ULL * ++tl_count;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace slope::nn
