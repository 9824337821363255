// SPDX-License-Identifier: MIT
// IDX files (the MNIST and Fashion-MNIST format), raw or gzip-compressed. A header the file cannot
// back up is an error before anything large is allocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "../graph/tensor.hpp"

namespace slope {

/// Magic numbers of the two IDX kinds we read: unsigned bytes with 3 dimensions (images) or 1
/// (labels).
constexpr std::uint32_t kIdxImagesMagic = 0x00000803;
constexpr std::uint32_t kIdxLabelsMagic = 0x00000801;

/// Upper bound on the data an IDX header may claim (1 GiB; Fashion-MNIST's training images are
/// 47 MB). Guards against headers that would make us allocate what no real file holds.
constexpr std::uint64_t kIdxMaxBytes = std::uint64_t{1} << 30;

/// The contents of an IDX file of unsigned bytes: its dimensions and its row-major data.
struct IdxArray {
  std::uint32_t magic = 0;
  std::vector<std::size_t> dims;
  std::vector<std::uint8_t> data;
};

/// Reads an IDX file whose magic number must be `magic`. Gzip is recognised by its magic bytes
/// (1f 8b), not by the file name. At most `max_items` items along the first dimension are read
/// (0: all). Throws ValueError naming the file and the fault: it cannot be opened, it is truncated,
/// its magic is wrong, its dimensions claim more data than the file holds (or than kIdxMaxBytes),
/// it holds data past what the header states, or the gzip stream is corrupt.
IdxArray read_idx(const std::string& path, std::uint32_t magic, std::size_t max_items = 0);
/// Receives the data of an IDX file in pieces as it is read: `bytes[0..n)` are the data bytes that
/// start at `offset` (counted from the first data byte, after the header).
using IdxSink = std::function<void(std::size_t offset, const std::uint8_t* bytes, std::size_t n)>;
/// read_idx with the same checks, but the data goes to `sink` piece by piece instead of into the
/// returned array (whose `data` stays empty), so a caller can convert it without holding it all.
IdxArray read_idx(const std::string& path, std::uint32_t magic, std::size_t max_items,
                  const IdxSink& sink);

/// Images from an IDX file with magic 0x803 ([N, rows, cols] bytes), as float32 [N, rows * cols]
/// scaled to [0, 1] (pixel / 255). At most `max_items` images (0: all). Throws as read_idx.
Tensor read_idx_images(const std::string& path, std::size_t max_items = 0);

/// Labels from an IDX file with magic 0x801 ([N] bytes). At most `max_items` (0: all). Throws as
/// read_idx, and ValueError naming the file, the index and the value when a label is not in
/// 0..num_classes-1.
Labels read_idx_labels(const std::string& path, std::size_t num_classes = 10,
                       std::size_t max_items = 0);

/// Writes `a` as an IDX file (gzip-compressed when `gzip`); the header is a.magic and a.dims.
/// Throws ValueError naming the file when it cannot be written or the dimensions do not describe
/// a.data.size() bytes.
void write_idx(const std::string& path, const IdxArray& a, bool gzip = false);

}  // namespace slope
