// SPDX-License-Identifier: MIT
// The benchmark's data: Fashion-MNIST (or random data of the same shape), shuffled once with a
// fixed seed so that every contender sees the same batches in the same order, and the initial
// parameters every contender starts from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

/// n examples of d features (row-major, float32 in [0, 1]) with labels in [0, c).
struct Problem {
  std::size_t n = 0, d = 0, c = 0;
  std::vector<float> x;
  std::vector<std::int64_t> y;
  std::string source;  // "Fashion-MNIST train (/usr/share/...)" or "random"

  const float* row(std::size_t i) const { return x.data() + i * d; }
};

/// The first `n` images of Fashion-MNIST's training set after one seeded shuffle of all 60,000;
/// random values of the same shape (and a note in `source`) when the files are missing.
Problem load_problem(std::size_t n, std::uint64_t seed = 1);

/// Calls `f(row, pixels)` for each training image in file order with its 784 pixels scaled to
/// [0, 1], without holding the decompressed file in memory. Returns false when the files are
/// missing; `labels` receives the labels.
bool for_each_image(const std::string& dir, std::vector<std::int64_t>& labels,
                    void (*f)(void* ctx, std::size_t row, const float* pixels), void* ctx);

/// The data set directory (SLOPE_FASHION_MNIST or Debian's /usr/share/datasets/fashion-mnist).
std::string data_dir();

/// rows * cols values drawn from N(0, scale^2) with a fixed seed: the shared initialisation.
std::vector<float> init_weights(std::size_t rows, std::size_t cols, std::uint64_t seed,
                                float scale);

/// The same values widened to double (the float64 rows).
std::vector<double> widen(const std::vector<float>& v);

/// The resident set size of this process now, in MB of 10^6 bytes (VmRSS of /proc/self/status).
double current_rss_mb();
/// The peak resident set size of this process's address space (VmHWM), in MB. Unlike getrusage's
/// ru_maxrss it does not inherit the spawning process's peak across exec.
double peak_rss_mb();

}  // namespace bench
