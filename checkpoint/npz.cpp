// SPDX-License-Identifier: MIT
#include "npz.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "../data/npy.hpp"
#include "../graph/errors.hpp"
#include "atomic_file.hpp"
#include "zip.hpp"

namespace slope {

namespace {
constexpr char kSuffix[] = ".npy";
constexpr std::size_t kSuffixBytes = sizeof(kSuffix) - 1;
}  // namespace

std::string save_npz_bytes(const std::vector<NpzArray>& arrays, const std::string& context) {
  std::vector<ZipEntry> entries;
  entries.reserve(arrays.size());
  for (const NpzArray& a : arrays) {
    if (a.key.empty()) throw ValueError(fmt::format("{}: an array has an empty key", context));
    if (a.value.empty())
      throw ValueError(fmt::format("{}: array '{}' is empty (no element type)", context, a.key));
    entries.push_back({a.key + kSuffix, save_npy_bytes(a.value), a.compress});
  }
  return write_zip(entries, context);
}

NamedTensors load_npz_bytes(const std::string& bytes, const std::string& context) {
  NamedTensors out;
  for (ZipEntry& e : read_zip(bytes, context)) {
    const std::string& name = e.name;
    if (name.size() <= kSuffixBytes ||
        name.compare(name.size() - kSuffixBytes, kSuffixBytes, kSuffix) != 0)
      throw ValueError(fmt::format("{}: entry '{}' is not an array (<key>.npy)", context, name));
    std::string key = name.substr(0, name.size() - kSuffixBytes);
    try {
      out.emplace_back(std::move(key), load_npy_bytes(e.bytes, name));
    } catch (const std::logic_error& err) {  // slope's typed errors
      throw ValueError(fmt::format("{}: entry '{}': {}", context, name, err.what()));
    }
  }
  return out;
}

void save_npz(const std::string& path, const std::vector<NpzArray>& arrays) {
  write_file_atomic(path, save_npz_bytes(arrays, fmt::format("save_npz: '{}'", path)));
}

NamedTensors load_npz(const std::string& path) {
  const std::string context = fmt::format("load_npz: '{}'", path);
  return load_npz_bytes(read_file_bytes(path, context), context);
}

}  // namespace slope
