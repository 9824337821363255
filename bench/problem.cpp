// SPDX-License-Identifier: MIT
#include "problem.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <random>

#include <fmt/format.h>

#include <slope/slope.hpp>

namespace bench {

namespace {
std::string train_file(const std::string& dir, const char* name) {
  const std::string path = slope::find_idx_file(dir, name);
  if (path.empty())
    throw slope::ValueError(fmt::format("bench: '{}' has no '{}.gz' or '{}'", dir, name, name));
  return path;
}
}  // namespace

std::string data_dir() {
  const char* env = std::getenv("SLOPE_FASHION_MNIST");
  return env ? env : slope::kFashionMnistDir;
}

std::vector<std::int64_t> read_train_set(
    const std::string& dir, const std::function<float*(std::size_t n, std::size_t d)>& storage) {
  const std::string images = train_file(dir, "train-images-idx3-ubyte");
  const std::string labels_path = train_file(dir, "train-labels-idx1-ubyte");
  slope::Labels labels = slope::read_idx_labels(labels_path);
  // The first image's header gives the pixel count, so that the storage is made before the data.
  const slope::IdxArray header =
      slope::read_idx(images, slope::kIdxImagesMagic, 1, [](auto, auto, auto) {});
  const std::size_t n = labels.size(), d = header.dims[1] * header.dims[2];
  float* x = storage(n, d);
  const slope::IdxArray all = slope::read_idx(
      images, slope::kIdxImagesMagic, 0,
      [x, end = n * d](std::size_t offset, const std::uint8_t* bytes, std::size_t count) {
        for (std::size_t k = 0; k < count && offset + k < end; ++k)
          x[offset + k] = static_cast<float>(bytes[k]) / 255.0f;
      });
  if (all.dims[0] != n)  // the images past the labels, if any, were not stored
    throw slope::ValueError(fmt::format("bench: '{}' holds {} images but '{}' holds {} labels",
                                        images, all.dims[0], labels_path, n));
  return labels;
}

Problem load_problem(std::size_t n, bool allow_synthetic, std::uint64_t seed) {
  const std::string dir = data_dir();
  const slope::DataSource source = slope::choose_data_source(dir, allow_synthetic);
  Problem p;
  p.d = 784;
  p.c = 10;
  if (source.synthetic) {
    std::printf("%s\n", source.note.c_str());
    p.n = std::min<std::size_t>(n, 60000);
    const slope::Dataset d = slope::gaussian_blobs(p.n, p.d, p.c, seed + 100, seed + 101);
    p.x.assign(d.x.data<float>(), d.x.data<float>() + d.x.size());
    p.y = d.y;
    p.source = "synthetic data of Fashion-MNIST's shape (10 Gaussian blobs; " + dir + " not found)";
    return p;
  }
  Problem all;
  all.c = 10;
  all.y = read_train_set(dir, [&all](std::size_t rows, std::size_t d) {
    all.n = rows;
    all.d = d;
    all.x.resize(rows * d);
    return all.x.data();
  });
  // One seeded shuffle: batch k is rows [k B, (k + 1) B) of the result, for every contender.
  std::vector<std::size_t> order(all.n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  p.n = std::min(n, all.n);
  p.d = all.d;
  p.source = "Fashion-MNIST train (" + dir + ")";
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
