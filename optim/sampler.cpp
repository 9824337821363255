// SPDX-License-Identifier: MIT
#include "sampler.hpp"

#include <numeric>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope {

namespace {
// splitmix64: spreads (seed, epoch) over the generator's seed space, so that neighbouring seeds
// and epochs give unrelated streams.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Uniform in [0, bound) by rejection: the same numbers on every platform (std::shuffle and
// std::uniform_int_distribution are implementation-defined).
std::size_t below(std::mt19937_64& rng, std::size_t bound) {
  const std::uint64_t b = bound;
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % b;
  std::uint64_t r;
  do r = rng();
  while (r >= limit);
  return static_cast<std::size_t>(r % b);
}
}  // namespace

Sampler::Sampler(std::size_t n, const SamplerOptions& options) : n_(n), options_(options) {
  if (n == 0) throw ValueError("Sampler: the data set is empty (0 examples)");
  if (options.batch_size == 0)
    throw ValueError("Sampler: batch_size must be at least 1 (batch_size 0)");
  if (options.batch_size > n)
    throw ValueError(fmt::format("Sampler: batch_size {} is larger than the data set ({} examples)",
                                 options.batch_size, n));
  const std::size_t bs = options.batch_size;
  batches_ = options.drop_last ? n / bs : (n + bs - 1) / bs;
  if (!options.replacement) {
    order_.resize(n);
    std::iota(order_.begin(), order_.end(), std::size_t{0});
  }
}

void Sampler::begin_epoch(std::size_t epoch) {
  cursor_ = 0;
  rng_.seed(mix(mix(options_.seed) ^ epoch));
  if (options_.replacement || !options_.shuffle) return;
  // Fisher-Yates from the identity, so epoch k's order depends on (seed, k) alone.
  std::iota(order_.begin(), order_.end(), std::size_t{0});
  for (std::size_t i = n_ - 1; i > 0; --i) std::swap(order_[i], order_[below(rng_, i + 1)]);
}

bool Sampler::next(Batch& out) {
  if (cursor_ >= batches_) return false;
  const std::size_t bs = options_.batch_size;
  if (options_.replacement) {
    out.indices.resize(bs);
    for (auto& i : out.indices) i = below(rng_, n_);
    out.whole = false;
  } else {
    const std::size_t first = cursor_ * bs;
    const std::size_t last = std::min(first + bs, n_);
    out.indices.assign(order_.begin() + static_cast<std::ptrdiff_t>(first),
                       order_.begin() + static_cast<std::ptrdiff_t>(last));
    out.whole = !options_.shuffle && first == 0 && last == n_;
  }
  ++cursor_;
  return true;
}

}  // namespace slope
