// SPDX-License-Identifier: MIT
// The benchmark's data: Fashion-MNIST (or, for --quick, synthetic data of the same shape), shuffled
// once with a fixed seed so that every contender sees the same batches in the same order, and the
// initial parameters every contender starts from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace bench {

/// n examples of d features (row-major, float32 in [0, 1]) with labels in [0, c).
struct Problem {
  std::size_t n = 0, d = 0, c = 0;
  std::vector<float> x;
  std::vector<std::int64_t> y;
  std::string source;  // "Fashion-MNIST train (/usr/share/...)" or "synthetic ..."

  const float* row(std::size_t i) const { return x.data() + i * d; }
};

/// The first `n` images of Fashion-MNIST's training set after one seeded shuffle of all 60,000.
/// When the data set is absent and `allow_synthetic` (--quick), synthetic data of the same shape
/// instead (data/'s rule and data/'s Gaussian blobs; a note in `source`); a corrupt file is always
/// an error.
Problem load_problem(std::size_t n, bool allow_synthetic, std::uint64_t seed = 1);

/// Fashion-MNIST's training set in `dir`, read by data/'s IDX reader: returns the labels and
/// scales each image's pixels to [0, 1] straight into `storage(n, d)`, n * d floats row-major, as
/// the file is decoded (the raw bytes are never held whole). Throws slope::ValueError naming the
/// directory or the file when one is missing or corrupt.
std::vector<std::int64_t> read_train_set(
    const std::string& dir, const std::function<float*(std::size_t n, std::size_t d)>& storage);

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
