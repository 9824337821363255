// SPDX-License-Identifier: MIT
#include "cifar10.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "../graph/errors.hpp"

namespace slope {

namespace {

constexpr std::size_t kTrainBatches = 5;
constexpr std::size_t kRecordsPerChunk = 256;  // ~790 KB read at a time

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// The number of records in `path`, from its size (checked before anything is allocated).
std::size_t records_in(const std::string& path) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec)
    throw ValueError(fmt::format("read_cifar10_batch: cannot read '{}' ({})", path, ec.message()));
  if (size == 0 || size % kCifar10RecordBytes != 0)
    throw ValueError(fmt::format(
        "read_cifar10_batch: '{}' holds {} bytes, not a whole number of {}-byte records", path,
        size, kCifar10RecordBytes));
  return static_cast<std::size_t>(size / kCifar10RecordBytes);
}

// Reads the first n records of `path` into x (n rows of 3072 floats) and y (n labels).
void read_records(const std::string& path, std::size_t n, float* x, std::int64_t* y) {
  const std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file)
    throw ValueError(
        fmt::format("read_cifar10_batch: cannot open '{}' ({})", path, std::strerror(errno)));
  std::vector<std::uint8_t> chunk(std::min(kRecordsPerChunk, n) * kCifar10RecordBytes);
  for (std::size_t first = 0; first < n; first += kRecordsPerChunk) {
    const std::size_t records = std::min(kRecordsPerChunk, n - first);
    if (std::fread(chunk.data(), kCifar10RecordBytes, records, file.get()) != records)
      throw ValueError(fmt::format("read_cifar10_batch: '{}' ended early, at record {}", path,
                                   first));  // the file shrank after its size was taken
    for (std::size_t r = 0; r < records; ++r) {
      const std::uint8_t* record = chunk.data() + r * kCifar10RecordBytes;
      if (record[0] >= 10)
        throw ValueError(fmt::format("read_cifar10_batch: '{}' record {} has label {} (not 0-9)",
                                     path, first + r, record[0]));
      y[first + r] = record[0];
      float* row = x + (first + r) * kCifar10ImageBytes;
      for (std::size_t i = 0; i < kCifar10ImageBytes; ++i)
        row[i] = static_cast<float>(record[1 + i]) / 255.0f;
    }
  }
}

}  // namespace

const std::vector<std::string>& cifar10_class_names() {
  static const std::vector<std::string> names = {
      "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
  return names;
}

Dataset read_cifar10_batch(const std::string& path, std::size_t max_items) {
  std::size_t n = records_in(path);
  if (max_items > 0) n = std::min(n, max_items);
  Dataset d;
  d.x = Tensor::zeros({n, kCifar10ImageBytes}, Dtype::float32);  // [N, 3072]
  d.y.resize(n);
  read_records(path, n, d.x.data<float>(), d.y.data());
  return d;
}

TrainTest load_cifar10(const std::string& dir, std::size_t max_train, std::size_t max_test) {
  auto file = [&](const std::string& name) {
    const std::filesystem::path p = std::filesystem::path(dir) / name;
    if (!std::filesystem::is_regular_file(p))
      throw ValueError(
          fmt::format("load_cifar10: '{}' has no {} (CIFAR-10's binary version)", dir, name));
    return p.string();
  };
  // Every batch's size is checked first, so the training set is allocated once, at its size.
  std::vector<std::pair<std::string, std::size_t>> batches;
  std::size_t n = 0;
  for (std::size_t b = 1; b <= kTrainBatches && (max_train == 0 || n < max_train); ++b) {
    const std::string path = file(fmt::format("data_batch_{}.bin", b));
    const std::size_t records = std::min(
        records_in(path), max_train ? max_train - n : std::numeric_limits<std::size_t>::max());
    batches.emplace_back(path, records);
    n += records;
  }
  const std::string test_path = file("test_batch.bin");
  TrainTest tt;
  tt.train.x = Tensor::zeros({n, kCifar10ImageBytes}, Dtype::float32);
  tt.train.y.resize(n);
  std::size_t at = 0;
  for (const auto& [path, records] : batches) {
    read_records(path, records, tt.train.x.data<float>() + at * kCifar10ImageBytes,
                 tt.train.y.data() + at);
    at += records;
  }
  tt.test = read_cifar10_batch(test_path, max_test);
  return tt;
}

}  // namespace slope
