// SPDX-License-Identifier: MIT
// The minibatch sampler: which examples each step of an epoch sees. Epoch k's batches depend only
// on (seed, k), so a run is reproducible from its seed, and so is any single epoch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>

#include "objective.hpp"

namespace slope {

struct SamplerOptions {
  /// Examples per batch: 1 <= batch_size <= the data set's size.
  std::size_t batch_size = 32;
  /// Draw a fresh random order every epoch (without replacement); false keeps 0, 1, ..., n-1.
  bool shuffle = true;
  /// Draw every index uniformly at random, independently (an index may repeat, even within a
  /// batch); an epoch is then ceil(n / batch_size) full batches (floor with drop_last).
  bool replacement = false;
  /// Skip the last, smaller batch of an epoch when batch_size does not divide n.
  bool drop_last = false;
  std::uint64_t seed = 0;
};

class Sampler {
 public:
  /// Throws ValueError "Sampler: ..." naming the value when n is 0, or batch_size is 0 or larger
  /// than n.
  Sampler(std::size_t n, const SamplerOptions& options);

  std::size_t examples() const { return n_; }
  std::size_t batches_per_epoch() const { return batches_; }
  const SamplerOptions& options() const { return options_; }

  /// Starts epoch `epoch`: draws its order (a function of the seed and the epoch only).
  void begin_epoch(std::size_t epoch);
  /// Fills `out` with the next batch of the epoch (reusing its storage); false when the epoch has
  /// no more batches.
  bool next(Batch& out);

 private:
  std::size_t n_;
  SamplerOptions options_;
  std::size_t batches_;
  std::size_t cursor_ = 0;  // batches handed out this epoch
  std::vector<std::size_t> order_;
  std::mt19937_64 rng_;
};

}  // namespace slope
