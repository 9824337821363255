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

/// Reads and checks the header of an IDX file whose magic number must be `magic`, without keeping
/// its data: `data` stays empty and dims[0] is cut to `max_items` when that is smaller (0: all).
/// Checks what read_idx checks of the header (magic, no zero extent, the kIdxMaxBytes limit, a
/// raw file's exact size, what a gzip file of its size can hold); a gzip stream that claims far
/// more than real data compresses to is read through once (nothing kept) and must hold exactly
/// what its header states. So a caller may size its buffers from the result. Throws as read_idx.
IdxArray read_idx_header(const std::string& path, std::uint32_t magic, std::size_t max_items = 0);

/// Reads an IDX file whose magic number must be `magic`. Gzip is recognised by its magic bytes
/// (1f 8b), not by the file name. At most `max_items` items along the first dimension are read
/// (0: all). Throws ValueError naming the file and the fault: it cannot be opened, it is truncated,
/// its magic is wrong, an extent is 0, its dimensions claim more data than the file holds (or than
/// kIdxMaxBytes), it holds data past what the header states, or the gzip stream is corrupt.
/// Memory: never more than the header states and the file is known to back. The data is read in
/// chunks of 1 MB; a gzip stream is stopped at its first byte past what the header states, and
/// one that claims more than 16 times its compressed size is checked in a first pass that keeps
/// nothing, so a gzip bomb costs time, not memory.
IdxArray read_idx(const std::string& path, std::uint32_t magic, std::size_t max_items = 0);
/// Receives the data of an IDX file in pieces as it is read: `bytes[0..n)` are the data bytes that
/// start at `offset` (counted from the first data byte, after the header).
using IdxSink = std::function<void(std::size_t offset, const std::uint8_t* bytes, std::size_t n)>;
/// read_idx with the same checks, but the data goes to `sink` piece by piece instead of into the
/// returned array (whose `data` stays empty), so a caller can convert it without holding it all.
/// An empty `sink` keeps the data in the array, as the overload above does.
IdxArray read_idx(const std::string& path, std::uint32_t magic, std::size_t max_items,
                  const IdxSink& sink);

/// Images from an IDX file with magic 0x803 ([N, rows, cols] bytes), as float32 [N, rows * cols]
/// scaled to [0, 1] (pixel / 255). At most `max_items` images (0: all). Throws as read_idx. The
/// bytes are scaled as they arrive: memory is the float result, never bytes and floats both.
Tensor read_idx_images(const std::string& path, std::size_t max_items = 0);

/// Labels from an IDX file with magic 0x801 ([N] bytes). At most `max_items` (0: all). Throws as
/// read_idx, and ValueError naming the file, the index and the value when a label is not in
/// 0..num_classes-1 (or num_classes is 0).
Labels read_idx_labels(const std::string& path, std::size_t num_classes = 10,
                       std::size_t max_items = 0);

/// Writes `a` as an IDX file (gzip-compressed when `gzip`); the header is a.magic and a.dims.
/// Throws ValueError naming the file when it cannot be written or the dimensions do not describe
/// a.data.size() bytes (an extent past 32 bits included).
void write_idx(const std::string& path, const IdxArray& a, bool gzip = false);

}  // namespace slope
