// SPDX-License-Identifier: MIT
#include "problem.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <random>
#include <stdexcept>

#include <zlib.h>

namespace bench {

namespace {
std::uint32_t read_be32(gzFile f) {
  unsigned char b[4];
  if (gzread(f, b, 4) != 4) throw std::runtime_error("bench: truncated IDX header");
  return (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) | (std::uint32_t(b[2]) << 8) |
         std::uint32_t(b[3]);
}

struct Gz {
  gzFile f;
  explicit Gz(const std::string& path) : f(gzopen(path.c_str(), "rb")) {}
  ~Gz() {
    if (f) gzclose(f);
  }
  Gz(const Gz&) = delete;
  Gz& operator=(const Gz&) = delete;
};

void store_row(void* ctx, std::size_t row, const float* pixels) {
  auto* p = static_cast<Problem*>(ctx);
  std::copy(pixels, pixels + p->d, p->x.begin() + static_cast<std::ptrdiff_t>(row * p->d));
}
}  // namespace

std::string data_dir() {
  const char* env = std::getenv("SLOPE_FASHION_MNIST");
  return env ? env : "/usr/share/datasets/fashion-mnist";
}

bool for_each_image(const std::string& dir, std::vector<std::int64_t>& labels,
                    void (*f)(void* ctx, std::size_t row, const float* pixels), void* ctx) {
  Gz images(dir + "/train-images-idx3-ubyte.gz");
  Gz label_file(dir + "/train-labels-idx1-ubyte.gz");
  if (!images.f || !label_file.f) return false;
  if (read_be32(images.f) != 0x803 || read_be32(label_file.f) != 0x801)
    throw std::runtime_error("bench: unexpected IDX magic in " + dir);
  const std::size_t n = read_be32(images.f);
  const std::size_t d = std::size_t(read_be32(images.f)) * read_be32(images.f);
  if (read_be32(label_file.f) != n) throw std::runtime_error("bench: label count differs");
  std::vector<unsigned char> raw_labels(n);
  if (gzread(label_file.f, raw_labels.data(), static_cast<unsigned>(n)) != static_cast<int>(n))
    throw std::runtime_error("bench: truncated label file");
  labels.assign(raw_labels.begin(), raw_labels.end());
  std::vector<unsigned char> raw(d);
  std::vector<float> pixels(d);
  for (std::size_t i = 0; i < n; ++i) {
    if (gzread(images.f, raw.data(), static_cast<unsigned>(d)) != static_cast<int>(d))
      throw std::runtime_error("bench: truncated image file");
    for (std::size_t j = 0; j < d; ++j) pixels[j] = static_cast<float>(raw[j]) / 255.0f;
    f(ctx, i, pixels.data());
  }
  return true;
}

Problem load_problem(std::size_t n, std::uint64_t seed) {
  Problem all;
  all.d = 784;
  all.c = 10;
  all.n = 60000;
  all.x.resize(all.n * all.d);
  if (for_each_image(data_dir(), all.y, store_row, &all)) {
    all.source = "Fashion-MNIST train (" + data_dir() + ")";
  } else {
    std::mt19937_64 rng(seed + 100);
    std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
    for (auto& v : all.x) v = pixel(rng);
    all.y.resize(all.n);
    for (std::size_t i = 0; i < all.n; ++i) all.y[i] = static_cast<std::int64_t>(rng() % all.c);
    all.source = "random data of Fashion-MNIST's shape (" + data_dir() + " not found)";
  }
  // One seeded shuffle: batch k is rows [k B, (k + 1) B) of the result, for every contender.
  std::vector<std::size_t> order(all.n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  Problem p;
  p.n = std::min(n, all.n);
  p.d = all.d;
  p.c = all.c;
  p.source = all.source;
  p.x.resize(p.n * p.d);
  p.y.resize(p.n);
  for (std::size_t i = 0; i < p.n; ++i) {
    std::copy(all.row(order[i]), all.row(order[i]) + p.d,
              p.x.begin() + static_cast<std::ptrdiff_t>(i * p.d));
    p.y[i] = all.y[order[i]];
  }
  return p;
}

std::vector<float> init_weights(std::size_t rows, std::size_t cols, std::uint64_t seed,
                                float scale) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> w(rows * cols);
  for (auto& v : w) v = normal(rng);
  return w;
}

std::vector<double> widen(const std::vector<float>& v) { return {v.begin(), v.end()}; }

namespace {
double status_mb(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == field) {
      double kib = 0;
      status >> kib;
      return kib * 1024.0 / 1e6;
    }
    std::getline(status, key);
  }
  return 0.0;
}
}  // namespace

double current_rss_mb() { return status_mb("VmRSS:"); }
double peak_rss_mb() { return status_mb("VmHWM:"); }

}  // namespace bench
