// SPDX-License-Identifier: MIT
// The zip container of .npz files, through libzip, in memory: the writer returns the archive's
// bytes (write_file_atomic puts them on disk), the reader takes them. The reader is strict (a fuzz
// target feeds it arbitrary bytes): each entry's CRC is checked, its sizes are bounded by what the
// archive's real size can back, and a name may appear once.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace slope {

struct ZipEntry {
  std::string name;
  std::string bytes;
  /// Deflate (what numpy.savez_compressed writes) rather than store (numpy.savez).
  bool compress = false;
};

/// The deflate format's best ratio is about 1032:1, so no honest entry expands by more.
constexpr std::size_t kZipMaxExpansion = 1032;

/// The bytes of a zip archive of `entries`, in order, each dated 1980-01-01 (the same entries
/// give the same bytes). Throws ValueError "<context>: ..." for an empty or repeated name, or
/// when libzip fails.
std::string write_zip(const std::vector<ZipEntry>& entries, const std::string& context);

/// Every entry of the archive held in `bytes`, in the archive's order (`compress` tells how each
/// was stored). Throws ValueError "<context>: ..." naming the entry at fault when the bytes are
/// not a zip archive (or a truncated one), an entry is encrypted, uses a method other than store
/// or deflate, claims more bytes than kZipMaxExpansion times its compressed size (which cannot
/// exceed the archive's), holds fewer or more bytes than it claims, fails its CRC, or repeats a
/// name. Nothing is allocated beyond what the data really decompresses to.
std::vector<ZipEntry> read_zip(const std::string& bytes, const std::string& context);

}  // namespace slope
